"""Tables of the core: users, conversation state, message log, FAQ query log, outbox.

Datetimes are stored in UTC. SQLite gives them back naive; read them through `bot.clock.as_utc`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def utc_column(nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), nullable=nullable, index=index))


class User(SQLModel, table=True):
    """A person on one channel. `lang` is set only when they chose one with /lang."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("channel", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    user_id: str = Field(max_length=128)
    display_name: str = Field(default="", max_length=200)
    lang: str | None = Field(default=None, max_length=8)
    created_at: datetime = utc_column()
    last_seen_at: datetime = utc_column()


class Conversation(SQLModel, table=True):
    """The state of one chat: the active flow, its step and its answers so far."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    chat_id: str = Field(max_length=128)
    user_id: str = Field(max_length=128)
    flow: str | None = Field(default=None, max_length=32)
    step: str | None = Field(default=None, max_length=64)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    fallbacks: int = 0
    updated_at: datetime = utc_column()


class MessageLog(SQLModel, table=True):
    """Every message in and out, for the flood guard, /mydata and a consultant's case packet."""

    __tablename__ = "message_log"
    __table_args__ = (Index("ix_message_log_user_time", "channel", "user_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    chat_id: str = Field(max_length=128)
    user_id: str = Field(max_length=128)
    direction: str = Field(max_length=3)  # "in" or "out"
    text: str = ""
    created_at: datetime = utc_column()


class QueryLog(SQLModel, table=True):
    """One FAQ question and what the bot decided, to learn from traffic."""

    __tablename__ = "query_log"
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    chat_id: str = Field(max_length=128)
    user_id: str = Field(max_length=128)
    query: str = ""
    decision: str = Field(max_length=16)
    top_id: str | None = Field(default=None, max_length=128)
    top_score: float = 0.0
    candidates: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    chosen_id: str | None = Field(default=None, max_length=128)
    feedback: int | None = None  # +1 helpful, -1 not helpful
    created_at: datetime = utc_column(index=True)


class Outbox(SQLModel, table=True):
    """A message to deliver to a stored chat address, written before it is sent.

    `dedupe_key` makes enqueueing idempotent: writing the same key twice stores one row.
    """

    __tablename__ = "outbox"
    # A chat's unsent rows in order: the per-chat order checks of bot/replies.py and the dispatcher.
    __table_args__ = (Index("ix_outbox_chat_unsent", "channel", "chat_id", "id",
                            postgresql_where=text("status IN ('pending', 'sending')"),
                            sqlite_where=text("status IN ('pending', 'sending')")),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    chat_id: str = Field(max_length=128)
    kind: str = Field(max_length=32)
    dedupe_key: str = Field(max_length=255, unique=True)
    body: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=16, index=True)
    attempts: int = 0
    not_before: datetime = utc_column(index=True)
    created_at: datetime = utc_column()
    sent_at: datetime | None = utc_column(nullable=True)
    last_error: str = ""


class SendSlot(SQLModel, table=True):
    """A send-rate scope shared by every worker (bot/shared_limits.py): its theoretical arrival time."""

    __tablename__ = "send_slots"
    scope: str = Field(primary_key=True, max_length=255)
    tat: float = 0.0
