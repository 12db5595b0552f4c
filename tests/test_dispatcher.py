"""The dispatcher: every Outbox kind, quiet hours for reminders, retries, leases, two workers at once."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter, deque
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.clock import FrozenClock
from bot.messages import ChatRef, Reply
from bot.outbox import SendResult, enqueue
from bot.ratelimit import Window
from bot.storage.db import Database
from bot.storage.models import Outbox
from registry.models import Subscription
from registry.service import pause_chat
from scheduler.dispatcher import Dispatcher, DispatchPolicy, outbox_limiter
from scheduler.rules import load_rules
from scheduler.sweep import sweep
from tests.reminders_support import FakeSender, FakeTime, add_license

RULES = load_rules()
NOON = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOON)


def put(db: Database, key: str, chat: str = "a", kind: str = "reminder", channel: str = "telegram",
        at: datetime = NOON) -> None:
    with db.session() as s:
        enqueue(s, ChatRef(channel, chat), Reply(key), kind, key, at)


def rows(db: Database) -> dict[str, Outbox]:
    with db.session() as s:
        return {r.dedupe_key: r for r in s.exec(select(Outbox))}


async def test_delivers_every_kind_and_leaves_console_and_senderless_channels_alone(db, clock):
    put(db, "rem", kind="reminder")
    put(db, "relay", kind="relay")
    put(db, "console", channel="console")
    put(db, "wecom", channel="wecom")
    sender = FakeSender(clock)
    console = FakeSender(clock, channel="console")
    report = await Dispatcher(db, {"telegram": sender, "console": console}, clock).drain()
    assert report.sent == 2
    assert sorted(s.reply.text for s in sender.sent) == ["relay", "rem"]
    assert console.sent == []
    state = {k: r.status for k, r in rows(db).items()}
    assert state == {"rem": "sent", "relay": "sent", "console": "pending", "wecom": "pending"}


async def test_quiet_hours_hold_reminders_but_not_consultant_relays(db, clock):
    night = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai
    clock.set(night)
    put(db, "rem", kind="reminder", at=night)
    put(db, "relay", kind="relay", at=night)
    sender = FakeSender(clock)
    dispatcher = Dispatcher(db, {"telegram": sender}, clock, quiet=RULES.quiet)
    report = await dispatcher.drain()
    assert (report.sent, report.deferred) == (1, 1)
    assert [s.reply.text for s in sender.sent] == ["relay"]
    clock.set(datetime(2026, 11, 28, 0, 59, tzinfo=UTC))  # 08:59: still quiet
    assert (await dispatcher.drain()).sent == 0
    clock.set(datetime(2026, 11, 28, 1, 0, tzinfo=UTC))  # 09:00
    assert (await dispatcher.drain()).sent == 1
    assert [s.reply.text for s in sender.sent] == ["relay", "rem"]


async def test_a_transient_error_is_retried_with_backoff(db, clock):
    put(db, "m")
    sender = FakeSender(clock, script={"a": deque([SendResult(ok=False, error="502 Bad Gateway")])})
    dispatcher = Dispatcher(db, {"telegram": sender}, clock)
    assert (await dispatcher.drain()).retrying == 1
    row = rows(db)["m"]
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "502 Bad Gateway")
    assert row.not_before.replace(tzinfo=UTC) == NOON + timedelta(seconds=30)
    assert (await dispatcher.drain()).sent == 0  # not before the backoff ends
    clock.advance(seconds=30)
    assert (await dispatcher.drain()).sent == 1
    assert rows(db)["m"].status == "sent"


async def test_retry_after_is_honoured_and_an_exception_is_transient(db, clock):
    put(db, "m1", chat="a")
    put(db, "m2", chat="b")

    class Flaky(FakeSender):
        async def send(self, chat_id: str, reply: Reply) -> SendResult:
            if chat_id == "b":
                raise ConnectionError("reset by peer")
            return SendResult(ok=False, retry_after=17)

    report = await Dispatcher(db, {"telegram": Flaky(clock)}, clock).drain()
    assert report.retrying == 2
    got = rows(db)
    assert got["m1"].not_before.replace(tzinfo=UTC) == NOON + timedelta(seconds=17)
    assert got["m2"].last_error == "ConnectionError: reset by peer"


async def test_gives_up_after_too_many_attempts(db, clock):
    put(db, "m")
    failing = FakeSender(clock, script={"a": deque([SendResult(ok=False, error="timeout")] * 5)})
    dispatcher = Dispatcher(db, {"telegram": failing}, clock, policy=DispatchPolicy(max_attempts=3))
    outcomes = []
    for _ in range(4):
        r = await dispatcher.drain()
        outcomes.append((r.retrying, r.failed))
        clock.advance(hours=2)
    assert outcomes == [(1, 0), (1, 0), (0, 1), (0, 0)]
    assert (rows(db)["m"].status, rows(db)["m"].attempts) == ("failed", 3)


async def test_a_blocked_user_has_their_subscriptions_paused_with_the_reason(db, clock):
    today = RULES.today(NOON)
    add_license(db, "京B2-20200010", today + timedelta(days=30), today - timedelta(days=10), NOON, chats=("a",))
    add_license(db, "京B2-20200011", today + timedelta(days=7), today - timedelta(days=10), NOON, chats=("a",))
    assert sweep(db, RULES, NOON).created == 2
    blocked = SendResult(ok=False, permanent=True, error="Forbidden: bot was blocked by the user")
    sender = FakeSender(clock, script={"a": deque([blocked])})
    dispatcher = Dispatcher(db, {"telegram": sender}, clock, policy=DispatchPolicy(batch_size=1),
                            on_permanent_failure=pause_chat)
    report = await dispatcher.drain()
    assert (report.failed, report.sent) == (1, 0)
    assert sorted(r.status for r in rows(db).values()) == ["cancelled", "failed"]
    with db.session() as s:
        subs = s.exec(select(Subscription)).all()
    assert {sub.status for sub in subs} == {"paused"}
    assert all("blocked by the user" in sub.paused_reason for sub in subs)


async def test_a_crash_between_send_and_record_repeats_that_one_message_and_skips_none(db, clock):
    for key in ("m1", "m2", "m3"):
        put(db, key, chat=key)
    sender = FakeSender(clock)
    first = Dispatcher(db, {"telegram": sender}, clock)
    claimed = first.claim(clock.now())
    await sender.send(claimed[0].chat_id, Reply(claimed[0].body["text"]))  # sent, then the process dies
    clock.advance(seconds=299)
    second = Dispatcher(Database(db.url), {"telegram": sender}, clock)
    assert (await second.drain()).sent == 0  # the lease still holds
    clock.advance(seconds=2)
    assert (await second.drain()).sent == 3
    assert Counter(s.reply.text for s in sender.sent) == {"m1": 2, "m2": 1, "m3": 1}
    second.db.dispose()


async def test_a_late_result_after_the_lease_was_taken_over_is_not_recorded(db, clock):
    put(db, "m")
    sender = FakeSender(clock)
    slow = Dispatcher(db, {"telegram": sender}, clock)
    (mine,) = slow.claim(clock.now())
    clock.advance(seconds=301)
    fast = Dispatcher(db, {"telegram": sender}, clock)
    assert (await fast.drain()).sent == 1
    assert slow.record(mine, SendResult(ok=False, error="timeout"), clock.now()) == "lost_lease"
    assert rows(db)["m"].status == "sent"


def test_two_dispatchers_with_their_own_sessions_never_send_a_row_twice(db, db_url, clock):
    keys = [f"m{i:03d}" for i in range(300)]
    with db.session() as s:
        for i, key in enumerate(keys):
            enqueue(s, ChatRef("telegram", f"chat{i % 40}"), Reply(key), "relay", key, NOON)
    sender = FakeSender(clock)
    barrier = threading.Barrier(2)
    reports = []

    def worker() -> None:
        own = Database(db_url)
        dispatcher = Dispatcher(own, {"telegram": sender}, clock, policy=DispatchPolicy(batch_size=7))
        barrier.wait()
        reports.append(asyncio.run(dispatcher.drain()))
        own.dispose()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(s.reply.text for s in sender.sent) == keys
    assert sum(r.sent for r in reports) == 300 and sum(r.lost_lease for r in reports) == 0
    assert {r.status for r in rows(db).values()} == {"sent"}


async def test_the_rate_limit_spaces_messages_to_one_chat(db, clock):
    for i in range(3):
        put(db, f"a{i}", chat="a")
    put(db, "b0", chat="b")
    t = FakeTime()
    sender = FakeSender(clock)
    limiter = outbox_limiter(Window(30, 1.0, even=True), Window(1, 1.0), t.monotonic)
    dispatcher = Dispatcher(db, {"telegram": sender}, clock, limiter=limiter, sleep=t.sleep)
    assert (await dispatcher.drain()).sent == 4
    assert [s.reply.text for s in sender.sent if s.chat_id == "a"] == ["a0", "a1", "a2"]
    assert sum(t.slept) == pytest.approx(2.0, abs=0.1)  # a1 and a2 each waited about a second


class SelfLimited(FakeSender):
    """A sender that keeps its platform's limits itself (as Telegram's and WeCom's do)."""

    self_limited = True


async def test_a_sender_that_limits_itself_is_not_paced_again(db, clock):
    for i in range(3):
        put(db, f"a{i}", chat="a")
    t = FakeTime()
    sender = SelfLimited(clock)
    limiter = outbox_limiter(Window(30, 1.0, even=True), Window(1, 1.0), t.monotonic)
    dispatcher = Dispatcher(db, {"telegram": sender}, clock, limiter=limiter, sleep=t.sleep)
    assert (await dispatcher.drain()).sent == 3
    assert [s.reply.text for s in sender.sent] == ["a0", "a1", "a2"]
    assert t.slept == []  # the plain sender above waited about two seconds for the same rows


def test_the_telegram_and_wecom_senders_limit_themselves_and_customer_service_does_not():
    from channels.telegram.sender import TelegramSender
    from channels.wecom.members import MemberSender
    from channels.wecom.robot import RobotSender
    from channels.wecom.sender import KfSender

    assert TelegramSender.self_limited and MemberSender.self_limited and RobotSender.self_limited
    assert not getattr(KfSender, "self_limited", False)  # a 5-message allowance, not a rate: paced here


async def test_retry_after_from_a_sender_that_limits_itself_still_holds_its_chat(db, clock):
    put(db, "a0", chat="a")
    put(db, "a1", chat="a")
    put(db, "b0", chat="b")
    t = FakeTime()
    sender = SelfLimited(clock, script={"a": deque([SendResult(ok=False, retry_after=5.0, error="429")])})
    dispatcher = Dispatcher(db, {"telegram": sender}, clock, limiter=outbox_limiter(clock=t.monotonic),
                            sleep=t.sleep)
    report = await dispatcher.dispatch_once()
    assert (report.sent, report.retrying) == (2, 1)
    assert t.slept == [5.0]  # a1 waited out the hold; b0 did not wait
    assert sorted(s.reply.text for s in sender.sent) == ["a1", "b0"]


async def test_a_long_rate_limit_wait_puts_the_rows_back_unsent(db, clock):
    put(db, "a0", chat="a")
    put(db, "a1", chat="a")
    t = FakeTime()
    limiter = outbox_limiter(None, Window(1, 120.0), t.monotonic)  # one message per two minutes
    sender = FakeSender(clock)
    dispatcher = Dispatcher(db, {"telegram": sender}, clock, limiter=limiter, sleep=t.sleep,
                            policy=replace(DispatchPolicy(), max_wait_seconds=60))
    report = await dispatcher.drain()
    assert (report.sent, report.released) == (1, 1)
    row = rows(db)["a1"]
    assert (row.status, row.attempts) == ("pending", 0)


async def test_a_drain_goes_on_past_rows_waiting_behind_another_workers_row(db, clock):
    """A batch cut short by a chat whose earlier row another worker is sending is not the end: the rows
    of other chats behind it are still drained (a short batch used to stop the drain)."""
    for key, chat in (("x1", "x"), ("x2", "x"), ("y1", "y"), ("y2", "y"), ("y3", "y")):
        put(db, key, chat=chat, kind="relay")
    holder = Dispatcher(db, {"telegram": FakeSender(clock)}, clock, policy=DispatchPolicy(batch_size=1))
    assert [r.body["text"] for r in holder.claim(clock.now())] == ["x1"]  # held, not yet sent
    sender = FakeSender(clock)
    other = Dispatcher(Database(db.url), {"telegram": sender}, clock, policy=DispatchPolicy(batch_size=2))
    report = await other.drain()
    assert [s.reply.text for s in sender.sent] == ["y1", "y2", "y3"]  # x2 waits for x1, in order
    assert report.sent == 3 and rows(db)["x2"].status == "pending"
