"""The send rate limiter: per channel, per chat, "retry after" holds; time is injected."""

from __future__ import annotations

from scheduler.ratelimit import Rate, RateLimiter
from tests.reminders_support import FakeTime


def test_one_message_a_second_per_chat():
    t = FakeTime()
    limiter = RateLimiter(None, Rate(1.0), t.monotonic)
    assert limiter.reserve("telegram", "a") == 0
    assert limiter.reserve("telegram", "a") == 1.0
    assert limiter.reserve("telegram", "a") == 2.0
    assert limiter.reserve("telegram", "b") == 0  # another chat is not held up
    t.t += 2.0
    assert limiter.reserve("telegram", "a") == 1.0  # the third slot was booked for t+2


def test_thirty_a_second_overall_with_a_burst():
    t = FakeTime()
    limiter = RateLimiter(Rate(30.0, burst=30), None, t.monotonic)
    waits = [limiter.reserve("telegram", str(i)) for i in range(60)]
    assert waits[:30] == [0.0] * 30
    assert abs(waits[30] - 1 / 30) < 1e-9
    assert abs(waits[59] - 1.0) < 1e-9
    assert limiter.reserve("wecom", "x") == 0  # channels are limited separately


def test_retry_after_holds_that_chat():
    t = FakeTime()
    limiter = RateLimiter(Rate(30.0), Rate(1.0), t.monotonic)
    limiter.hold("telegram", "a", 12.0)
    assert limiter.reserve("telegram", "a") == 12.0
    t.t += 20
    assert limiter.reserve("telegram", "a") == 0


def test_unlimited_never_waits_but_honours_holds():
    t = FakeTime()
    limiter = RateLimiter(None, None, t.monotonic)
    assert [limiter.reserve("telegram", "a") for _ in range(100)] == [0.0] * 100
    limiter.hold("telegram", "a", 3.0)
    assert limiter.reserve("telegram", "a") == 3.0
