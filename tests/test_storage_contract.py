"""The storage layer behaves the same on SQLite and PostgreSQL (every test runs on both)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, select

from bot.clock import as_utc
from bot.storage.models import Conversation, Outbox, User
from licensebot.tables import PERSONAL_DATA

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def test_migrations_create_exactly_the_models(db):
    with db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diffs == [], f"models and migrations differ: {diffs}"


def test_upgrade_twice_is_harmless(db):
    db.upgrade()
    assert db.ping()


def test_conversation_round_trip_keeps_json_and_time(db):
    with db.session() as s:
        s.add(Conversation(channel="telegram", chat_id="42", user_id="42", flow="checklist", step="expiry",
                           data={"license": "icp", "changes": ["address"], "中文": "值"}, updated_at=NOW))
    with db.session() as s:
        conv = s.exec(select(Conversation)).one()
    assert conv.data == {"license": "icp", "changes": ["address"], "中文": "值"}
    assert as_utc(conv.updated_at) == NOW


def test_user_is_unique_per_channel(db):
    with db.session() as s:
        s.add(User(channel="telegram", user_id="1", created_at=NOW, last_seen_at=NOW))
        s.add(User(channel="wecom", user_id="1", created_at=NOW, last_seen_at=NOW))
    with pytest.raises(IntegrityError), db.session() as s:
        s.add(User(channel="telegram", user_id="1", created_at=NOW, last_seen_at=NOW))


def test_outbox_dedupe_key_stores_one_row(db):
    row = {"channel": "console", "chat_id": "a", "kind": "reminder", "body": {"text": "hi"},
           "not_before": NOW, "created_at": NOW}
    with db.session() as s:
        s.add(Outbox(dedupe_key="lic1:renewal:90:1", **row))
    with pytest.raises(IntegrityError), db.session() as s:
        s.add(Outbox(dedupe_key="lic1:renewal:90:1", **row))
    with db.session() as s:
        assert len(s.exec(select(Outbox)).all()) == 1


def test_failed_transaction_leaves_nothing(db):
    with pytest.raises(RuntimeError), db.session() as s:
        s.add(User(channel="console", user_id="x", created_at=NOW, last_seen_at=NOW))
        s.flush()
        raise RuntimeError("boom")
    with db.session() as s:
        assert s.exec(select(User)).all() == []


def test_chat_lock_serialises_two_workers(db):
    """Two transactions on one chat never overlap (advisory lock on PostgreSQL, write lock on SQLite)."""
    spans: list[tuple[str, float, float]] = []

    def work(name: str) -> None:
        with db.session() as s:
            db.lock_chat(s, "telegram", "42")
            start = time.monotonic()
            time.sleep(0.2)
            spans.append((name, start, time.monotonic()))

    threads = [threading.Thread(target=work, args=(n,)) for n in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (_, _s1, e1), (_, s2, _e2) = sorted(spans, key=lambda x: x[1])
    assert s2 >= e1 - 0.01


def test_every_table_with_user_data_is_in_the_privacy_registry():
    listed = {t.model.__tablename__ for t in PERSONAL_DATA.tables}
    personal = {name for name, table in SQLModel.metadata.tables.items()
                if "user_id" in table.columns and "channel" in table.columns}
    assert personal <= listed, f"tables missing from licensebot/tables.py PERSONAL_DATA: {personal - listed}"
