"""The send-rate limiter: sliding windows overall, per private chat and per group, on a fake clock."""

from __future__ import annotations

import asyncio
import random

from bot.ratelimit import FakeTime, RateLimiter, Window


def limiter(time: FakeTime, overall: int = 25) -> RateLimiter:
    return RateLimiter(Window(overall, 1.0), Window(1, 1.0), Window(20, 60.0), clock=time, sleep=time.sleep)


def max_in_window(slots: list[float], seconds: float) -> int:
    slots = sorted(slots)
    best, start = 0, 0
    for end, t in enumerate(slots):
        while slots[start] <= t - seconds:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_one_private_chat_gets_one_message_a_second():
    time = FakeTime()
    rl = limiter(time)
    slots = [await rl.acquire("42") for _ in range(5)]
    assert [round(s - slots[0], 6) for s in slots] == [0, 1, 2, 3, 4]


async def test_a_group_gets_twenty_a_minute():
    time = FakeTime()
    rl = limiter(time)
    slots = [await rl.acquire("-100", is_group=True) for _ in range(45)]
    assert max_in_window(slots, 60.0) == 20
    assert slots[-1] - slots[0] >= 120  # the 41st message waits for the third minute


async def test_many_chats_share_the_overall_limit_and_wait_only_for_themselves():
    time = FakeTime()
    rl = limiter(time)
    slots = await asyncio.gather(*(rl.acquire(str(chat)) for chat in range(100)))
    assert max_in_window(list(slots), 1.0) == 25
    assert max(slots) - min(slots) < 4  # 100 messages in about 4 seconds, not 100


async def test_concurrent_mixed_traffic_never_breaks_a_window():
    time = FakeTime()
    rl = limiter(time, overall=10)
    rnd = random.Random(7)
    chats = [str(rnd.choice([1, 2, 3, 4, -5, -6])) for _ in range(120)]
    slots = await asyncio.gather(*(rl.acquire(c, is_group=c.startswith("-")) for c in chats))
    assert max_in_window(list(slots), 1.0) <= 10
    for chat in set(chats):
        mine = [s for c, s in zip(chats, slots, strict=True) if c == chat]
        if chat.startswith("-"):
            assert max_in_window(mine, 60.0) <= 20
        else:
            assert max_in_window(mine, 1.0) <= 1


async def test_a_busy_chat_does_not_hold_up_another():
    time = FakeTime()
    rl = limiter(time)
    for _ in range(3):
        await rl.acquire("busy")
    start = time.now
    await rl.acquire("quiet")
    assert time.now == start  # no wait at all


async def test_best_effort_calls_take_a_slot_only_when_free():
    time = FakeTime()
    rl = limiter(time, overall=2)
    assert rl.try_acquire_overall() and rl.try_acquire_overall()
    assert not rl.try_acquire_overall()
    time.now += 1.0
    assert rl.try_acquire_overall()


async def test_an_even_window_spaces_sends_instead_of_bursting():
    time = FakeTime()
    rl = RateLimiter(Window(25, 1.0, even=True), Window(1, 1.0), Window(20, 60.0), clock=time, sleep=time.sleep)
    slots = await asyncio.gather(*(rl.acquire(str(chat)) for chat in range(50)))
    gaps = [b - a for a, b in zip(sorted(slots), sorted(slots)[1:], strict=False)]
    assert min(gaps) >= 0.04 - 1e-9 and max_in_window(list(slots), 1.0) == 25
