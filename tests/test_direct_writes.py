"""The send path's one-statement writes without a thread hop: on a real PostgreSQL on the event loop's own
connection (bot/storage/direct.py), used when it answers, the pool's way when it does not, closed with
the database; on SQLite on the loop's thread only when the write lock is free."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from datetime import timedelta

import psycopg
import pytest
from sqlmodel import select

from bot.context import Services
from bot.engine import Engine
from bot.messages import Incoming
from bot.ratelimit import Window
from bot.replies import FastPath, ReplyKeep, _sent_statement
from bot.shared_limits import SharedLimiter
from bot.storage import direct
from bot.storage.db import BUSY_TIMEOUT_MS
from bot.storage.models import Outbox, SendSlot
from licensebot.app import build_services
from tests.conftest import PG_ADMIN_URL, _truncate_all, make_settings
from tests.reminders_support import FakeSender

WINDOWS = {"private": Window(1, 1.0), "overall": Window(25, 1.0, even=True)}


@pytest.fixture
def services(pg_url: str, clock) -> Iterator[Services]:
    s = build_services(make_settings(pg_url, flood_per_minute=1000), clock)
    yield s
    s.db.dispose()
    _truncate_all(pg_url)


def backend_of(services: Services) -> int:
    """The server process behind this event loop's direct connection."""
    assert services.db.direct is not None
    held = services.db.direct._loops[asyncio.get_running_loop()]
    return int(held.conn.info.backend_pid)


def terminate(pid: int) -> None:
    with psycopg.connect(PG_ADMIN_URL.replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


async def answer_and_send(services: Services, clock, text: str) -> list[Outbox]:
    keep = ReplyKeep(timedelta(seconds=30))
    replies = Engine(services).handle(Incoming(channel="telegram", chat_id="7", user_id="7", text=text), keep=keep)
    sender = FakeSender(clock)
    await FastPath(services.db, clock).deliver(keep, replies, lambda r: sender.send("7", r))
    assert [s.reply.text for s in sender.sent] == [r.text for r in replies] and replies
    with services.db.session() as session:
        return list(session.exec(select(Outbox).where(Outbox.id.in_([w.id for w in keep.written]))))  # type: ignore[union-attr]


async def test_replies_are_marked_on_the_loops_connection_and_through_the_pool_when_it_breaks(
        services, clock, caplog, monkeypatch):
    assert {r.status for r in await answer_and_send(services, clock, "/help")} == {"sent"}
    first = backend_of(services)
    terminate(first)  # a database restart, as far as this connection knows
    with caplog.at_level(logging.WARNING, logger="bot.storage.direct"):
        assert {r.status for r in await answer_and_send(services, clock, "/start")} == {"sent"}
    assert "using the pool" in caplog.text
    monkeypatch.setattr(direct, "REST", 0.0)
    direct_db = services.db.direct
    assert direct_db is not None
    direct_db._resting_until = 0.0  # the rest is over: the next write opens a new connection
    assert {r.status for r in await answer_and_send(services, clock, "/help")} == {"sent"}
    assert backend_of(services) != first


async def test_bookings_go_on_when_the_loops_connection_breaks(services):
    limiter = SharedLimiter(services.db, WINDOWS)
    await limiter.acquire(("private", "7"), ("overall", ""))
    terminate(backend_of(services))
    await limiter.acquire(("private", "8"), ("overall", ""))  # booked through the pool instead
    assert await limiter.areserve(("private", "9"), n=1) == 0.0
    with services.db.session() as session:
        assert len(session.exec(select(SendSlot)).all()) == 4  # three chats and the overall scope


async def test_disposing_the_database_closes_the_direct_connections(services, clock):
    await answer_and_send(services, clock, "/help")
    pid = backend_of(services)
    assert services.db.direct is not None
    conn = services.db.direct._loops[asyncio.get_running_loop()].conn
    services.db.dispose()
    assert conn.closed
    with psycopg.connect(PG_ADMIN_URL.replace("+psycopg", ""), autocommit=True) as admin:
        for _ in range(50):  # the server notices the closed socket at once; give it a moment all the same
            if not admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchall():
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("the direct connection is still open after dispose()")


async def test_on_sqlite_a_mark_is_written_on_the_loops_thread_only_when_the_write_lock_is_free(tmp_path, clock):
    services = build_services(make_settings(f"sqlite:///{tmp_path / 'bot.db'}", flood_per_minute=1000), clock)
    db = services.db
    try:
        keep = ReplyKeep(timedelta(seconds=30))
        Engine(services).handle(Incoming(channel="telegram", chat_id="7", user_id="7", text="/help"), keep=keep)
        mark = [_sent_statement([keep.written[0].id], clock.now(), "")]
        holder = db.engine.connect()
        transaction = holder.begin()  # BEGIN IMMEDIATE: an engine transaction holds the write lock
        began = time.monotonic()
        assert db.write_now(mark) is False  # gives way at once instead of waiting out the busy timeout
        assert time.monotonic() - began < 5
        transaction.rollback()
        holder.close()
        assert db.write_now(mark) is True
        with db.session() as session:
            assert session.get(Outbox, keep.written[0].id).status == "sent"  # type: ignore[union-attr]
        with db.engine.connect() as conn:  # the pooled connection waits for the lock again as usual
            raw = conn.connection.dbapi_connection
            assert raw is not None and raw.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS
    finally:
        db.dispose()
