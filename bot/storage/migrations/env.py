"""Alembic environment: runs migrations against the URL the application passes in.

The migrations are the whole application's: they compare against every table, as the composition root
lists them (licensebot/tables.py). This folder is not a package: the core's modules do not import it."""

from alembic import context
from sqlalchemy import pool
from sqlmodel import SQLModel

import licensebot.tables  # noqa: F401  (the composition root's list: every table on SQLModel.metadata)
from bot.storage.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    engine = make_engine(url) if url.startswith("sqlite") else None
    if engine is None:
        from sqlalchemy import create_engine

        engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
