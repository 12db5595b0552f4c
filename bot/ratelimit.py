"""Send-rate limits for every sender: sliding windows ("at most N sends in any W seconds") per scope.

A scope is (window name, key): the name picks one of the Windows the limiter was built with (None =
no limit, only "retry after" holds), the key tells chats or channels apart. One limiter, four ways in:

    acquire(*scopes)      async: sleep (injected) until every scope allows a send, record it, go
                          (Telegram sender: (private|group, chat) then (overall, ""))
    book(*scopes)         take the first slot every scope allows, even a future one; seconds until it
                          (outbox dispatcher: (chat, "telegram:42"), (channel, "telegram"))
    reserve(*scopes, n)   n sends now if every scope allows them, else record nothing: the wait
                          (WeCom: (member, userid), n = message parts; Telegram's "typing…")
    hold(scope, seconds)  the platform said "retry after": nothing more to that scope until then
    wait(*scopes), held(scope)   the same answers as questions only: nothing recorded

In `acquire`, scopes go from the narrowest to the widest. A sender queues on each scope's lock in
turn and waits for the windows so far before it queues for the next, so waiting for one busy chat
never holds up another and concurrent senders never stampede:

    acquire ─▶ chat lock ─▶ wait for the chat window ─▶ overall lock ─▶ wait for both ─▶ record, go

The clock and the sleep are injected, so tests move time instead of waiting. Limits hold within one
process: the SQLite default. On PostgreSQL the senders use bot/shared_limits.py, whose counters all
workers share.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Protocol

from bot.keylock import KeyedLocks

Scope = tuple[str, str]  # (window name, key)


class SendLimiter(Protocol):
    """What senders need of a limiter: this module's per-process one, or bot/shared_limits.py's."""

    windows: dict[str, Window | None]
    sleep: Callable[[float], Awaitable[None]]

    async def acquire(self, *scopes: Scope) -> float: ...
    def reserve(self, *scopes: Scope, n: int = 1) -> float: ...
    async def areserve(self, *scopes: Scope, n: int = 1) -> float: ...
    def hold(self, scope: Scope, seconds: float) -> None: ...
    def held(self, scope: Scope) -> float: ...


@dataclass(frozen=True)
class Window:
    """At most `limit` sends in any `seconds`-long interval; `even` also spaces them evenly
    (no burst), so that network jitter cannot bunch two windows' worth together at the far end."""

    limit: int
    seconds: float
    even: bool = False


class SlidingLog:
    """Recorded send times of one scope (oldest first); a new one is never earlier than the last."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self.times: deque[float] = deque()

    def earliest(self, now: float, n: int = 1) -> float:
        """The first moment at or after `now` (and the last send) when n more sends keep the window."""
        self._forget(now)
        w, times = self.window, self.times
        t = max(now, times[-1]) if times else now
        if w.even and times:
            t = max(t, times[-1] + w.seconds / w.limit)
        k = w.limit - min(n, w.limit) + 1  # for n more to fit, the k-th latest send must have left
        if len(times) >= k:
            t = max(t, times[-k] + w.seconds)
        return t

    @property
    def slack(self) -> float:
        """How late a send may be recorded as on time: half the even spacing (none without it)."""
        return self.window.seconds / self.window.limit / 2 if self.window.even else 0.0

    def record(self, t: float, n: int = 1) -> None:
        self.times.extend([t] * n)

    def idle(self, now: float) -> bool:
        return not self.times or self.times[-1] <= now - self.window.seconds

    def _forget(self, now: float) -> None:
        horizon = now - self.window.seconds
        while len(self.times) > self.window.limit and self.times[0] <= horizon:
            self.times.popleft()


class RateLimiter:
    """Sliding-window limits over named scopes; one per platform connection (or per dispatcher)."""

    PRUNE_AT = 10_000  # past this many scopes, forget those whose window has passed

    def __init__(self, windows: Mapping[str, Window | None],
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.windows = dict(windows)
        self.clock, self.sleep = clock, sleep
        self.prune_at = self.PRUNE_AT
        self._kept = 0  # scopes still busy at the last pruning
        self._logs: dict[Scope, SlidingLog] = {}
        self._held: dict[Scope, float] = {}  # scope -> clock time it may send again
        self._queued: KeyedLocks[Scope] = KeyedLocks()  # senders to one scope go in turn

    def wait(self, *scopes: Scope, n: int = 1) -> float:
        """Seconds until n sends may go to every scope (0 = now); records nothing."""
        now = self.clock()
        return self._earliest(scopes, now, n) - now

    def reserve(self, *scopes: Scope, n: int = 1) -> float:
        """Record n sends now if every scope allows them and return 0; else record nothing and return
        the seconds to wait. More than a window's limit at once waits for an empty window, then goes;
        n > 1 is for windows without even spacing (the n are recorded at one moment)."""
        now = self.clock()
        wait = self._earliest(scopes, now, n) - now
        if wait > 0:
            return wait
        self._record(scopes, [now] * len(scopes), n)
        return 0.0

    async def areserve(self, *scopes: Scope, n: int = 1) -> float:
        """`reserve` for async callers (the shared limiter answers from the database)."""
        return self.reserve(*scopes, n=n)

    def book(self, *scopes: Scope) -> float:
        """Take the first slot every scope allows (later callers queue behind it); seconds until it."""
        now = self.clock()
        slot = self._earliest(scopes, now)
        self._record(scopes, [slot] * len(scopes))
        return slot - now

    async def acquire(self, *scopes: Scope) -> float:
        """Wait until every scope (narrowest first) allows a send; returns the clock time it went."""
        async with AsyncExitStack() as queues:
            due = self.clock()
            for i, scope in enumerate(scopes):
                await queues.enter_async_context(self._queued.hold(scope))
                due = await self._wait_for(scopes[: i + 1])
            sent = self.clock()
            # Waking a little late (timer granularity) does not cost an even window its rate; a real
            # stall does not let a backlog out at once, because sends are recorded as they go.
            self._record(scopes, [max(due, sent - self._slack(s)) for s in scopes])
        return sent

    def hold(self, scope: Scope, seconds: float) -> None:
        """The platform said "retry after": no send to this scope for `seconds`."""
        until = self.clock() + seconds
        self._held[scope] = max(self._held.get(scope, until), until)
        self._prune_if_many()

    def held(self, scope: Scope) -> float:
        """Seconds left of a hold on this scope (0 = none)."""
        return max(self._held.get(scope, 0.0) - self.clock(), 0.0)

    def remembered(self) -> int:
        """How many scopes the limiter keeps (send times and holds)."""
        return len(self._logs) + len(self._held)

    def _log(self, scope: Scope) -> SlidingLog | None:
        window = self.windows[scope[0]]  # an unknown window name is a bug, not "no limit"
        if window is None:
            return None
        log = self._logs.get(scope)
        if log is None:
            log = self._logs[scope] = SlidingLog(window)
        return log

    def _slack(self, scope: Scope) -> float:
        log = self._log(scope)
        return log.slack if log is not None else 0.0

    def _earliest(self, scopes: Iterable[Scope], now: float, n: int = 1) -> float:
        t = now
        for scope in scopes:
            t = max(t, self._held.get(scope, now))
            log = self._log(scope)
            if log is not None:
                t = max(t, log.earliest(now, n))
        return t

    def _record(self, scopes: tuple[Scope, ...], at: list[float], n: int = 1) -> None:
        for scope, t in zip(scopes, at, strict=True):
            log = self._log(scope)
            if log is not None:
                log.record(t, n)
        self._prune_if_many()

    def _prune_if_many(self) -> None:
        """Past `prune_at` scopes, forget those nobody is queued on whose window (and hold) has passed."""
        if self.remembered() <= max(self.prune_at, 2 * self._kept):
            return
        now = self.clock()
        self._logs = {s: log for s, log in self._logs.items() if s in self._queued or not log.idle(now)}
        self._held = {s: until for s, until in self._held.items() if until > now}
        self._kept = self.remembered()  # busy ones are not walked again on every send, only once doubled

    async def _wait_for(self, scopes: tuple[Scope, ...]) -> float:
        """Sleep until every scope allows a send; returns the moment they allowed it."""
        due = self._earliest(scopes, self.clock())
        while due > self.clock():
            await self.sleep(due - self.clock())
            due = self._earliest(scopes, due)  # unchanged unless a reserve/book/hold came meanwhile
        return due


class FakeTime:
    """A monotonic clock for tests and benchmarks: `sleep` moves time forward instead of waiting."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)
