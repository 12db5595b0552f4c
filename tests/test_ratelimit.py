"""The one send-rate limiter (bot/ratelimit.py), as each sender uses it, on fake clocks.

    Telegram sender    acquire: a private chat's or a group's window, then the overall one (even)
    outbox dispatcher  book ahead per chat and per channel; "retry after" holds a chat
    WeCom messengers   reserve n sends per member / robot now, or say how long to wait
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime

from bot.clock import FrozenClock
from bot.ratelimit import FakeTime, RateLimiter, Window
from channels.telegram.sender import OVERALL, chat_scope
from channels.wecom.api import per_minute
from scheduler.dispatcher import chat_scope as outbox_chat
from scheduler.dispatcher import outbox_limiter


def max_in_window(slots: list[float], seconds: float) -> int:
    slots = sorted(slots)
    best, start = 0, 0
    for end, t in enumerate(slots):
        while slots[start] <= t - seconds:
            start += 1
        best = max(best, end - start + 1)
    return best


# --- Telegram: acquire sleeps until a chat's window and the overall one allow a send -----------------

def telegram(time: FakeTime, overall: int = 25, even: bool = False) -> RateLimiter:
    windows = {"overall": Window(overall, 1.0, even), "private": Window(1, 1.0), "group": Window(20, 60.0)}
    return RateLimiter(windows, clock=time, sleep=time.sleep)


async def send(rl: RateLimiter, chat: str) -> float:
    """As the Telegram sender asks before each Bot API call."""
    return await rl.acquire(chat_scope(chat), OVERALL)


async def test_one_private_chat_gets_one_message_a_second():
    time = FakeTime()
    rl = telegram(time)
    slots = [await send(rl, "42") for _ in range(5)]
    assert [round(s - slots[0], 6) for s in slots] == [0, 1, 2, 3, 4]


async def test_a_group_gets_twenty_a_minute():
    time = FakeTime()
    rl = telegram(time)
    slots = [await send(rl, "-100") for _ in range(45)]
    assert max_in_window(slots, 60.0) == 20
    assert slots[-1] - slots[0] >= 120  # the 41st message waits for the third minute


async def test_many_chats_share_the_overall_limit_and_wait_only_for_themselves():
    time = FakeTime()
    rl = telegram(time)
    slots = await asyncio.gather(*(send(rl, str(chat)) for chat in range(100)))
    assert max_in_window(list(slots), 1.0) == 25
    assert max(slots) - min(slots) < 4  # 100 messages in about 4 seconds, not 100


async def test_concurrent_mixed_traffic_never_breaks_a_window():
    time = FakeTime()
    rl = telegram(time, overall=10)
    rnd = random.Random(7)
    chats = [str(rnd.choice([1, 2, 3, 4, -5, -6])) for _ in range(120)]
    slots = await asyncio.gather(*(send(rl, c) for c in chats))
    assert max_in_window(list(slots), 1.0) <= 10
    for chat in set(chats):
        mine = [s for c, s in zip(chats, slots, strict=True) if c == chat]
        if chat.startswith("-"):
            assert max_in_window(mine, 60.0) <= 20
        else:
            assert max_in_window(mine, 1.0) <= 1


async def test_a_busy_chat_does_not_hold_up_another():
    time = FakeTime()
    rl = telegram(time)
    for _ in range(3):
        await send(rl, "busy")
    start = time.now
    await send(rl, "quiet")
    assert time.now == start  # no wait at all


async def test_best_effort_calls_take_a_slot_only_when_free():
    time = FakeTime()
    rl = telegram(time, overall=2)
    assert rl.reserve(OVERALL) == 0 and rl.reserve(OVERALL) == 0  # "typing…" goes
    assert rl.reserve(OVERALL) == 1.0  # not now: nothing recorded, nothing waited
    time.now += 1.0
    assert rl.reserve(OVERALL) == 0


async def test_an_even_window_spaces_sends_instead_of_bursting():
    time = FakeTime()
    rl = telegram(time, even=True)
    slots = await asyncio.gather(*(send(rl, str(chat)) for chat in range(50)))
    gaps = [b - a for a, b in zip(sorted(slots), sorted(slots)[1:], strict=False)]
    assert min(gaps) >= 0.04 - 1e-9 and max_in_window(list(slots), 1.0) == 25


async def test_acquire_waits_out_a_hold():
    time = FakeTime()
    rl = telegram(time)
    rl.hold(chat_scope("42"), 7.0)
    start = time.now
    assert await send(rl, "42") == start + 7.0
    assert await send(rl, "43") == start + 7.0  # another chat was never held


# --- the outbox dispatcher: books the next slot ahead, per chat and per channel ----------------------

def book(rl: RateLimiter, channel: str, chat: str) -> float:
    """As the dispatcher books a row of a sender that does not limit itself."""
    return rl.book(outbox_chat(channel, chat), ("channel", channel))


def test_one_message_a_second_per_chat():
    t = FakeTime()
    limiter = outbox_limiter(None, Window(1, 1.0), t)
    assert book(limiter, "telegram", "a") == 0
    assert book(limiter, "telegram", "a") == 1.0
    assert book(limiter, "telegram", "a") == 2.0
    assert book(limiter, "telegram", "b") == 0  # another chat is not held up
    t.now += 2.0
    assert book(limiter, "telegram", "a") == 1.0  # the third slot was booked for t+2


def test_thirty_a_second_overall_with_a_burst():
    t = FakeTime()
    limiter = outbox_limiter(Window(30, 1.0), None, t)
    waits = [book(limiter, "telegram", str(i)) for i in range(60)]
    assert waits[:30] == [0.0] * 30
    # The 31st waits until the first second has passed: never more than 30 in any second.
    assert waits[30:] == [1.0] * 30 and max_in_window([t.now + w for w in waits], 1.0) == 30
    assert abs(waits[59] - 1.0) < 1e-9
    assert book(limiter, "wecom", "x") == 0  # channels are limited separately


def test_a_chat_window_spaced_evenly_lets_no_burst_through():
    t = FakeTime()
    limiter = outbox_limiter(None, Window(60, 60.0, even=True), t)  # CHAT_RATE_PER_MINUTE=60
    assert [book(limiter, "wecom_kf", "a") for _ in range(4)] == [0.0, 1.0, 2.0, 3.0]


def test_retry_after_holds_that_chat():
    t = FakeTime()
    limiter = outbox_limiter(Window(30, 1.0, even=True), Window(1, 1.0), t)
    limiter.hold(outbox_chat("telegram", "a"), 12.0)
    assert limiter.held(outbox_chat("telegram", "a")) == 12.0
    assert book(limiter, "telegram", "a") == 12.0
    t.now += 20
    assert book(limiter, "telegram", "a") == 0


def test_unlimited_never_waits_but_honours_holds():
    t = FakeTime()
    limiter = outbox_limiter(clock=t)
    assert [book(limiter, "telegram", "a") for _ in range(100)] == [0.0] * 100
    limiter.hold(outbox_chat("telegram", "a"), 3.0)
    assert book(limiter, "telegram", "a") == 3.0
    assert book(limiter, "telegram", "b") == 0


# --- WeCom: reserve n sends now, or the wait (nothing recorded) --------------------------------------

def test_reserve_is_a_sliding_window_on_the_clock():
    clock = FrozenClock(datetime(2026, 1, 1, tzinfo=UTC))
    limiter = per_minute(clock, "member", 3)
    a, b = ("member", "a"), ("member", "b")
    assert [limiter.reserve(a) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.reserve(a) == 60.0
    clock.advance(seconds=30)
    assert limiter.reserve(a) == 30.0 and limiter.reserve(b) == 0.0
    clock.advance(seconds=30)
    assert limiter.reserve(a, n=2) == 0.0 and limiter.reserve(a, n=2) == 60.0


def test_a_burst_bigger_than_the_limit_waits_for_an_empty_window_then_goes():
    clock = FrozenClock(datetime(2026, 1, 1, tzinfo=UTC))
    limiter = per_minute(clock, "robot", 3)
    group = ("robot", "group")
    assert limiter.reserve(group) == 0.0
    clock.advance(seconds=10)
    assert limiter.wait(group, n=5) == 50.0 and limiter.reserve(group, n=5) == 50.0
    clock.advance(seconds=50)
    assert limiter.reserve(group, n=5) == 0.0  # five parts go together into an empty window
    assert limiter.reserve(group) == 60.0


# --- bookkeeping ---------------------------------------------------------------------------------------

def test_scopes_whose_window_has_passed_are_forgotten_once_there_are_many():
    t = FakeTime()
    limiter = RateLimiter({"chat": Window(1, 60.0)}, clock=t)
    limiter.prune_at = 10
    for i in range(8):
        assert limiter.reserve(("chat", f"old{i}")) == 0
    limiter.hold(("chat", "held"), 120.0)
    t.now += 61
    assert limiter.reserve(("chat", "new1")) == 0 and limiter.remembered() == 10
    assert limiter.reserve(("chat", "new2")) == 0 and limiter.remembered() == 3  # new1, new2, the hold
    assert limiter.reserve(("chat", "new1")) == 60.0  # what is kept still counts
    assert limiter.held(("chat", "held")) == 59.0
    assert limiter.reserve(("chat", "old0")) == 0  # a forgotten chat had nothing left to wait for
