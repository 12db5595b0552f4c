"""Send-rate limits for a platform: overall, per private chat and per group, as sliding windows.

Each send asks `acquire(chat_key, is_group)` first and is let go at a moment when sending keeps
every window within its limit ("at most N sends in any W seconds"). Senders to one chat queue on
that chat's lock; all of them then pass one overall gate in turn, so waiting for one chat never
holds up another, and concurrent senders never stampede.

    acquire ─▶ chat lock ─▶ wait for the chat window ─▶ overall gate ─▶ wait for the overall window ─▶ go

The clock and the sleep are injected, so tests move time instead of waiting. The limits hold within
one process; run one dispatcher per bot (see README) when several workers share a token.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """At most `limit` sends in any `seconds`-long interval; `even` also spaces them evenly
    (no burst), so that network jitter cannot bunch two windows' worth together at the far end."""

    limit: int
    seconds: float
    even: bool = False


class SlidingLog:
    """Reserved send times of one scope (oldest first); new slots are never earlier than old ones."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self.times: deque[float] = deque()

    def earliest(self, now: float) -> float:
        """The first moment at or after `now` (and after the last slot) that the window allows."""
        self._forget(now)
        t = max(now, self.times[-1]) if self.times else now
        if self.window.even and self.times:
            t = max(t, self.times[-1] + self.window.seconds / self.window.limit)
        if len(self.times) >= self.window.limit:
            t = max(t, self.times[-self.window.limit] + self.window.seconds)
        return t

    @property
    def slack(self) -> float:
        """How late a send may be recorded as on time: half the even spacing."""
        return self.window.seconds / self.window.limit / 2

    def reserve(self, t: float) -> None:
        self.times.append(t)

    def idle(self, now: float) -> bool:
        return not self.times or self.times[-1] <= now - self.window.seconds

    def _forget(self, now: float) -> None:
        horizon = now - self.window.seconds
        while len(self.times) > self.window.limit and self.times[0] <= horizon:
            self.times.popleft()


class RateLimiter:
    """One per platform connection; every send to that platform goes through `acquire`."""

    def __init__(self, overall: Window, private: Window, group: Window,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.overall = SlidingLog(overall)
        self.private, self.group = private, group
        self.clock, self.sleep = clock, sleep
        self._chats: dict[str, SlidingLog] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiting: dict[str, int] = {}
        self._overall_lock = asyncio.Lock()

    async def acquire(self, chat_key: str, is_group: bool = False) -> float:
        """Wait until a message to this chat may be sent; returns the (clock) time it was let go."""
        lock = self._locks.setdefault(chat_key, asyncio.Lock())
        self._waiting[chat_key] = self._waiting.get(chat_key, 0) + 1
        try:
            async with lock:
                chat = self._chats.get(chat_key) or SlidingLog(self.group if is_group else self.private)
                self._chats[chat_key] = chat
                await self._wait_for(chat)
                async with self._overall_lock:
                    due = await self._wait_for(self.overall)
                    sent = self.clock()
                    # Waking a little late (timer granularity) does not cost rate; a real stall does
                    # not let a backlog out at once.
                    self.overall.reserve(max(due, sent - self.overall.slack))
                    chat.reserve(sent)
        finally:
            self._release(chat_key)
        return sent

    async def _wait_for(self, log: SlidingLog) -> float:
        """Sleep until the window allows a send; returns the moment it allowed it.

        Sends are recorded when they are let go, never booked ahead, so if the event loop stalls
        the senders that were waiting do not all leave at once when it resumes.
        """
        due = log.earliest(self.clock())
        while due > self.clock():
            await self.sleep(due - self.clock())
            due = log.earliest(due)  # unchanged unless a best-effort call took a slot meanwhile
        return due

    def try_acquire_overall(self) -> bool:
        """Take an overall slot only if one is free right now (for best-effort calls like "typing")."""
        now = self.clock()
        if self.overall.earliest(now) > now:
            return False
        self.overall.reserve(now)
        return True

    def _release(self, chat_key: str) -> None:
        self._waiting[chat_key] -= 1
        if self._waiting[chat_key] == 0:
            del self._waiting[chat_key]
            del self._locks[chat_key]
            if len(self._chats) > 10_000:  # forget chats whose window has passed
                now = self.clock()
                for key in [k for k, log in self._chats.items() if log.idle(now) and k not in self._locks]:
                    del self._chats[key]


class FakeTime:
    """A monotonic clock for tests and benchmarks: `sleep` moves time forward instead of waiting."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)
