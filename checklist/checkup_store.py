"""Saved check-ups: a finished check-up gets a short token that its buttons carry.

`/checkup show <token>` shows it again (dates recomputed for today), `/checkup xlsx <token>` exports
it. A token is only looked up together with the asking user's channel and user_id, so nobody reaches
another client's check-up by guessing one. The row also keeps a snapshot of the score and the red and
amber items, so the consultant's case packet (and a renewal case) can show them without the rules.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, Session, col, select

from bot.language import pick
from bot.storage.models import utc_column
from bot.storage.personal import PersonalTable
from checklist.checkup_result import AMBER, RED, Checkup
from checklist.store import ClientRecord, find_own, new_token


class CheckupRecord(ClientRecord, table=True):
    """One finished check-up: the client's answers (personal data: PERSONAL_TABLES below)."""

    __tablename__ = "checkups"
    __table_args__ = (Index("ix_checkups_owner", "channel", "user_id", "created_at"),)
    expires: date | None = None
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # item id → answer
    score: int = 0
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = utc_column()


PERSONAL_TABLES: tuple[PersonalTable, ...] = (PersonalTable(CheckupRecord, "合规体检", "compliance check-ups"),)


def snapshot(result: Checkup) -> dict[str, Any]:
    """The red and amber items as [id, zh title, en title], for readers without the rules."""
    return {status: [[r.item.id, r.item.title.zh, r.item.title.en] for r in result.with_status(status)]
            for status in (RED, AMBER)}


def save_checkup(session: Session, channel: str, chat_id: str, user_id: str, answers: dict[str, str],
                 result: Checkup, now: datetime) -> CheckupRecord:
    """Store the answers and the result's snapshot under a new token."""
    record = CheckupRecord(token=new_token(session, CheckupRecord), channel=channel, chat_id=chat_id, user_id=user_id, license=result.license,
                           expires=result.expires, answers=dict(answers), score=result.score,
                           summary=snapshot(result), created_at=now)
    session.add(record)
    return record


def find_checkup(session: Session, channel: str, user_id: str, token: str) -> CheckupRecord | None:
    """The user's own check-up with this token; None for anyone else's."""
    return find_own(session, CheckupRecord, channel, user_id, token)


def latest_checkup(session: Session, channel: str, user_id: str) -> CheckupRecord | None:
    return session.exec(select(CheckupRecord).where(
        CheckupRecord.channel == channel, CheckupRecord.user_id == user_id)
        .order_by(col(CheckupRecord.created_at).desc(), col(CheckupRecord.id).desc()).limit(1)).first()


def checkup_lines(record: CheckupRecord, lang: str = "zh") -> list[str]:
    """A check-up in a few lines for a consultant: score, red and amber items (a renewal case can use it)."""
    title = pick(lang, 1, 2)  # a summary row is [id, zh title, en title]
    red = [row[title] for row in record.summary.get(RED, [])]
    amber = [row[title] for row in record.summary.get(AMBER, [])]
    expiry = record.expires.isoformat() if record.expires else pick(lang, "未填到期日", "no expiry given")
    return pick(lang, [f"合规体检（{record.created_at:%Y-%m-%d}）：{record.license} · 准备度 {record.score}/100 · "
                       f"到期 {expiry}", "  红色：" + ("、".join(red) or "无"), "  黄色：" + ("、".join(amber) or "无")],
                [f"Compliance check-up ({record.created_at:%Y-%m-%d}): {record.license} · readiness "
                 f"{record.score}/100 · expires {expiry}",
                 "  red: " + ("; ".join(red) or "none"), "  amber: " + ("; ".join(amber) or "none")])


def case_packet_checkup(session: Session, channel: str, user_id: str) -> list[str]:
    """Lines for a consultant's case packet: the client's latest check-up; [] when there is none."""
    record = latest_checkup(session, channel, user_id)
    return checkup_lines(record) if record is not None else []
