"""Durable replies: every answer is an outbox row written in the engine's transaction, then sent at once.

    Engine transaction ──▶ ReplyKeep: outbox rows (kind "reply") beside the state they answer ──▶ commit
    FastPath ──▶ send each row in order through the channel ──▶ one UPDATE marks them sent
    crash anywhere after the commit ──▶ the rows stay 'sending' until their lease ends ──▶ the dispatcher

The fast path holds attempt 1 of each row it wrote (status 'sending', `attempts` = 1, `not_before` =
the lease's end), exactly as if the dispatcher had claimed it; its result is recorded only if the row
still carries that attempt, so a dispatcher that took a row over after the lease wins. A crash between
the platform accepting a reply and the row being marked repeats that one message; nothing is lost.

Per-chat order: if the chat still has an earlier row not sent (a reminder, a relay, a reply that
Telegram would not take), the new rows are written 'pending' and left to the dispatcher, which
delivers a chat's rows strictly in id order (scheduler/dispatcher.py).

Replies that change nothing stored (a guard's refusal, the flood notice, "please resend" after an
error, the last words of /forget) are not kept: they are sent directly, and a crash costs the client
one resend of their own message, which the platform or the client repeats. Nor is a turn that shows
clients' stored documents (tags "case-file" and "case-archive": the consultant's /casefile and /casezip):
their bytes stay on disk and never enter the database; a crash costs the consultant one more command.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, delete, exists, insert, literal_column, select, tuple_, update
from sqlmodel import Session

from bot import metrics
from bot.clock import Clock
from bot.messages import Incoming, Reply
from bot.outbox import SendResult, reply_to_body
from bot.storage.db import Database
from bot.storage.direct import Unavailable
from bot.storage.models import Outbox

log = logging.getLogger(__name__)

REPLY_KIND = "reply"
UNSENT = ("pending", "sending")
# Reminders wait out quiet hours and say nothing about the conversation: they keep no place in a
# chat's order (a reminder held overnight must not hold the answers behind it).
UNORDERED_KINDS = ("reminder",)
NOT_KEPT_TAGS = frozenset({"case-file", "case-archive"})  # clients' documents: sent directly, never copied
FAST_ATTEMPT = 1  # the fast path's fencing token
O = Outbox.__table__  # type: ignore[attr-defined]  # noqa: E741

# The status and kind lists as SQL literals, not parameters: no per-execution expansion of the IN lists,
# and PostgreSQL sees that the partial index of unsent rows (ix_outbox_chat_unsent) applies.
_UNSENT_BEFORE = exists().where(O.c.channel == bindparam("of_channel"), O.c.chat_id == bindparam("of_chat_id"),
                                O.c.status.in_([literal_column(f"'{s}'") for s in UNSENT]),
                                O.c.kind.not_in([literal_column(f"'{k}'") for k in UNORDERED_KINDS]))
_INSERT = insert(O).returning(O.c.id, sort_by_parameter_order=True)
# The first (usually the only) reply: written 'sending' for the fast path, or 'pending' behind an earlier
# unsent row of the chat, decided in the INSERT itself (the check sees the rows committed before it, as
# a SELECT of its own would). The replies after it take its status.
_INSERT_FIRST = insert(O).values(
    status=case((_UNSENT_BEFORE, "pending"), else_="sending"),
    attempts=case((_UNSENT_BEFORE, 0), else_=FAST_ATTEMPT),
    not_before=case((_UNSENT_BEFORE, bindparam("now", type_=O.c.not_before.type)),
                    else_=bindparam("lease_end", type_=O.c.not_before.type)),
).returning(O.c.id, O.c.status)
_MINE = (O.c.id.in_(bindparam("ids", expanding=True)) & (O.c.status == "sending")
         & (O.c.attempts == FAST_ATTEMPT))
_SENT = update(O).where(_MINE).values(status="sent", sent_at=bindparam("now", type_=O.c.sent_at.type),
                                      last_error=bindparam("note"))
_SENT_ONE = update(O).where((O.c.id == bindparam("row_id")) & (O.c.status == "sending") & (O.c.attempts == FAST_ATTEMPT)).values(
    status="sent", sent_at=bindparam("now", type_=O.c.sent_at.type), last_error=bindparam("note"))
# `_SENT` for the event loop's own connection (psycopg placeholders).
_SENT_DIRECT = ("UPDATE outbox SET status = 'sent', sent_at = %s, last_error = %s "
                "WHERE id = ANY(%s::int[]) AND status = 'sending' AND attempts = %s")
_BACK = update(O).where(_MINE).values(status=bindparam("new_status"), last_error=bindparam("error"),
                                      not_before=bindparam("later", type_=O.c.not_before.type))


@dataclass(frozen=True)
class Written:
    """One kept reply: its outbox row and what it says."""

    id: int
    reply: Reply


@dataclass
class ReplyKeep:
    """Given to `Engine.handle(keep=…)`: writes the replies as outbox rows inside the engine's transaction.

    After `handle` returns, `rows_for(replies)` says which rows this process must deliver now (empty
    when the replies were not kept, or when earlier unsent rows of the chat leave them to the dispatcher).
    """

    lease: timedelta
    channel: str = ""
    written: list[Written] = field(default_factory=list)
    fast: bool = False
    _replies: list[Reply] | None = None

    def __call__(self, session: Session, incoming: Incoming, replies: list[Reply], now: datetime) -> None:
        self._replies, self.channel = replies, incoming.channel
        if not replies or any(NOT_KEPT_TAGS.intersection(r.tags) for r in replies):
            return
        rows = [{"channel": incoming.channel, "chat_id": incoming.chat_id, "kind": REPLY_KIND,
                 "dedupe_key": f"reply:{uuid.uuid4().hex}", "body": reply_to_body(r), "created_at": now,
                 "last_error": ""} for r in replies]
        first_id, status = session.execute(_INSERT_FIRST, {**rows[0], "of_channel": incoming.channel, "of_chat_id": incoming.chat_id,
                                                            "now": now, "lease_end": now + self.lease}).one()
        self.fast = status == "sending"
        ids = [first_id]
        if len(rows) > 1:
            attempts, not_before = (FAST_ATTEMPT, now + self.lease) if self.fast else (0, now)
            rest = [{**row, "status": status, "attempts": attempts, "not_before": not_before} for row in rows[1:]]
            ids += session.execute(_INSERT, rest).scalars().all()
        self.written = [Written(i, r) for i, r in zip(ids, replies, strict=True)]

    def kept(self, replies: list[Reply]) -> bool:
        """Whether these replies (what `handle` returned) are the ones written: not a refusal or an error."""
        return self._replies is replies and bool(self.written)

    def rows_for(self, replies: list[Reply]) -> list[Written]:
        return self.written if self.kept(replies) and self.fast else []


Send = Callable[[Reply], Awaitable[SendResult]]


class FastPath:
    """Delivers a message's kept replies at once, in order, and records the outcome in one statement."""

    def __init__(self, db: Database, clock: Clock, retry_seconds: float = 5.0,
                 wake: Callable[[], None] | None = None) -> None:
        self.db, self.clock = db, clock
        self.retry_seconds = retry_seconds
        self.wake = wake or (lambda: None)  # e.g. nudge the dispatcher when rows were left to it
        self._autocommit = db.engine.execution_options(isolation_level="AUTOCOMMIT")

    async def deliver(self, keep: ReplyKeep, replies: list[Reply], send: Send) -> list[SendResult]:
        """Send `replies` (what the engine returned): kept rows through the outbox, others directly."""
        if not keep.kept(replies):
            return [await send(r) for r in replies]
        if not keep.fast:
            self.wake()  # an earlier row of this chat is still unsent: the dispatcher keeps the order
            return []
        return await self.send_rows(keep.channel, keep.written, send)

    async def send_rows(self, channel: str, rows: list[Written], send: Send) -> list[SendResult]:
        results: list[SendResult] = []
        for row in rows:
            result = await send(row.reply)
            results.append(result)
            if not result.ok:
                break
        if not await self._mark_direct(rows, results):
            await asyncio.to_thread(self.record, channel, rows, results)
        return results

    async def _mark_direct(self, rows: list[Written], results: list[SendResult]) -> bool:
        """All sent: mark them (one UPDATE per note) without the hop to a worker thread, if that can be
        done now: on PostgreSQL on the event loop's own connection (bot/storage/direct.py), on SQLite on
        the loop's thread when the write lock is free (a second connection of the loop's own measured
        dearer there: 0.39 ms a message against 0.13 ms, as the engine's connection re-reads what the
        other changed). False when not: a failure to record, a busy lock, no connection."""
        if len(results) < len(rows) or not all(r.ok for r in results):
            return False
        now = self.clock.now()
        notes = _sent_by_note(rows, results)
        if self.db.is_sqlite:
            return self.db.write_now([_sent_statement(ids, now, note) for note, ids in notes.items()])
        if self.db.direct is None:
            return False
        try:
            for note, ids in notes.items():
                await self.db.direct.execute(_SENT_DIRECT, (now, note, ids, FAST_ATTEMPT))
        except Unavailable:
            return False
        return True

    def record(self, channel: str, rows: list[Written], results: list[SendResult]) -> None:
        """Mark what went as sent; the first failure and the rows after it go back to the dispatcher."""
        now = self.clock.now()
        notes = _sent_by_note(rows, results)
        rest = [r.id for r in rows[sum(r.ok for r in results):]]  # the failure and the rows after it
        statements = [_sent_statement(ids, now, note) for note, ids in notes.items()]
        if rest:
            failure = results[-1]
            metrics.count_send_error(channel, failure)
            status = "failed" if failure.permanent else "pending"
            later = now + timedelta(seconds=failure.retry_after or self.retry_seconds)
            statements.append((_BACK, {"ids": rest, "new_status": status, "later": later,
                                       "error": (failure.error or "not sent")[:1000]}))
            log.warning("replies not sent now: %s", failure.error,
                        extra={"outbox_ids": rest, "permanent": failure.permanent})
        # Core, not an ORM session (this runs once per message); one statement needs no transaction.
        engine = self._autocommit if len(statements) == 1 and not self.db.is_sqlite else self.db.engine
        with engine.begin() as conn:
            for statement, params in statements:
                conn.execute(statement, params)
        if rest and not results[-1].permanent:
            self.wake()


def _sent_by_note(rows: list[Written], results: list[SendResult]) -> dict[str, list[int]]:
    """The ids of the rows that went (the results stop at the first failure), by the note to keep."""
    notes: dict[str, list[int]] = {}
    for row, result in zip(rows, results, strict=False):
        if result.ok:
            notes.setdefault(result.error[:1000], []).append(row.id)
    return notes


def _sent_statement(ids: list[int], now: datetime, note: str) -> tuple[Any, dict[str, Any]]:
    """The UPDATE marking the fast path's rows sent (one row: no list to expand, the usual case)."""
    if len(ids) == 1:
        return _SENT_ONE, {"row_id": ids[0], "now": now, "note": note}
    return _SENT, {"ids": ids, "now": now, "note": note}


def in_chat_order(session: Session, claimed: list[Any]) -> list[Any]:
    """Of rows just selected for sending (each with id, channel, chat_id, kind), those that may go now:
    per chat, the ones before which no other row of that chat is unsent. A row another worker holds
    (or is claiming right now) keeps every later row of its chat waiting."""
    ordered = [r for r in claimed if r.kind not in UNORDERED_KINDS]
    if not ordered:
        return sorted(claimed, key=lambda r: r.id)
    chats = {(r.channel, r.chat_id) for r in ordered}
    unsent = session.execute(
        select(O.c.id, O.c.channel, O.c.chat_id).where(
            tuple_(O.c.channel, O.c.chat_id).in_(sorted(chats)), O.c.status.in_(UNSENT),
            O.c.kind.not_in(UNORDERED_KINDS), O.c.id <= max(r.id for r in ordered)).order_by(O.c.id)).all()
    mine = {r.id for r in ordered}
    blocked: set[tuple[str, str]] = set()
    allowed: set[int] = set()
    for row in unsent:
        chat = (row.channel, row.chat_id)
        if chat in blocked:
            continue
        if row.id in mine:
            allowed.add(row.id)
        else:
            blocked.add(chat)
    return sorted((r for r in claimed if r.kind in UNORDERED_KINDS or r.id in allowed), key=lambda r: r.id)


def prune_sent(session: Session, before: datetime) -> int:
    """Delete sent replies older than `before` (they were delivered; the message log keeps the text)."""
    result: Any = session.execute(delete(O).where(O.c.kind == REPLY_KIND, O.c.status == "sent",
                                                  O.c.created_at < before))
    return int(result.rowcount or 0)
