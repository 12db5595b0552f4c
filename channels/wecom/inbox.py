"""Messages WeCom has been told we took, kept until the engine has handled them.

WeCom wants a callback answered within five seconds, so the members' app acknowledges before the bot
answers; WeChat Customer Service messages are pulled with a cursor that moves on once a page is taken.
Either way, once taken, WeCom will not send the message again. So each message is written here in the
same transaction as its dedupe mark (`keep`), and deleted in the transaction in which the engine
handles it (`take`, given to `Engine.handle` as `once`): handled exactly once, even by two workers.

Handling that fails rolls the row back with everything else, so it is tried again on recovery too.
A worker that dies in between leaves the row behind. `due` hands rows older than STALE to whichever
worker recovers next (each channel does at start and every RECOVER_EVERY seconds), with a lease so
that two workers do not both take one; a row that failed MAX_ATTEMPTS times is dropped and logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select

from bot.context import Services
from channels.wecom import dedupe
from channels.wecom.models import WeComInbox
from channels.wecom.store import in_db

log = logging.getLogger(__name__)

STALE = timedelta(minutes=1)  # a row this old is no longer in anybody's queue
LEASE = timedelta(minutes=5)  # how long a recovering worker has before another may try again
MAX_ATTEMPTS = 3
RECOVER_EVERY = 60.0  # seconds
BATCH = 100


def keep(session: Session, identity: str, channel: str, user_id: str, fields: dict[str, Any],
         now: datetime) -> int | None:
    """Claim `identity` and keep the message; its row id, or None if it was taken before."""
    if not dedupe.claim(session, identity, now):
        return None
    row = WeComInbox(channel=channel, user_id=user_id[:128], fields=fields, received_at=now)
    session.add(row)
    session.flush()
    return row.id


def take(session: Session, row_id: int) -> bool:
    """Delete the row; True if this transaction is the one that took it."""
    result = session.execute(delete(WeComInbox).where(col(WeComInbox.id) == row_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def due(session: Session, channel: str, now: datetime) -> list[tuple[int, str, dict[str, Any]]]:
    """Rows of `channel` left behind, oldest first, leased to the caller: (row id, user id, fields)."""
    stmt = (select(WeComInbox)
            .where(WeComInbox.channel == channel, col(WeComInbox.received_at) < now - STALE,
                   or_(col(WeComInbox.lease_until).is_(None), col(WeComInbox.lease_until) < now))
            .order_by(col(WeComInbox.id)).limit(BATCH).with_for_update(skip_locked=True))
    rows = list(session.exec(stmt).all())
    spent = [r.id for r in rows if r.attempts >= MAX_ATTEMPTS]
    if spent:
        log.error("wecom: giving up on %d message(s) that failed %d times", len(spent), MAX_ATTEMPTS)
        session.execute(delete(WeComInbox).where(col(WeComInbox.id).in_(spent)))
    live = [r for r in rows if r.attempts < MAX_ATTEMPTS]
    if live:
        session.execute(update(WeComInbox).where(col(WeComInbox.id).in_([r.id for r in live]))
                        .values(lease_until=now + LEASE, attempts=WeComInbox.attempts + 1))
    return [(r.id or 0, r.user_id, dict(r.fields)) for r in live]


class Recovery:
    """Hands rows left behind to `resume(row_id, user_id, fields)`: once at start, then every RECOVER_EVERY s."""

    def __init__(self, services: Services, channel: str, resume: Callable[[int, str, dict[str, Any]], None]) -> None:
        self.services, self.channel, self.resume = services, channel, resume
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> int:
        rows = await in_db(self.services, due, self.channel, self.services.clock.now())
        for row_id, user_id, fields in rows:
            log.warning("wecom: handling a message left unhandled", extra={"chat_id": user_id})
            self.resume(row_id, user_id, fields)
        return len(rows)

    async def start(self) -> None:
        """Take what a dead worker left before this one answers anything new (so a chat's messages keep
        their order: the recovered ones are queued first), then again every RECOVER_EVERY seconds."""
        await self._recover()
        self._task = asyncio.create_task(self._loop(), name=f"{self.channel}-inbox-recovery")

    async def _recover(self) -> None:
        try:
            await self.run_once()
        except Exception:  # the database is away: try again next round
            log.warning("wecom: inbox recovery failed; retrying later", exc_info=True)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(RECOVER_EVERY)
            await self._recover()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
