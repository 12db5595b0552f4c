"""Tables of the licence registry and the reminder ledger.

    licenses ──< license_subscriptions (channel, chat_id, user_id: who gets the reminders)
        └────< reminders (ledger: one row per (licence, kind, milestone, cycle) ever due)

A licence row is unique by its number; several people (of one company) subscribe to it.
The ledger's unique key is what makes the sweep idempotent: the sweep writes a milestone once,
and fans it out to the Outbox with one dedupe key per subscription.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, UniqueConstraint, and_, exists, or_
from sqlmodel import Field, SQLModel

from bot.storage.models import utc_column
from bot.storage.personal import PersonalTable

SCOPES: tuple[str, ...] = ("provincial", "nationwide")  # 地网 / 全网 (跨地区)
RENEWAL, ANNUAL = "renewal", "annual"  # the kinds of reminder (Reminder.kind, the Outbox keys)


class License(SQLModel, table=True):
    """A licence a client holds. `cycle` counts validity periods: renewing starts the next one.

    Renewal milestones of the current cycle are sent only if due on or after `tracked_from` (the day
    the licence was registered or its expiry last set); `horizon_days` = expires_on - tracked_from,
    kept so the sweep can test that in plain SQL on both databases.
    """

    __tablename__ = "licenses"
    __table_args__ = (Index("ix_licenses_expires_on", "expires_on"),)
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=64, unique=True)  # canonical spelling from the shared parser
    company: str = Field(max_length=200)
    license_type: str = Field(max_length=32)  # a code of knowledge/codes.py HOLDABLE_LICENSES
    scope: str = Field(max_length=16)  # provincial | nationwide
    province: str = Field(default="", max_length=16)  # province name for provincial licences
    issued_on: date | None = None
    expires_on: date
    cycle: int = 1
    tracked_from: date
    horizon_days: int
    created_on: date  # annual-report reminders are sent only if due on or after this day
    annual_done_year: int | None = None  # the year whose first-quarter annual report is filed
    source: str = Field(default="chat", max_length=16)  # chat | import
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()


class Subscription(SQLModel, table=True):
    """Someone who gets a licence's reminders in one chat. Imports address chats: user_id = chat_id."""

    __tablename__ = "license_subscriptions"
    __table_args__ = (
        UniqueConstraint("license_id", "channel", "chat_id", "user_id"),
        Index("ix_license_subscriptions_owner", "channel", "user_id"),
        Index("ix_license_subscriptions_chat", "channel", "chat_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    license_id: int = Field(sa_column=Column(Integer, ForeignKey("licenses.id", ondelete="CASCADE"),
                                             nullable=False))
    channel: str = Field(max_length=32)
    chat_id: str = Field(max_length=128)
    user_id: str = Field(max_length=128)
    lang: str = Field(default="zh", max_length=8)  # used when the user never chose one with /lang
    status: str = Field(default="active", max_length=16)  # active | paused
    paused_reason: str = Field(default="", max_length=255)
    created_at: datetime = utc_column()


class Reminder(SQLModel, table=True):
    """The ledger: a milestone that came due for a licence. Written once, ever (unique key)."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("license_id", "kind", "milestone", "cycle",
                                       name="uq_reminders_license_kind_milestone_cycle"),)
    id: int | None = Field(default=None, primary_key=True)
    license_id: int = Field(sa_column=Column(Integer, ForeignKey("licenses.id", ondelete="CASCADE"),
                                             nullable=False))
    kind: str = Field(max_length=16)  # RENEWAL | ANNUAL
    milestone: str = Field(max_length=16)  # "d90", "d0", "d-1"; annual: a name from rules.yaml
    cycle: int  # renewal: the licence's cycle; annual: the year the report is filed in
    due_on: date
    created_at: datetime = utc_column()
    acknowledged_at: datetime | None = utc_column(nullable=True)  # a subscriber pressed 已在处理
    acknowledged_by: str = Field(default="", max_length=170)  # channel:user_id


def _licence_rows(_model: type[SQLModel], channel: str, user_id: str) -> Any:
    """Licences they registered that nobody else follows (colleagues' shared ones stay theirs)."""
    theirs = exists().where(Subscription.license_id == License.id, Subscription.channel == channel,
                            Subscription.user_id == user_id)
    others = exists().where(Subscription.license_id == License.id,
                            or_(Subscription.channel != channel, Subscription.user_id != user_id))
    return and_(theirs, ~others)


# The registry's personal data (bot/storage/personal.py).
PERSONAL_TABLES: tuple[PersonalTable, ...] = (
    PersonalTable(Subscription, "许可证提醒订阅", "licence reminder subscriptions"),
    # after Subscription: deleted before it, while the subscriptions still say whose
    PersonalTable(License, "您登记的许可证（公司、编号、到期日）", "licences you registered (company, number, expiry)",
                  _licence_rows),
)
