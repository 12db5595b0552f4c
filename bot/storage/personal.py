"""Where a user's personal data lives, for /mydata and /forget (PIPL: the right to see and delete).

Every table that holds data about a person is listed here; each has `channel` and `user_id`
columns. A feature that adds such a table adds a line here; a test fails if a table with a
`user_id` column is missing from the list.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlmodel import Session, SQLModel

from bot.storage.models import Conversation, MessageLog, QueryLog, User
from intents.checklist_store import ChecklistRecord
from intents.handoff_models import Ticket
from scheduler.models import Subscription


@dataclass(frozen=True)
class PersonalTable:
    model: type[SQLModel]
    label_zh: str
    label_en: str


PERSONAL_TABLES: tuple[PersonalTable, ...] = (
    PersonalTable(User, "用户资料", "profile"),
    PersonalTable(Conversation, "对话状态", "conversation state"),
    PersonalTable(MessageLog, "消息记录", "messages"),
    PersonalTable(QueryLog, "提问记录", "questions asked"),
    PersonalTable(ChecklistRecord, "续期清单", "renewal checklists"),
    PersonalTable(Subscription, "许可证提醒订阅", "licence reminder subscriptions"),
    PersonalTable(Ticket, "人工顾问工单", "consultant tickets"),
)


def _mine(model: type[SQLModel], channel: str, user_id: str) -> tuple:
    return (model.channel == channel, model.user_id == user_id)  # type: ignore[attr-defined]


def count_personal_data(session: Session, channel: str, user_id: str) -> list[tuple[PersonalTable, int]]:
    """How many rows of each table belong to this user."""
    return [
        (t, int(session.execute(select(func.count()).select_from(t.model).where(*_mine(t.model, channel, user_id)))
            .scalar_one()))
        for t in PERSONAL_TABLES
    ]


def delete_personal_data(session: Session, channel: str, user_id: str) -> int:
    """Delete every row about this user; returns how many rows went."""
    total = 0
    for t in reversed(PERSONAL_TABLES):
        total += session.execute(delete(t.model).where(*_mine(t.model, channel, user_id))).rowcount or 0
    return total
