"""A rate limiter for sends: so many a second per channel, so many per chat. Clock injected.

Generic cell rate algorithm: each key keeps a "theoretical arrival time"; a send may go when every
key it touches allows it, and then books its slot on all of them. `reserve` never sleeps: it says
how long to wait, so callers (and tests) decide how time passes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    per_second: float
    burst: int = 1  # how many may go back to back before spacing starts

    @property
    def interval(self) -> float:
        return 1.0 / self.per_second

    @property
    def tolerance(self) -> float:
        return (self.burst - 1) * self.interval


class RateLimiter:
    """At most `overall` sends per channel and `per_chat` per (channel, chat); None = no limit."""

    PRUNE_AT = 10_000

    def __init__(self, overall: Rate | None, per_chat: Rate | None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.overall = overall
        self.per_chat = per_chat
        self.monotonic = monotonic
        self._tat: dict[Hashable, float] = {}
        self._held: dict[tuple[str, str], float] = {}  # (channel, chat) -> monotonic time it may resume

    @classmethod
    def unlimited(cls) -> RateLimiter:
        return cls(None, None)

    def _keys(self, channel: str, chat_id: str) -> list[tuple[Hashable, Rate]]:
        keys: list[tuple[Hashable, Rate]] = []
        if self.overall is not None:
            keys.append((("channel", channel), self.overall))
        if self.per_chat is not None:
            keys.append((("chat", channel, chat_id), self.per_chat))
        return keys

    def reserve(self, channel: str, chat_id: str) -> float:
        """Book the next slot for a send to this chat; returns the seconds to wait before sending."""
        keys = self._keys(channel, chat_id)
        if not keys and not self._held:
            return 0.0
        now = self.monotonic()
        held = self._held.get((channel, chat_id), now)
        allowed = max([now, held] + [self._tat.get(k, now) - rate.tolerance for k, rate in keys])
        for k, rate in keys:
            self._tat[k] = max(self._tat.get(k, now), allowed) + rate.interval
        if len(self._tat) > self.PRUNE_AT:
            self._tat = {k: t for k, t in self._tat.items() if t > now}
        if held <= now:
            self._held.pop((channel, chat_id), None)
        return allowed - now

    def hold(self, channel: str, chat_id: str, seconds: float) -> None:
        """The platform said "retry after": nothing more to this chat for `seconds`."""
        until = self.monotonic() + seconds
        self._held[(channel, chat_id)] = max(self._held.get((channel, chat_id), until), until)
