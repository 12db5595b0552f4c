"""A database of its own on a PostgreSQL server, created for a test run or a bench and dropped after.

Used by the test fixtures (tests/conftest.py, tests/fault/kit.py) and the benches (bench/load_parts.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def private_database(admin_url: str, prefix: str = "licensebot") -> Iterator[str]:
    """Yields a SQLAlchemy URL (postgresql+psycopg://…) of a fresh database on `admin_url`'s server."""
    import psycopg

    admin = admin_url.replace("postgresql+psycopg://", "postgresql://", 1)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin.rpartition('/')[0].replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
