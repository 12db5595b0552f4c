"""Telegram's small shared tables: updates (and pressed keyboards) already seen, long button payloads.

Both live in the database so that a second worker or a restart agrees with the first:
- `telegram_seen`: one row per handled update_id (and per pressed keyboard), unique, pruned by age.
- `telegram_callbacks`: a button payload longer than Telegram's 64-byte callback_data, kept under a
  short key; the same payload always gets the same key.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import BigInteger, Column, UniqueConstraint, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel

from bot.clock import Clock
from bot.storage.db import Database
from bot.storage.models import utc_column

SEEN_KEEP = timedelta(days=2)  # Telegram redelivers an unconfirmed update for at most 24 hours
CALLBACK_KEEP = timedelta(days=90)  # a button older than this says "no longer valid"
PRUNE_EVERY = 500  # prune once per this many recorded updates
KEY_PREFIX = "#k:"


class TelegramSeen(SQLModel, table=True):
    """A handled update ("u:<update_id>") or a pressed keyboard ("k:<chat>:<message>") of one bot."""

    __tablename__ = "telegram_seen"
    __table_args__ = (UniqueConstraint("bot_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    bot_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    key: str = Field(max_length=64)
    seen_at: datetime = utc_column(index=True)


class TelegramCallback(SQLModel, table=True):
    """A long button payload kept server-side; the button carries `#k:<key>`."""

    __tablename__ = "telegram_callbacks"
    key: str = Field(primary_key=True, max_length=32)
    payload: str
    used_at: datetime = utc_column(index=True)


@lru_cache(maxsize=4)
def _record_seen(dialect: str) -> Any:
    table = TelegramSeen.__table__  # type: ignore[attr-defined]
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing(index_elements=["bot_id", "key"]).returning(table.c.key)


class TelegramStore:
    """Synchronous access to the tables; call through asyncio.to_thread from the event loop."""

    def __init__(self, db: Database, clock: Clock, bot_id: int = 0) -> None:
        self.db, self.clock, self.bot_id = db, clock, bot_id
        self._recorded = 0

    def first_time(self, key: str) -> bool:
        """Record `key` as seen; False if it was seen before (by any worker)."""
        return self.first_times([key])[0]

    def first_times(self, keys: list[str]) -> list[bool]:
        """Record several keys in one statement; for each, False if it was seen before (by any worker)."""
        with self.db.session() as session:
            fresh = self.record_seen(session, keys)
        self.prune_if_due()
        return fresh

    def record_seen(self, session: Session, keys: list[str]) -> list[bool]:
        """`first_times` inside the caller's transaction (the engine's, so one commit covers both).
        The caller runs `prune_if_due` after its commit."""
        keys = [k[:64] for k in keys]
        now = self.clock.now()
        rows = [{"bot_id": self.bot_id, "key": k, "seen_at": now} for k in keys]
        # one statement object, VALUES from the parameters: compiled once, not per update
        new = {row.key for row in session.execute(_record_seen(self.db.engine.dialect.name), rows)}
        self._recorded += len(new)
        return [k in new for k in keys]

    def prune_if_due(self) -> None:
        if self._recorded >= PRUNE_EVERY:
            self._recorded = 0
            self.prune()

    def prune(self) -> int:
        """Delete seen-markers and callback payloads past their age; returns rows deleted."""
        now = self.clock.now()
        with self.db.session() as session:
            seen = session.execute(delete(TelegramSeen).where(TelegramSeen.seen_at < now - SEEN_KEEP))
            calls = session.execute(delete(TelegramCallback).where(
                TelegramCallback.used_at < now - CALLBACK_KEEP))
        return (seen.rowcount or 0) + (calls.rowcount or 0)

    def store_payload(self, payload: str) -> str:
        """The callback_data for a payload that does not fit: `#k:` and a key derived from it."""
        key = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]
        now = self.clock.now()
        with self.db.session() as session:
            found = session.execute(update(TelegramCallback).where(TelegramCallback.key == key)
                                    .values(used_at=now)).rowcount
            if not found:
                _insert_payload(session, key, payload, now)
        return KEY_PREFIX + key

    def load_payload(self, data: str) -> str | None:
        """The payload a button's callback_data stands for; None if the stored one has expired."""
        if not data.startswith(KEY_PREFIX):
            return data
        with self.db.session() as session:
            row = session.execute(select(TelegramCallback.payload).where(
                TelegramCallback.key == data[len(KEY_PREFIX):])).first()
        return row[0] if row else None


def _insert_payload(session: Session, key: str, payload: str, now: datetime) -> None:
    try:
        with session.begin_nested():
            session.add(TelegramCallback(key=key, payload=payload, used_at=now))
    except IntegrityError:
        pass  # another worker stored the same payload a moment ago
