"""A connection of the event loop's own for the send path's one-statement writes (PostgreSQL only).

Besides the engine's transaction, every reply costs two small writes: booking its send slot
(bot/shared_limits.py) and marking its outbox row sent (bot/replies.py). Through the pool each one is a
hop to a worker thread, a checkout and SQLAlchemy's execution machinery: measured here, about 1.0 ms of
CPU a booking and 0.8 ms a mark (worker and server together). Here each running event loop keeps one
autocommit psycopg connection with server-side prepared statements, used from the loop itself; the
same writes measured 0.35 ms and 0.28 ms. Statements on one loop take turns on its connection.

Whatever goes wrong (no connection, a restarted server, an unexpected error) raises `Unavailable`: the
caller then does the same write the ordinary way, through the pool, which has its own reconnecting and
error reporting. After a failure the direct way rests for `REST` seconds. The writes that go this way
may be repeated safely: a slot booked twice is a slot lost, a row marked sent twice is marked once.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

REST = 5.0  # seconds without direct writes after one failed
CONNECT_TIMEOUT = 5  # seconds


class Unavailable(Exception):
    """The direct connection could not run the statement; do the write through the pool instead."""


class _LoopConnection:
    def __init__(self) -> None:
        self.conn: Any = None  # psycopg.AsyncConnection, opened on first use
        self.turn = asyncio.Lock()


class Direct:
    """Per event loop, one autocommit connection; `fetchone` / `execute` run one statement on it."""

    def __init__(self, sqlalchemy_url: str) -> None:
        url = make_url(sqlalchemy_url).set(drivername="postgresql")
        self.conninfo = url.render_as_string(hide_password=False)
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopConnection] = (
            weakref.WeakKeyDictionary())
        self._resting_until = 0.0
        self._closed = False

    async def fetchone(self, sql: str, params: Sequence[Any]) -> tuple[Any, ...]:
        row = await self._run(sql, params, fetch=True)
        if row is None:
            raise Unavailable("the statement returned no row")
        return tuple(row)

    async def execute(self, sql: str, params: Sequence[Any]) -> None:
        await self._run(sql, params, fetch=False)

    async def _run(self, sql: str, params: Sequence[Any], fetch: bool) -> Any:
        if self._closed or time.monotonic() < self._resting_until:
            raise Unavailable("resting after a failure" if not self._closed else "closed")
        loop = asyncio.get_running_loop()
        held = self._loops.get(loop)
        if held is None:
            held = self._loops[loop] = _LoopConnection()
        async with held.turn:
            try:
                if held.conn is None or held.conn.closed:
                    held.conn = await self._connect()
                cursor = await held.conn.execute(sql, params)
                return await cursor.fetchone() if fetch else None
            except asyncio.CancelledError:
                self._drop(held)  # cut off mid-statement: the connection is in no known state
                raise
            except Exception as error:  # any failure: drop the connection, let the pool do this write
                self._resting_until = time.monotonic() + REST
                self._drop(held)
                log.warning("direct database write failed, using the pool: %s", error)
                raise Unavailable(str(error)) from error

    async def _connect(self) -> Any:
        import psycopg

        return await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True, prepare_threshold=0,
                                                     connect_timeout=CONNECT_TIMEOUT)

    @staticmethod
    def _drop(held: _LoopConnection) -> None:
        if held.conn is not None:
            held.conn.pgconn.finish()  # closes the socket at once, from any loop or none
            held.conn = None

    def close(self) -> None:
        """Close every loop's connection (Database.dispose); later writes go through the pool."""
        self._closed = True
        for held in list(self._loops.values()):
            self._drop(held)
        self._loops.clear()
