"""One asyncio lock a key: holders of one key go in turn, different keys run in parallel.

A key's lock is dropped once nobody holds or waits for it, so the map does not grow with every key
ever seen (a chat, a send scope). Used by the send limits (one scope's senders in turn) and the
Telegram channel (one chat's updates in arrival order).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class KeyedLocks(Generic[K]):
    def __init__(self) -> None:
        self._locks: dict[K, asyncio.Lock] = {}
        self._users: dict[K, int] = {}  # holding or waiting for the key's lock

    @asynccontextmanager
    async def hold(self, key: K) -> AsyncIterator[None]:
        """Hold the key's lock for the block (waiting for earlier holders of the same key first)."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]

    def __contains__(self, key: object) -> bool:
        """Whether someone holds or waits for the key's lock."""
        return key in self._users

    def __len__(self) -> int:
        return len(self._users)
