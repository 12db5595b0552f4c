"""The dispatcher: delivers Outbox rows (every kind) through each row's channel Sender.

    pending ──claim (lease)──▶ sending ──send──▶ sent
       ▲                          │  transient error / "retry after" → pending, not_before = backoff
       └── lease expired ◀────────┤  permanent (user blocked the bot) → failed, hook pauses that chat
                                  └  too many attempts → failed

Claiming is `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL (several dispatchers at once) and the
database write lock on SQLite. A claim sets status 'sending' and `not_before` = lease expiry and bumps
`attempts`, which fences the result: only the holder of that attempt may record it. A crash between
sending and recording repeats that one message after the lease expires; a message is never skipped.
Rows of a channel with no Sender here stay pending; "console" rows belong to the console process.
Per-chat order, across workers: a row is claimed only when no earlier row of its chat is unsent
(bot/replies.py `in_chat_order`; reminders keep no place in that order).
Reminders (kind "reminder") wait out quiet hours; consultant relays and other kinds do not.
Pacing: a Sender with `self_limited = True` (Telegram, WeCom members and robot) keeps its platform's
limits itself; the others get the dispatcher's windows per channel and per chat. A "retry after"
holds that chat for every sender.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, bindparam, func, select, update
from sqlmodel import Session

from bot import metrics
from bot.clock import Clock
from bot.outbox import Sender, SendResult, body_to_reply
from bot.ratelimit import RateLimiter, Scope, Window
from bot.replies import in_chat_order
from bot.storage.db import Database
from bot.storage.models import Outbox
from scheduler.rules import QuietHours
from scheduler.sweep import REMINDER_KIND

log = logging.getLogger(__name__)
O = Outbox.__table__  # type: ignore[attr-defined]  # noqa: E741
# Statements built once (the hot path runs them per message).
_LEASE = update(O).where(O.c.id.in_(bindparam("ids", expanding=True))).values(
    status="sending", not_before=bindparam("lease", type_=O.c.not_before.type), attempts=O.c.attempts + 1)
_MINE = and_(O.c.id == bindparam("row_id"), O.c.status == "sending", O.c.attempts == bindparam("attempt"))
_RECORD = update(O).where(_MINE).values(
    status=bindparam("new_status"), sent_at=bindparam("done_at", type_=O.c.sent_at.type),
    not_before=bindparam("new_not_before", type_=O.c.not_before.type), last_error=bindparam("error"))
NOT_HERE = frozenset({"console"})  # delivered by the console chat process itself
NEVER_QUIET = QuietHours(time(0), time(0), ZoneInfo("UTC"))
# (session, channel, chat_id, error, now): e.g. pause that chat's subscriptions; same transaction.
PermanentFailureHook = Callable[[Session, str, str, str, datetime], None]


# (session, outbox_id, platform_id): e.g. remember which platform message a relay became; same transaction.
SentHook = Callable[[Session, int, str], None]


def outbox_limiter(per_channel: Window | None = None, per_chat: Window | None = None,
                   clock: Callable[[], float] = monotonic) -> RateLimiter:
    """The dispatcher's own windows (None = no limit), for senders that do not limit themselves."""
    return RateLimiter({"channel": per_channel, "chat": per_chat}, clock=clock)


def chat_scope(channel: str, chat_id: str) -> Scope:
    return ("chat", f"{channel}:{chat_id}")


def ignore_failure(_s: Session, _channel: str, _chat_id: str, _error: str, _now: datetime) -> None:
    return None


def ignore_sent(_s: Session, _outbox_id: int, _platform_id: str) -> None:
    return None


@dataclass(frozen=True)
class DispatchPolicy:
    batch_size: int = 100
    lease_seconds: float = 300.0
    max_attempts: int = 10
    backoff_seconds: float = 30.0  # doubled per attempt
    backoff_cap_seconds: float = 3600.0
    max_wait_seconds: float = 60.0  # a longer rate-limit wait puts the rest of a chat's rows back
    concurrency: int = 16  # chats served at once
    quiet_kinds: frozenset[str] = frozenset({"reminder"})

    def backoff(self, attempts: int) -> float:
        return min(self.backoff_seconds * 2 ** max(attempts - 1, 0), self.backoff_cap_seconds)


@dataclass(frozen=True)
class Claimed:
    id: int
    channel: str
    chat_id: str
    kind: str
    body: dict[str, Any]
    attempts: int


@dataclass
class DispatchReport:
    sent: int = 0
    retrying: int = 0  # transient failures, to be tried again
    failed: int = 0  # given up: permanent failures and too many attempts
    deferred: int = 0  # reminders due but held by quiet hours
    released: int = 0  # put back unsent because of the rate limit
    lost_lease: int = 0  # sent after our lease expired and another worker took the row
    claimed: int = 0
    blocked: int = 0  # due, but behind an earlier row of their chat that another worker holds


class Dispatcher:
    def __init__(self, db: Database, senders: Mapping[str, Sender], clock: Clock, *,
                 policy: DispatchPolicy = DispatchPolicy(), limiter: RateLimiter | None = None,
                 quiet: QuietHours = NEVER_QUIET, on_permanent_failure: PermanentFailureHook = ignore_failure,
                 on_sent: SentHook = ignore_sent,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.db = db
        self.senders = dict(senders)
        self.channels = sorted(c for c in self.senders if c not in NOT_HERE)
        self.clock = clock
        self.policy = policy
        self.limiter = limiter or outbox_limiter()
        self.self_limited = frozenset(c for c, s in self.senders.items() if getattr(s, "self_limited", False))
        self.quiet = quiet
        self.on_permanent_failure = on_permanent_failure
        self.on_sent = on_sent
        self.sleep = sleep
        self._claim_any, self._claim_quiet = self._claim_query(False), self._claim_query(True)

    async def dispatch_once(self) -> DispatchReport:
        """Claim one batch and deliver it; returns what happened."""
        report = DispatchReport()
        if not self.channels:
            return report
        now = self.clock.now()
        rows, report.blocked = await asyncio.to_thread(self._claim, now)
        report.claimed = len(rows)
        report.deferred = await asyncio.to_thread(self.count_deferred, now)
        lanes: dict[tuple[str, str], list[Claimed]] = {}
        for row in rows:
            lanes.setdefault((row.channel, row.chat_id), []).append(row)
        gate = asyncio.Semaphore(self.policy.concurrency)
        await asyncio.gather(*(self._deliver_lane(lane, report, gate) for lane in lanes.values()))
        return report

    async def drain(self, max_batches: int = 1_000_000) -> DispatchReport:
        """Dispatch batches until nothing claimable is left (operator run-once, tests, benchmarks)."""
        total = DispatchReport()
        for _ in range(max_batches):
            r = await self.dispatch_once()
            total.deferred = r.deferred
            for name in ("sent", "retrying", "failed", "released", "lost_lease"):
                setattr(total, name, getattr(total, name) + getattr(r, name))
            # Done when nothing was claimed (what is left waits behind rows another worker is sending, and
            # that worker goes on), or when a short batch left nothing blocked.
            if r.claimed == 0 or (r.claimed < self.policy.batch_size and not r.blocked):
                break
        return total

    def claim(self, now: datetime) -> list[Claimed]:
        """Take up to a batch of due rows: pending ones and 'sending' ones whose lease expired."""
        return self._claim(now)[0]

    def _claim(self, now: datetime) -> tuple[list[Claimed], int]:
        """The rows taken, and how many due rows were left because an earlier row of their chat is held."""
        query = self._claim_quiet if self.quiet.is_quiet(now) else self._claim_any
        with self.db.session() as s:
            due = s.execute(query, {"now": now}).all()
            rows = in_chat_order(s, due)
            if rows:
                lease = now + timedelta(seconds=self.policy.lease_seconds)
                s.execute(_LEASE, {"ids": [r.id for r in rows], "lease": lease})
        return [Claimed(r.id, r.channel, r.chat_id, r.kind, r.body, r.attempts + 1) for r in rows], len(due) - len(rows)

    def _claim_query(self, quiet: bool) -> Select[Any]:
        query = select(O.c.id, O.c.channel, O.c.chat_id, O.c.kind, O.c.body, O.c.attempts).where(
            O.c.channel.in_(self.channels), O.c.status.in_(("pending", "sending")),
            O.c.not_before <= bindparam("now", type_=O.c.not_before.type))
        if quiet:
            query = query.where(O.c.kind.not_in(sorted(self.policy.quiet_kinds)))
        return query.order_by(O.c.not_before, O.c.id).limit(self.policy.batch_size).with_for_update(skip_locked=True)

    def count_deferred(self, now: datetime) -> int:
        if not self.quiet.is_quiet(now):
            return 0
        with self.db.session() as s:
            return int(s.execute(select(func.count()).select_from(O).where(
                O.c.channel.in_(self.channels), O.c.status == "pending", O.c.not_before <= now,
                O.c.kind.in_(sorted(self.policy.quiet_kinds)))).scalar_one())

    async def _deliver_lane(self, lane: list[Claimed], report: DispatchReport, gate: asyncio.Semaphore) -> None:
        """Send one chat's rows in order, spaced by the rate limiter."""
        async with gate:
            for i, row in enumerate(lane):
                wait = self._slot(row)
                if wait > self.policy.max_wait_seconds:
                    later = self.clock.now() + timedelta(seconds=wait)
                    await asyncio.to_thread(self.release, lane[i:], later)
                    report.released += len(lane) - i
                    return
                if wait > 0:
                    await self.sleep(wait)
                result = await self._send(row)
                if result.retry_after:
                    self.limiter.hold(chat_scope(row.channel, row.chat_id), result.retry_after)
                outcome = await asyncio.to_thread(self.record, row, result, self.clock.now())
                setattr(report, outcome, getattr(report, outcome) + 1)

    def _slot(self, row: Claimed) -> float:
        """Seconds until this row may go: a hold on its chat, and the dispatcher's windows (booked ahead)
        unless its sender limits itself."""
        chat = chat_scope(row.channel, row.chat_id)
        if row.channel in self.self_limited:
            return self.limiter.held(chat)
        return self.limiter.book(chat, ("channel", row.channel))

    async def _send(self, row: Claimed) -> SendResult:
        try:
            return await self.senders[row.channel].send(row.chat_id, body_to_reply(row.body))
        except Exception as exc:  # a network error is a transient failure, never a crash
            log.warning("send raised", extra={"outbox_id": row.id, "channel": row.channel, "error": repr(exc)})
            return SendResult(ok=False, error=f"{type(exc).__name__}: {exc}"[:500])

    def record(self, row: Claimed, result: SendResult, now: datetime) -> str:
        """Write the outcome of one attempt; returns the report field it counts under."""
        p = self.policy
        values = {"row_id": row.id, "attempt": row.attempts, "new_not_before": now, "done_at": None}
        if result.ok:  # a note on a success is kept: "routed: …" (delivered to a stand-in, see bot/undeliverable.py)
            outcome, status, error = "sent", "sent", result.error
            values["done_at"] = now
        elif result.permanent or row.attempts >= p.max_attempts:
            outcome, status, error = "failed", "failed", result.error or "failed"
        else:
            delay = result.retry_after if result.retry_after else p.backoff(row.attempts)
            outcome, status, error = "retrying", "pending", result.error or f"retry after {delay:g}s"
            values["new_not_before"] = now + timedelta(seconds=delay)
        with self.db.session() as s:
            if s.execute(_RECORD, values | {"new_status": status, "error": error[:1000]}).rowcount == 0:
                log.warning("outbox row was taken over after its lease expired", extra={"outbox_id": row.id})
                return "lost_lease"
            if result.permanent:
                self.on_permanent_failure(s, row.channel, row.chat_id, result.error, now)
            elif result.ok and result.platform_id:
                self.on_sent(s, row.id, result.platform_id)
        if not result.ok:
            metrics.count_send_error(row.channel, result)
        if row.kind == REMINDER_KIND:
            metrics.REMINDERS.labels(outcome).inc()
        return outcome

    def release(self, rows: list[Claimed], not_before: datetime) -> None:
        """Put claimed rows back unsent (the attempt does not count)."""
        with self.db.session() as s:
            for row in rows:
                s.execute(update(O).where((O.c.id == row.id) & (O.c.status == "sending")
                                          & (O.c.attempts == row.attempts))
                          .values(status="pending", not_before=not_before, attempts=O.c.attempts - 1))
