"""The buttons a chat last saw, numbered across the turn, and who owned the chat when it saw them.

Channels that show buttons as numbered options (the console, WeCom cards and menus) let a client
type "2" or a button's label instead of pressing. What that means is decided here, in the core,
from one stored row per chat (so it survives a restart and holds across workers):

    turn's replies ──number continuously──▶ [1..k] on the first reply, [k+1..n] on the next …
                   ──store──▶ chat_keyboards(owner = the chat's owner after the turn, buttons)
    typed "2" ──▶ button 2, only if the stored owner is the chat's owner now (ownership.py)

A turn without buttons clears the keyboard, so a number always means the buttons last shown.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, Column, Table, UniqueConstraint, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel

from bot.messages import Button, Reply
from bot.storage.models import utc_column
from bot.storage.personal import PersonalTable

MAX_TYPED = 200  # longer text is never a button label


class ChatKeyboard(SQLModel, table=True):
    """One chat's last buttons ([[label, payload]], numbered from 1) and the owner they were shown under."""

    __tablename__ = "chat_keyboards"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    chat_id: str = Field(max_length=128)
    user_id: str = Field(max_length=128)
    owner: str = Field(default="bot", max_length=64)
    buttons: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = utc_column()


PERSONAL_TABLES: tuple[PersonalTable, ...] = (PersonalTable(ChatKeyboard, "最近显示的按钮", "buttons last shown to you"),)


@dataclass(frozen=True)
class Keyboard:
    """What the chat last saw: the owner's key and its buttons in number order."""

    owner: str
    buttons: tuple[Button, ...]

    def pressed(self, text: str) -> Button | None:
        """The button a typed number ("2", full-width "２") or an exact label names, if any."""
        typed = unicodedata.normalize("NFKC", text).strip()
        if not typed or len(typed) > MAX_TYPED:
            return None
        if typed.isascii() and typed.isdigit():
            n = int(typed)
            return self.buttons[n - 1] if 1 <= n <= len(self.buttons) else None
        return next((b for b in self.buttons if b.label == typed), None)


KEYBOARDS: Table = ChatKeyboard.__table__  # type: ignore[attr-defined]
# Built once (SQLAlchemy Core, compiled once): this runs on every message, like bot/chatstate.py.
LOAD = select(KEYBOARDS.c.owner, KEYBOARDS.c.buttons).where(
    KEYBOARDS.c.channel == bindparam("channel"), KEYBOARDS.c.chat_id == bindparam("chat_id"))


@lru_cache(maxsize=4)
def _upsert(dialect: str) -> Any:
    insert_for = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert_for(KEYBOARDS)
    return stmt.on_conflict_do_update(index_elements=["channel", "chat_id"], set_={
        k: stmt.excluded[k] for k in ("user_id", "owner", "buttons", "updated_at")})


def load(session: Session, channel: str, chat_id: str) -> Keyboard | None:
    row = session.execute(LOAD, {"channel": channel, "chat_id": chat_id}).first()
    return None if row is None else stored(row.owner, row.buttons)


def stored(owner: str, buttons: list[Any] | None) -> Keyboard:
    """A keyboard from its row's columns (bot/chatstate.py reads them with the chat's state)."""
    return Keyboard(owner, tuple(Button(str(label), str(payload)) for label, payload in buttons or []))


def number(replies: list[Reply]) -> tuple[list[Reply], tuple[Button, ...]]:
    """The replies with their buttons numbered on from one reply to the next, and all the buttons."""
    out: list[Reply] = []
    shown: list[Button] = []
    for reply in replies:
        if reply.buttons:
            reply = replace(reply, number_from=len(shown) + 1)
            shown += reply.buttons
        out.append(reply)
    return out, tuple(shown)


def save(session: Session, channel: str, chat_id: str, user_id: str, owner: str, buttons: tuple[Button, ...],
         now: datetime, before: Keyboard | None = None) -> None:
    """Store the chat's keyboard (a no-op when nothing changed)."""
    if before is not None and before.owner == owner and before.buttons == buttons:
        return
    if before is None and not buttons and owner == "bot":
        return  # nothing to remember
    session.execute(_upsert(session.get_bind().dialect.name), {
        "channel": channel, "chat_id": chat_id, "user_id": user_id, "owner": owner,
        "buttons": [[b.label, b.payload] for b in buttons], "updated_at": now})


def shown_later(session: Session, channel: str, chat_id: str, buttons: tuple[Button, ...], now: datetime) -> None:
    """A message delivered outside a turn (a reminder, an announcement) put these buttons on screen:
    they are the chat's keyboard now, under the owner the chat already has."""
    if not buttons:
        return
    before = load(session, channel, chat_id)
    save(session, channel, chat_id, chat_id, before.owner if before else "bot", buttons, now, before)


def forget(session: Session, channel: str, chat_id: str) -> None:
    session.execute(delete(ChatKeyboard).where(ChatKeyboard.channel == channel, ChatKeyboard.chat_id == chat_id))
