"""The database handle: engine, transactional sessions, per-chat locks and migrations."""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from bot.storage.direct import Direct

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# A pooled PostgreSQL connection is pinged before use only when it sat idle this long (seconds): a dead
# server is found before a statement fails, as with pool_pre_ping, without a round trip before every
# transaction of a busy worker (several a message). A connection used within the last second that a
# restart broke fails its statement; that invalidates the whole pool, and the message gets "please
# send it again" (tests/fault/test_postgres_restart.py).
PING_AFTER_IDLE = 1.0
BUSY_TIMEOUT_MS = 30_000  # SQLite: how long a transaction waits for the write lock


def make_engine(url: str) -> Engine:
    """Create an engine. SQLite gets WAL, a busy timeout and write-locking transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, pool_size=10, max_overflow=20)
        _ping_when_idle(engine)
        return engine
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL stays consistent; only a power loss can roll back the last commits (the outbox then
        # repeats a message, never skips one). FULL costs an fsync per commit (~4 ms): 200 sends a second.
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Take the write lock at the start: two processes never deadlock upgrading a read lock.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _ping_when_idle(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is not None and time.monotonic() - since < PING_AFTER_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as error:  # the pool drops this connection and checks out another
            raise exc.DisconnectionError(f"pooled connection is dead: {error}") from error


class Database:
    """One per process. `session()` is a transaction: committed on success, rolled back on error."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        # The send path's one-statement writes, off the pool (bot/storage/direct.py); none on SQLite.
        self.direct: Direct | None = None if self.is_sqlite else Direct(url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def write_now(self, statements: list[tuple[Any, dict[str, Any]]]) -> bool:
        """SQLite: run these writes in one transaction on the calling thread (an event loop's) if the
        write lock is free this instant; False, having written nothing, if an engine transaction holds
        it. Spares a small write the hop to a worker thread."""
        with self.engine.connect() as conn:
            raw: Any = conn.connection.dbapi_connection
            raw.execute("PRAGMA busy_timeout=0")  # not through SQLAlchemy: that would begin a transaction
            try:
                with conn.begin():
                    for statement, params in statements:
                        conn.execute(statement, params)
                return True
            except exc.OperationalError as error:
                if "locked" not in str(error):
                    raise
                return False
            finally:
                raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    def lock_chat(self, session: Session, channel: str, chat_id: str) -> None:
        """Serialise work on one chat across workers until the transaction ends.

        PostgreSQL: a transaction-scoped advisory lock. SQLite: BEGIN IMMEDIATE already holds the
        database's single write lock for the whole transaction.
        """
        if self.is_sqlite:
            session.connection()  # starts the transaction now: BEGIN IMMEDIATE takes the write lock
            return
        key = zlib.crc32(f"{channel}:{chat_id}".encode()) - 2**31
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})

    def upgrade(self) -> None:
        """Apply all migrations (every head)."""
        from alembic import command

        command.upgrade(alembic_config(self.url), "heads")

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def dispose(self) -> None:
        if self.direct is not None:
            self.direct.close()
        self.engine.dispose()


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg
