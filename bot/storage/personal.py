"""Where a user's personal data lives, for /mydata and /forget (PIPL: the right to see and delete).

Every table that holds data about a person is declared by the module that defines it, as
`PersonalTable` rows (the core's own are `CORE_TABLES` below); the composition root
(licensebot/tables.py) lists them all, in order, in one `PersonalData` registry that the services
carry. Most tables have `channel` and `user_id` columns; a test fails if a table with a `user_id`
column is missing from the registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlmodel import Session, SQLModel

from bot.storage.models import Conversation, MessageLog, QueryLog, User


def mine(model: type[SQLModel], channel: str, user_id: str) -> Any:
    """The rows of this person, by the table's `channel` and `user_id` columns."""
    return and_(model.channel == channel, model.user_id == user_id)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class PersonalTable:
    model: type[SQLModel]
    label_zh: str
    label_en: str
    rows: Callable[[type[SQLModel], str, str], Any] = mine  # the WHERE clause for one person's rows
    before_delete: Callable[[Session, str, str], int] | None = None  # e.g. delete files the rows point to
    anonymize: dict[str, Any] | None = None  # set these columns instead of deleting the rows


CORE_TABLES: tuple[PersonalTable, ...] = (
    PersonalTable(User, "用户资料", "profile"),
    PersonalTable(Conversation, "对话状态", "conversation state"),
    PersonalTable(MessageLog, "消息记录", "messages"),
    PersonalTable(QueryLog, "提问记录", "questions asked"),
)


@dataclass(frozen=True)
class PersonalData:
    """Every table that holds data about a person, in the order /mydata lists them; /forget deletes in
    the reverse order (so a table whose rows are found through another one goes first)."""

    tables: tuple[PersonalTable, ...] = CORE_TABLES

    def count(self, session: Session, channel: str, user_id: str) -> list[tuple[PersonalTable, int]]:
        """How many rows of each table belong to this user."""
        return [
            (t, int(session.execute(select(func.count()).select_from(t.model).where(t.rows(t.model, channel, user_id)))
                .scalar_one()))
            for t in self.tables
        ]

    def delete(self, session: Session, channel: str, user_id: str) -> int:
        """Delete every row about this user; returns how many rows went."""
        total = 0
        for t in reversed(self.tables):
            if t.before_delete is not None:
                t.before_delete(session, channel, user_id)
            where = t.rows(t.model, channel, user_id)
            change = update(t.model).values(**t.anonymize) if t.anonymize is not None else delete(t.model)
            total += session.execute(change.where(where)).rowcount or 0  # type: ignore[attr-defined]
        return total
