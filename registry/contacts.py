"""A licence's second contact (e.g. the legal representative): who hears about an unacknowledged reminder.

The client names one with `/license ID contact [NAME]`; the bot answers with a one-time code the
contact sends from their own chat (`/contact CODE`), which binds that chat. Until then the row holds
only the name and the code. A contact is personal data (bot/storage/personal.py).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, Session, SQLModel, select

from bot.messages import ChatRef
from bot.storage.models import utc_column
from bot.storage.personal import PersonalTable

CODE_PREFIX = "c-"


class LicenseContact(SQLModel, table=True):
    __tablename__ = "license_contacts"
    id: int | None = Field(default=None, primary_key=True)
    license_id: int = Field(sa_column=Column(Integer, ForeignKey("licenses.id", ondelete="CASCADE"), nullable=False))
    name: str = Field(default="", max_length=60)  # how the client called them, e.g. 法定代表人
    code: str = Field(max_length=24, unique=True)
    invited_by: str = Field(default="", max_length=170)  # channel:user_id
    channel: str = Field(default="", max_length=32)  # the rest is filled in when the code is used
    chat_id: str = Field(default="", max_length=128)
    user_id: str = Field(default="", max_length=128)
    created_at: datetime = utc_column()
    claimed_at: datetime | None = utc_column(nullable=True)


PERSONAL_TABLES: tuple[PersonalTable, ...] = (
    PersonalTable(LicenseContact, "作为许可证第二联系人的登记", "second-contact registrations for licences"),)


def invite(session: Session, license_id: int, name: str, invited_by: str, now: datetime) -> LicenseContact:
    """A new code for a second contact of this licence (earlier unused codes stay valid)."""
    row = LicenseContact(license_id=license_id, name=name.strip()[:60], code=CODE_PREFIX + secrets.token_urlsafe(9),
                         invited_by=invited_by[:170], created_at=now)
    session.add(row)
    session.flush()
    return row


def claim(session: Session, code: str, channel: str, chat_id: str, user_id: str, now: datetime) -> LicenseContact | None:
    """Bind the chat that sent a code; None for an unknown or already used code."""
    row = session.exec(select(LicenseContact).where(LicenseContact.code == code.strip())).first()
    if row is None or row.claimed_at is not None:
        return None
    row.channel, row.chat_id, row.user_id, row.claimed_at = channel, chat_id, user_id, now
    session.add(row)
    return row


def contacts_of(session: Session, license_id: int) -> list[ChatRef]:
    rows = session.exec(select(LicenseContact).where(LicenseContact.license_id == license_id,
                                                     LicenseContact.claimed_at.is_not(None)))  # type: ignore[union-attr]
    return list(dict.fromkeys(ChatRef(r.channel, r.chat_id) for r in rows))
