"""Telegram's limits as the real sender keeps them, with the limiter the channel builds from the default
settings: 1 message a second per private chat, 25 a second overall. On SQLite the limiter is per
process; on PostgreSQL two senders ("two workers") share the counters (bot/shared_limits.py).
Time is FakeTime: the fake Bot API stamps each call with it, so the gaps are exact."""

from __future__ import annotations

import itertools
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from telegram import Bot

from bot.messages import Reply
from bot.ratelimit import FakeTime, Window
from bot.settings import Settings
from bot.shared_limits import Pace, SharedLimiter
from bot.storage.db import Database
from channels.telegram.app import make_limiter
from channels.telegram.models import TelegramStore
from channels.telegram.sender import TelegramSender
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.telegram_kit import fake_fixture  # noqa: F401

DEFAULTS = Settings.load(environ={}, env_file=Path("/nonexistent"))


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    database.upgrade()
    yield database
    database.dispose()


def max_in_window(times: list[float], seconds: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while times[start] <= t - seconds + 1e-9:
            start += 1
        best = max(best, end - start + 1)
    return best


async def senders(stack: AsyncExitStack, fake: FakeTelegram, db: Database, clock, time: FakeTime,
                  workers: int) -> list[TelegramSender]:
    """`workers` senders as separate processes would have them: each its own Bot and limiter."""
    out = []
    for _ in range(workers):
        bot = await stack.enter_async_context(
            Bot(TOKEN, base_url=f"{fake.base_url}/bot", base_file_url=f"{fake.base_url}/file/bot"))
        limiter = make_limiter(DEFAULTS, clock=time, sleep=time.sleep, db=db)
        out.append(TelegramSender(bot, limiter, TelegramStore(db, clock, 123456)))
    return out


async def test_replies_to_one_chat_leave_a_second_apart(fake, db, clock):
    time = FakeTime()
    fake.stamp = time
    async with AsyncExitStack() as stack:
        workers = await senders(stack, fake, db, clock, time, 1 if db.is_sqlite else 2)
        for i in range(6):  # on PostgreSQL the two workers take turns on the same chat
            assert (await workers[i % len(workers)].send("42", Reply(f"第{i}条"))).ok
    times = [c.at for c in fake.sent(42)]
    assert len(times) == 6
    assert min(b - a for a, b in itertools.pairwise(times)) >= 1.0 - 1e-9


async def test_the_whole_bot_sends_at_most_25_a_second(fake, db, clock):
    time = FakeTime()
    fake.stamp = time
    async with AsyncExitStack() as stack:
        workers = await senders(stack, fake, db, clock, time, 1 if db.is_sqlite else 2)
        for i in range(60):
            assert (await workers[i % len(workers)].send(str(1000 + i), Reply("提醒"))).ok
    times = [c.at for c in fake.sent(method="sendMessage")]
    assert len(times) == 60 and max_in_window(times, 1.0) <= 25
    assert times[-1] - times[0] < 60 / 25 + 0.1  # and not much slower than that


def test_a_bursty_window_never_lets_more_than_its_limit_through_in_any_window():
    for window in (Window(30, 60.0), Window(20, 60.0), Window(3, 1.0), Window(1, 1.0), Window(25, 1.0, even=True)):
        pace = Pace.of(window)
        tat, sent, t = 0.0, [], 0.0
        while t < 5 * window.seconds:  # greedy: send whenever allowed
            if tat - pace.tolerance <= t + 1e-12:
                sent.append(t)
                tat = max(tat, t) + pace.spacing
            t += window.seconds / 1000
        assert max_in_window(sent, window.seconds) <= window.limit, window
        assert len(sent) >= 5 * window.limit // 2  # at least half the rate is usable


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)  # shared counters: the PostgreSQL path
async def test_two_workers_share_a_member_window_and_a_hold(db, clock):
    time = FakeTime()
    a, b = (SharedLimiter(db, {"member": Window(30, 60.0)}, clock=time, sleep=time.sleep) for _ in range(2))
    assert a.reserve(("member", "zhangsan"), n=10) == 0
    assert b.reserve(("member", "zhangsan"), n=5) == 0
    assert b.reserve(("member", "zhangsan"), n=1) > 0  # the burst the two share is spent
    assert a.reserve(("member", "lisi"), n=1) == 0  # another member is not held up
    a.hold(("member", "lisi"), 30)
    assert b.wait(("member", "lisi")) >= 30 - 1e-6
