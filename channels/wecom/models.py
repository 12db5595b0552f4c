"""WeCom's own tables: callbacks already handled, KF sync cursors, KF clients' reply windows and
button keys too long for the platform (the buttons last shown per chat are bot/keyboard.py's).

Datetimes are UTC (read back through `bot.clock.as_utc`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.models import utc_column
from bot.storage.personal import PersonalTable


class WeComSeen(SQLModel, table=True):
    """A callback or KF message already taken: retries and re-syncs are recognised and skipped.

    `key` is a SHA-256 of the platform's message identity, so no user id is stored here.
    """

    __tablename__ = "wecom_seen"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    created_at: datetime = utc_column(index=True)


class WeComKfCursor(SQLModel, table=True):
    """Where `kf/sync_msg` left off, per customer-service account (open_kfid)."""

    __tablename__ = "wecom_kf_cursors"
    id: int | None = Field(default=None, primary_key=True)
    open_kfid: str = Field(max_length=128, unique=True)
    cursor: str = Field(default="", max_length=512)
    updated_at: datetime = utc_column()


class WeComKfClient(SQLModel, table=True):
    """A WeChat client of WeChat Customer Service: the 48-hour window and the 5-message allowance.

    `last_client_at` is the send time of their latest message; `sent` counts our messages since.
    `consultant` is the member (userid) who handles them, when known.
    """

    __tablename__ = "wecom_kf_clients"
    __table_args__ = (UniqueConstraint("channel", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(default="wecom_kf", max_length=32)
    user_id: str = Field(max_length=128)  # external_userid
    open_kfid: str = Field(max_length=128)
    nickname: str = Field(default="", max_length=200)
    consultant: str = Field(default="", max_length=128)
    last_client_at: datetime = utc_column()
    sent: int = 0


class WeComButtonKey(SQLModel, table=True):
    """A short key standing for a payload longer than a platform's button key allows."""

    __tablename__ = "wecom_button_keys"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    payload: str
    created_at: datetime = utc_column()


class WeComInbox(SQLModel, table=True):
    """A callback or KF message acknowledged to WeCom and not yet handled (channels/wecom/inbox.py).

    Deleted in the transaction that handles it; what is left after a crash is handled on recovery.
    """

    __tablename__ = "wecom_inbox"
    __table_args__ = {"sqlite_autoincrement": True}  # an id is never reused: `take(id)` means this row
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)  # "wecom" (members) or "wecom_kf"
    user_id: str = Field(max_length=128, index=True)
    fields: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    received_at: datetime = utc_column(index=True)
    lease_until: datetime | None = utc_column(nullable=True)
    attempts: int = 0


# WeCom's personal data (bot/storage/personal.py).
PERSONAL_TABLES: tuple[PersonalTable, ...] = (
    PersonalTable(WeComKfClient, "微信客服会话窗口", "WeChat customer-service window"),
    PersonalTable(WeComInbox, "尚未处理的企业微信消息", "WeCom messages not yet handled"),
)
