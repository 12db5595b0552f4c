"""Send limits shared by every worker of one service: the counters live in the database (table send_slots).

With several workers the platform's limits (Telegram 25/s per bot and 1/s per private chat, WeCom 30 a
minute per member) hold for the service as a whole, so each send books its slot in a row that all
workers share. The algorithm is GCRA ("virtual scheduling"): per scope one number, the theoretical
arrival time `tat` (seconds, wall clock). A send may go at t when `tat - tolerance <= t`; it then moves
`tat` to `max(tat, t) + spacing`.

    Window(limit N, W seconds, even)   spacing    tolerance      at most N in any W seconds because …
    even                               (W+0.05)/N 0              sends are at least W/N apart
    N <= 2 (a private chat: 1/s)       W/N + 0.1  0              the same, with room for a late wake-up
    bursty (N > 2)                     2W/N       W(N-2)/N       a burst of N/2, then N/2 per W

`acquire` waits until its chat is free, then books the first moment every scope allows (all booked
at that one moment) in one short transaction that locks the scopes' rows in a fixed order, and sleeps
until it. (Booking the overall slot while the chat still has to wait would leave a hole in the overall
schedule: one bot process measured 13 sends a second instead of 25 that way.) `reserve` books only if
the sends may go now. The clock is the wall clock (workers on one machine share it;
across machines keep them in NTP sync). Used on PostgreSQL; SQLite is one process and keeps the
in-memory limiter (bot/ratelimit.py).

A scope's id is a chat (a Telegram chat id, a WeCom member's userid): the row stores a pseudonym of it
(`pseudonym`), never the id itself, and /forget deletes the person's rows (PERSONAL_TABLES below);
rows idle for a day are pruned anyway.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, or_, text
from sqlmodel import SQLModel

from bot.ratelimit import Scope, Window
from bot.storage.db import Database
from bot.storage.direct import Unavailable
from bot.storage.models import SendSlot
from bot.storage.personal import PersonalTable

_BOOK_SEND = text("""SELECT slot, booked FROM licensebot_book_send(
    CAST(:scopes AS text[]), CAST(:spacing AS float8[]), CAST(:tolerance AS float8[]), CAST(:narrow AS bool[]),
    :n, :only_now, :extra, CAST(:narrow_by AS float8), CAST(:now AS float8))""")
# The same call for the event loop's own connection (psycopg placeholders, types spelled out).
_BOOK_SEND_DIRECT = ("SELECT slot, booked FROM licensebot_book_send(%s::text[], %s::float8[], %s::float8[], "
                     "%s::bool[], %s::int, %s::bool, %s::float8, %s::float8, %s::float8)")
_BOOK_ORDER = ("scopes", "spacing", "tolerance", "narrow", "n", "only_now", "extra", "narrow_by", "now")
_PRUNE = text("DELETE FROM send_slots WHERE tat < :before").bindparams(bindparam("before"))


NARROW_SLACK = 0.05  # seconds: a chat free this soon is booked together with the overall slot
# Room for a late send: a wake-up or an HTTP call that goes out later than its slot must not bunch
# with the sends booked after it. A per-chat window is spaced JITTER more; an even window spreads its
# N sends over W + EVEN_JITTER seconds (25/s becomes 23.8/s; any 1 s at Telegram then sees at most
# 26 sends as long as no send is more than 0.09 s late).
JITTER = 0.1
EVEN_JITTER = 0.05


def pseudonym(ident: str) -> str:
    """What a send_slots row keeps of a chat or user id: a digest, so the table names nobody."""
    return hashlib.sha256(f"licensebot-send-slot:{ident}".encode()).hexdigest()[:24] if ident else ""


def slot_key(prefix: str, name: str, ident: str) -> str:
    """The row of scope (name, ident): the id's last part (the chat; "edit:<chat>" keeps "edit:") pseudonymised."""
    head, colon, last = ident.rpartition(":")
    return f"{prefix}{name}:{head}{colon}{pseudonym(last)}"


@dataclass(frozen=True)
class Pace:
    spacing: float
    tolerance: float

    @staticmethod
    def of(window: Window) -> Pace:
        n, w = window.limit, window.seconds
        if window.even:
            return Pace((w + EVEN_JITTER) / n, 0.0)
        if n <= 2:
            return Pace(w / n + JITTER, 0.0)
        return Pace(2 * w / n, w * (n - 2) / n)


class SharedLimiter:
    """The limiter's `acquire` / `reserve` / `hold` / `held`, with the counters in PostgreSQL."""

    PRUNE_EVERY = 600.0  # seconds between removals of scopes idle for a day

    def __init__(self, db: Database, windows: Mapping[str, Window | None],
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, prefix: str = "") -> None:
        self.db = db
        self.windows = dict(windows)
        self.paces = {name: Pace.of(w) for name, w in self.windows.items() if w is not None}
        self.clock, self.sleep = clock, sleep
        self.prefix = prefix  # e.g. the bot's token id, so that two bots on one database do not share
        self._pruned = time.monotonic()
        self._autocommit = db.engine.execution_options(isolation_level="AUTOCOMMIT")  # one statement, no BEGIN

    def _key(self, scope: Scope) -> str:
        if scope[0] not in self.windows:
            raise KeyError(scope[0])  # an unknown window name is a bug, not "no limit"
        return slot_key(self.prefix, scope[0], scope[1])

    def _params(self, scopes: tuple[Scope, ...], n: int, only_now: bool, extra: float,
                narrow_by: float | None) -> dict[str, Any]:
        narrow = {self._key(s) for s in scopes[:-1]}
        keys = sorted({self._key(s): s for s in scopes}.items())
        paces = [self.paces.get(scope[0]) or Pace(0.0, 0.0) for _, scope in keys]
        return {"scopes": [k for k, _ in keys], "spacing": [p.spacing for p in paces],
                "tolerance": [p.tolerance for p in paces], "narrow": [k in narrow for k, _ in keys], "n": n,
                "only_now": only_now, "extra": extra, "narrow_by": narrow_by,
                "now": None if self.clock is time.time else self.clock()}  # None: the database's clock

    def _book(self, scopes: tuple[Scope, ...], n: int, only_now: bool = False,
              extra: float = 0.0, narrow_by: float | None = None) -> tuple[float, bool]:
        """One round trip (licensebot_book_send, migration 0012): the scopes' rows locked in a fixed order,
        so workers never deadlock; the first moment >= now at which every scope allows n more sends, and
        whether it was booked. Not booked when `only_now` and that moment is later than now, or when the
        scopes before the last (the narrow ones: a chat) are not free within `narrow_by` seconds: a send
        that must wait for its chat does not take a place in the overall queue meanwhile (that place
        would be lost to every other chat)."""
        params = self._params(scopes, n, only_now, extra, narrow_by)
        with self._autocommit.connect() as conn:
            at, booked = conn.execute(_BOOK_SEND, params).one()
        if self._prune_due(bool(booked)):
            self._prune(float(at))
        return float(at), bool(booked)

    async def _abook(self, scopes: tuple[Scope, ...], n: int, only_now: bool = False,
                     narrow_by: float | None = None) -> tuple[float, bool]:
        """`_book` from the event loop: on the loop's own connection (bot/storage/direct.py) when it
        answers, else through the pool in a worker thread."""
        direct = self.db.direct
        if direct is not None:
            params = self._params(scopes, n, only_now, 0.0, narrow_by)
            try:
                at, booked = await direct.fetchone(_BOOK_SEND_DIRECT, [params[k] for k in _BOOK_ORDER])
            except Unavailable:
                pass
            else:
                if self._prune_due(bool(booked)):
                    await asyncio.to_thread(self._prune, float(at))
                return float(at), bool(booked)
        return await asyncio.to_thread(self._book, scopes, n, only_now, 0.0, narrow_by)

    def _prune_due(self, booked: bool) -> bool:
        if booked and time.monotonic() - self._pruned > self.PRUNE_EVERY:
            self._pruned = time.monotonic()
            return True
        return False

    def _prune(self, at: float) -> None:
        with self._autocommit.connect() as conn:
            conn.execute(_PRUNE, {"before": at - 86_400})

    def wait(self, *scopes: Scope, n: int = 1) -> float:
        """Seconds until n sends may go to every scope (0 = now); books nothing."""
        now = self.clock()
        keys = [self._key(s) for s in scopes]
        with self.db.session() as session:
            rows = dict(session.execute(text("SELECT scope, tat FROM send_slots WHERE scope = ANY(:k)"),
                                        {"k": keys}).all())
        at = now
        for key, scope in zip(keys, scopes, strict=True):
            pace = self.paces.get(scope[0])
            tat = rows.get(key, 0.0)
            at = max(at, tat + (n - 1) * pace.spacing - pace.tolerance if pace else tat)
        return at - now

    def reserve(self, *scopes: Scope, n: int = 1) -> float:
        """Book n sends now if every scope allows them and return 0; else book nothing: the wait."""
        at, booked = self._book(scopes, n, only_now=True)
        return 0.0 if booked else max(at - self.clock(), 1e-3)

    async def areserve(self, *scopes: Scope, n: int = 1) -> float:
        at, booked = await self._abook(scopes, n, only_now=True)
        return 0.0 if booked else max(at - self.clock(), 1e-3)

    async def acquire(self, *scopes: Scope) -> float:
        """Wait until the narrow scopes (a chat) are free, then book the first moment every scope allows a
        send and sleep until it; returns that moment. Scopes go from the narrowest to the widest."""
        while True:
            at, booked = await self._abook(scopes, 1, narrow_by=NARROW_SLACK)
            delay = at - self.clock()
            if delay > 0:
                await self.sleep(delay)
            if booked:
                return at

    def hold(self, scope: Scope, seconds: float) -> None:
        """The platform said "retry after": no send to this scope, from any worker, for `seconds`."""
        self._book((scope,), 0, extra=seconds)

    def held(self, scope: Scope) -> float:
        return self.wait(scope)


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _send_slot_rows(_model: type[SQLModel], channel: str, user_id: str) -> Any:
    """The send-rate counters of their chat ("<channel>:…:<pseudonym of the id>"; a Telegram private chat
    and a WeCom member are keyed by the user's id), and any row from before the ids were pseudonymised
    that names the id itself."""
    scope = SendSlot.scope  # type: ignore[var-annotated]
    head = f"{_like(channel)}:%:"
    return or_(scope.like(head + pseudonym(user_id), escape="\\"), scope.like(head + _like(user_id), escape="\\"))


PERSONAL_TABLES: tuple[PersonalTable, ...] = (
    PersonalTable(SendSlot, "发送频率计数（按您的聊天）", "send-rate counters of your chat", _send_slot_rows),
)
