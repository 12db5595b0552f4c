"""Tables of the web console: one-time sign-in links, signed-in sessions and the audit log.

These tables keep only digests of the link and session tokens. A link also travels as a chat message
(kept in the message log and outbox like any reply), which is why it is good once and for 10 minutes.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from bot.storage.models import utc_column


class ConsoleLink(SQLModel, table=True):
    """A sign-in link sent to a consultant: valid for minutes, good for one sign-in."""

    __tablename__ = "console_links"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    consultant: str = Field(max_length=200)  # "channel:user_id" as in CONSULTANTS
    created_at: datetime = utc_column()
    expires_at: datetime = utc_column()
    used_at: datetime | None = utc_column(nullable=True)


class ConsoleSession(SQLModel, table=True):
    """A signed-in browser. Ends after a working day without use, or on sign-out."""

    __tablename__ = "console_sessions"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    consultant: str = Field(max_length=200)
    csrf: str = Field(max_length=64)
    lang: str = Field(default="zh", max_length=8)
    created_at: datetime = utc_column()
    last_seen_at: datetime = utc_column()


class AuditEntry(SQLModel, table=True):
    """One thing a consultant did in the console: who, when, what, on which object.

    `detail` never holds what a client wrote (a reply's text, a file's content): only ids and counts.
    """

    __tablename__ = "console_audit"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_column(index=True)
    consultant: str = Field(max_length=200)
    action: str = Field(max_length=64)
    target: str = Field(default="", max_length=200)
    detail: str = Field(default="", max_length=500)
