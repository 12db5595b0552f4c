"""Saved checklist answers: a finished checklist gets a short token that buttons carry.

`/checklist <token>` shows it again or exports it; `/subscribe checklist:<token>` (the reminders
registry) reads the same row to prefill the licence: license, scope, province, number, expires.
A token is only ever looked up together with the asking user's channel and user_id, so nobody
reaches another client's checklist by guessing a token.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, Session, SQLModel, col, select

from bot.storage.models import utc_column
from bot.storage.personal import PersonalTable
from checklist.plan import Answers

TOKEN_PREFIX = "checklist:"  # the argument form /subscribe receives: "/subscribe checklist:<token>"


class ClientRecord(SQLModel):
    """The columns a finished checklist and a finished check-up share: a short token, whose it is, the licence type."""

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(max_length=16, unique=True)
    channel: str = Field(max_length=32)
    chat_id: str = Field(max_length=128)
    user_id: str = Field(max_length=128)
    license: str = Field(max_length=32)


R = TypeVar("R", bound=ClientRecord)


def new_token(session: Session, model: type[ClientRecord]) -> str:
    """A short random token no row of `model` has yet."""
    token = secrets.token_urlsafe(6)
    while session.exec(select(model).where(model.token == token)).first() is not None:
        token = secrets.token_urlsafe(6)
    return token


def find_own(session: Session, model: type[R], channel: str, user_id: str, token: str) -> R | None:
    """The user's own row with this token; None for anyone else's (or a token that cannot be one)."""
    token = token.strip()
    if not token or len(token) > 16:
        return None
    return session.exec(select(model).where(
        model.token == token, model.channel == channel, model.user_id == user_id)).first()


class ChecklistRecord(ClientRecord, table=True):
    """One finished checklist: the client's answers (personal data: PERSONAL_TABLES below)."""

    __tablename__ = "checklists"
    __table_args__ = (Index("ix_checklists_owner", "channel", "user_id", "created_at"),)
    scope: str = Field(max_length=16)
    province: str | None = Field(default=None, max_length=16)
    number: str | None = Field(default=None, max_length=64)
    expires: date
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = utc_column()

    def to_answers(self) -> Answers:
        return Answers.from_dict(self.answers)


PERSONAL_TABLES: tuple[PersonalTable, ...] = (PersonalTable(ChecklistRecord, "续期清单", "renewal checklists"),)


def save_checklist(session: Session, channel: str, chat_id: str, user_id: str, answers: Answers,
                   now: datetime) -> ChecklistRecord:
    """Store the answers under a new token."""
    record = ChecklistRecord(token=new_token(session, ChecklistRecord), channel=channel, chat_id=chat_id, user_id=user_id,
                             license=answers.license, scope=answers.scope, province=answers.province,
                             number=answers.number, expires=answers.expires, answers=answers.to_dict(),
                             created_at=now)
    session.add(record)
    return record


def find_checklist(session: Session, channel: str, user_id: str, token: str) -> ChecklistRecord | None:
    """The user's own checklist with this token ('checklist:' prefix allowed); None for anyone else's."""
    return find_own(session, ChecklistRecord, channel, user_id, token.strip().removeprefix(TOKEN_PREFIX))


def recent_checklists(session: Session, channel: str, user_id: str, limit: int = 5) -> list[ChecklistRecord]:
    return list(session.exec(select(ChecklistRecord).where(
        ChecklistRecord.channel == channel, ChecklistRecord.user_id == user_id)
        .order_by(col(ChecklistRecord.created_at).desc(), col(ChecklistRecord.id).desc()).limit(limit)))
