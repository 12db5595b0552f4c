"""Durable replies (bot/replies.py): kept in the engine's transaction, sent at once by the fast path,
delivered by the real dispatcher after a crash, in each chat's order, never twice by two holders.
Run on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import deque
from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.engine import Engine
from bot.messages import ChatRef, Incoming, Reply
from bot.outbox import SendResult, enqueue
from bot.replies import FastPath, ReplyKeep
from bot.storage.models import MessageLog, Outbox
from licensebot.app import build_services
from scheduler.dispatcher import Dispatcher
from tests.conftest import make_settings
from tests.reminders_support import FakeSender

LEASE = timedelta(seconds=30)


@pytest.fixture
def services(db_url, clock):
    s = build_services(make_settings(db_url, flood_per_minute=1000), clock)
    yield s
    s.db.dispose()


def msg(text: str, chat: str = "7") -> Incoming:
    return Incoming(channel="telegram", chat_id=chat, user_id=chat, text=text)


def outbox(services, chat: str = "7") -> list[Outbox]:
    with services.db.session() as s:
        return list(s.exec(select(Outbox).where(Outbox.chat_id == chat).order_by(col(Outbox.id))))


def answer(engine: Engine, text: str, chat: str = "7") -> tuple[list[Reply], ReplyKeep]:
    keep = ReplyKeep(LEASE)
    return engine.handle(msg(text, chat), keep=keep), keep


async def test_replies_are_kept_with_the_answer_and_marked_sent_by_the_fast_path(services, clock):
    engine = Engine(services)
    replies, keep = answer(engine, "/help")
    rows = outbox(services)
    assert [r.body["text"] for r in rows] == [r.text for r in replies] and replies
    assert {(r.kind, r.status, r.attempts) for r in rows} == {("reply", "sending", 1)}  # the fast path's attempt
    sender = FakeSender(clock)
    await FastPath(services.db, clock).deliver(keep, replies, lambda r: sender.send("7", r))
    assert [s.reply.text for s in sender.sent] == [r.text for r in replies]
    assert {r.status for r in outbox(services)} == {"sent"}


async def test_a_crash_after_the_commit_is_delivered_by_the_dispatcher_once_the_lease_ends(services, clock):
    engine = Engine(services)
    first, _ = answer(engine, "/help")
    second, _ = answer(engine, "/start")  # the process died before sending either
    sender = FakeSender(clock)
    dispatcher = Dispatcher(services.db, {"telegram": sender}, clock)
    assert (await dispatcher.drain()).sent == 0  # the lease of the dead fast path still runs
    clock.advance(seconds=LEASE.total_seconds() + 1)
    assert (await dispatcher.drain()).sent == len(first) + len(second)
    assert [s.reply.text for s in sender.sent] == [r.text for r in first + second]  # in the chat's order
    with services.db.session() as s:  # the engine answered each message once
        assert len(s.exec(select(MessageLog).where(MessageLog.direction == "in")).all()) == 2


async def test_a_fast_path_that_lost_its_lease_does_not_record_over_the_dispatcher(services, clock):
    engine = Engine(services)
    replies, keep = answer(engine, "/help")
    clock.advance(seconds=LEASE.total_seconds() + 1)
    sender = FakeSender(clock, script={"7": deque([SendResult(ok=False, retry_after=60, error="busy")] * 9)})
    await Dispatcher(services.db, {"telegram": sender}, clock).drain()  # took the rows over: attempt 2
    late = FakeSender(clock)
    await FastPath(services.db, clock).deliver(keep, replies, lambda r: late.send("7", r))
    assert {(r.status, r.attempts) for r in outbox(services)} == {("pending", 2)}  # the fast path's record lost


async def test_a_fast_path_that_lost_its_lease_does_not_mark_a_row_the_dispatcher_is_sending(services, clock):
    engine = Engine(services)
    replies, keep = answer(engine, "/help")
    clock.advance(seconds=LEASE.total_seconds() + 1)
    sending, release = asyncio.Event(), asyncio.Event()

    class Stalled(FakeSender):  # the dispatcher's send is on the wire while the old fast path wakes up
        async def send(self, chat_id: str, reply: Reply) -> SendResult:
            sending.set()
            await release.wait()
            return await super().send(chat_id, reply)

    stalled = Stalled(clock)
    draining = asyncio.create_task(Dispatcher(services.db, {"telegram": stalled}, clock).drain())
    await sending.wait()
    taken = {(r.status, r.attempts) for r in outbox(services)}
    assert taken == {("sending", 2)}
    late = FakeSender(clock)
    await FastPath(services.db, clock).deliver(keep, replies, lambda r: late.send("7", r))
    assert {(r.status, r.attempts) for r in outbox(services)} == taken  # attempt 1's record does not count
    release.set()
    await draining
    assert {(r.status, r.attempts) for r in outbox(services)} == {("sent", 2)}


async def test_a_failed_send_leaves_the_rest_to_the_dispatcher_in_order(services, clock):
    engine = Engine(services)
    replies, keep = answer(engine, "ICP证续期要准备哪些材料？")
    more, keep2 = answer(engine, "/help")
    sender = FakeSender(clock, script={"7": deque([SendResult(ok=False, retry_after=3, error="429")])})
    await FastPath(services.db, clock).deliver(keep, replies, lambda r: sender.send("7", r))
    assert sender.sent == [] and {r.status for r in outbox(services)} == {"pending"}
    # The next answer finds earlier unsent rows: it is left to the dispatcher, which keeps the order.
    assert not keep2.fast and await FastPath(services.db, clock).deliver(keep2, more, sender.send) == []
    clock.advance(seconds=4)
    await Dispatcher(services.db, {"telegram": sender}, clock).drain()
    assert [s.reply.text for s in sender.sent] == [r.text for r in replies + more]


async def test_replies_that_store_nothing_are_sent_directly(services, clock):
    engine = Engine(services)
    keep = ReplyKeep(LEASE)
    replies = engine.handle(msg("   "), keep=keep)  # a guard's refusal
    sender = FakeSender(clock)
    await FastPath(services.db, clock).deliver(keep, replies, lambda r: sender.send("7", r))
    assert len(sender.sent) == 1 and outbox(services) == []


async def test_an_engine_error_after_keeping_sends_only_the_apology(services, clock, monkeypatch):
    engine = Engine(services)
    keep = ReplyKeep(LEASE)
    original = ReplyKeep.__call__

    def keep_then_fail(self, *args):
        original(self, *args)
        raise RuntimeError("boom")  # the transaction rolls back with the rows it wrote

    monkeypatch.setattr(ReplyKeep, "__call__", keep_then_fail)
    replies = engine.handle(msg("/help"), keep=keep)
    assert not keep.kept(replies) and "出了点问题" in replies[0].text and outbox(services) == []


async def test_the_dispatcher_keeps_a_chats_order_while_another_worker_holds_its_earlier_row(services, clock):
    with services.db.session() as s:
        for key in ("one", "two"):
            enqueue(s, ChatRef("telegram", "7"), Reply(key), "relay", key, clock.now())
        enqueue(s, ChatRef("telegram", "8"), Reply("other"), "relay", "other", clock.now())
    sender = FakeSender(clock)
    worker_a = Dispatcher(services.db, {"telegram": sender}, clock)
    worker_b = Dispatcher(services.db, {"telegram": sender}, clock)
    held = worker_a.claim(clock.now())  # worker A holds every due row, sends nothing yet
    assert [r.body["text"] for r in held] == ["one", "two", "other"]
    worker_a.release([r for r in held if r.body["text"] != "one"], clock.now())  # keeps "one" only
    taken = worker_b.claim(clock.now())
    assert [r.body["text"] for r in taken] == ["other"]  # "two" waits until "one" is sent


async def test_prune_removes_old_sent_replies_only(services, clock):
    from bot.replies import prune_sent

    engine = Engine(services)
    replies, keep = answer(engine, "/help")
    sender = FakeSender(clock)
    await FastPath(services.db, clock).deliver(keep, replies, lambda r: sender.send("7", r))
    answer(engine, "/start")  # not sent yet
    with services.db.session() as s:
        assert prune_sent(s, clock.now() + timedelta(seconds=1)) == len(replies)
    assert {r.status for r in outbox(services)} == {"sending"}


async def test_a_dispatcher_that_lost_its_lease_cannot_put_a_delivered_message_back(services, clock):
    with services.db.session() as s:
        enqueue(s, ChatRef("telegram", "7"), Reply("顾问回复"), "relay", "relay:1", clock.now())
    sender = FakeSender(clock)
    slow = Dispatcher(services.db, {"telegram": sender}, clock)
    other = Dispatcher(services.db, {"telegram": sender}, clock)
    (stale,) = slow.claim(clock.now())  # attempt 1, and then this worker stalls past its lease
    clock.advance(seconds=slow.policy.lease_seconds + 1)
    (mine,) = other.claim(clock.now())  # attempt 2 takes the row over …
    assert (await sender.send(mine.chat_id, Reply(mine.body["text"]))).ok  # … and Telegram accepts it
    # The stalled worker wakes up with a timeout and tries to put the row back for a retry: refused.
    assert slow.record(stale, SendResult(ok=False, error="timed out"), clock.now()) == "lost_lease"
    assert other.record(mine, SendResult(ok=True), clock.now()) == "sent"
    clock.advance(seconds=3600)
    await other.drain()
    assert [s.reply.text for s in sender.sent] == ["顾问回复"]  # delivered once, never again


def test_a_clients_document_shown_to_a_consultant_never_enters_the_outbox(services):
    """/casefile sends a stored client document: the turn is sent directly, not copied into the database."""
    document = Reply("营业执照 · licence.pdf", tags=("case-file",))
    engine = Engine(services)
    keep = ReplyKeep(LEASE)
    with services.db.session() as session:
        keep(session, msg("/casefile 1"), [document], services.clock.now())
    assert keep.written == [] and not keep.kept([document])
    assert outbox(services) == []
    replies, kept = answer(engine, "/help")  # an ordinary answer is still kept
    assert kept.kept(replies) and len(outbox(services)) == len(replies)
