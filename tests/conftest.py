"""Shared fixtures: databases (SQLite and the local PostgreSQL), services with a frozen clock, chats."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.context import Services
from bot.engine import Engine
from bot.settings import Settings
from bot.storage.db import Database
from licensebot.app import build_services
from tests.chat import ChatDriver
from tests.pgdb import private_database

FIXTURES = Path(__file__).parent / "fixtures"
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("REQUIRE_POSTGRES", "") not in ("", "0")
_pg_reason: list[str] = []


def _pg_available() -> bool:
    if _pg_reason:
        return _pg_reason[0] == "ok"
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL.replace("+psycopg", ""), connect_timeout=3):
            _pg_reason.append("ok")
    except Exception as exc:
        _pg_reason.append(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}")
    return _pg_reason[0] == "ok"


def require_postgres() -> None:
    """Skip the calling test without a reachable server (fail instead with REQUIRE_POSTGRES=1)."""
    if not _pg_available():
        if REQUIRE_PG:
            pytest.fail(_pg_reason[0])
        pytest.skip(_pg_reason[0] + " (set REQUIRE_POSTGRES=1 to make this a failure)")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    require_postgres()
    with private_database(PG_ADMIN_URL, "licensebot_test") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test that takes this runs on SQLite and on PostgreSQL (tables emptied between tests)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bot.db'}"
        return
    url = request.getfixturevalue("pg_url")
    yield url
    _truncate_all(url)


def _truncate_all(url: str) -> None:
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url)
    with engine.begin() as conn:
        names = [n for n in inspect(conn).get_table_names() if n != "alembic_version"]
        if names:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """A migrated database, on SQLite and on PostgreSQL."""
    database = Database(db_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file with every migration applied, made once per session; tests copy it (fast set-up)."""
    path = tmp_path_factory.mktemp("template") / "bot.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    db.dispose()
    return path


@pytest.fixture
def fresh_sqlite(migrated_sqlite: Path, tmp_path: Path) -> str:
    shutil.copyfile(migrated_sqlite, tmp_path / "bot.db")
    return f"sqlite:///{tmp_path / 'bot.db'}"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bot.db'}"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 27, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai


def make_settings(db_url: str, **overrides: object) -> Settings:
    base = Settings.load(environ={}, env_file=Path("/nonexistent"))
    return replace(base, database_url=db_url, knowledge_dir=str(FIXTURES / "kb"), consultancy_name="测试顾问",
                   **overrides)  # type: ignore[arg-type]


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return make_settings(sqlite_url)


@pytest.fixture
def services(settings: Settings, clock: FrozenClock) -> Iterator[Services]:
    s = build_services(settings, clock)
    yield s
    s.db.dispose()


@pytest.fixture
def engine(services: Services) -> Engine:
    return Engine(services)


@pytest.fixture
def chat(engine: Engine) -> ChatDriver:
    return ChatDriver(engine, user="alice")
