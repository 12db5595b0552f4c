"""What the engine reads and writes for every message, in as few statements as it can.

Per message the engine needs the user's chosen language, the chat's flow state, the buttons the
chat last saw (bot/keyboard.py) and how many messages the user sent in the last minute (the flood
guard). `load_chat` reads all four in one statement; `save_chat` writes back only what changed, with upserts; `log_messages` writes the
message log in one multi-row INSERT. This is SQLAlchemy Core, not the ORM: on this path the ORM's
identity map and unit of work cost about three times the CPU of the statements themselves
(bench/engine_bench.py prints the cost per message).

Routes that change these rows through the ORM (for example /lang) are flushed before `save_chat`
writes, so neither overwrites the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, and_, bindparam, func, insert, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from bot import keyboard
from bot.clock import as_utc
from bot.messages import Incoming, Reply
from bot.storage.models import Conversation, MessageLog, User

USERS: Table = User.__table__  # type: ignore[attr-defined]
CONVERSATIONS: Table = Conversation.__table__  # type: ignore[attr-defined]
MESSAGE_LOG: Table = MessageLog.__table__  # type: ignore[attr-defined]
# last_seen_at is kept to the minute: a user who writes ten times a minute costs one update, not ten.
SEEN_GRANULARITY = timedelta(minutes=1)


@dataclass
class ChatRow:
    """One chat's stored state as the engine found it (defaults: nothing stored yet)."""

    user_stored: bool = False
    lang: str | None = None
    display_name: str = ""
    last_seen_at: datetime | None = None
    conversation_stored: bool = False
    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    fallbacks: int = 0
    updated_at: datetime | None = None
    recent_in: int = 0  # messages from this user in the flood window
    keyboard: keyboard.Keyboard | None = None  # the chat's stored buttons, if any

    def state_tuple(self) -> tuple[Any, ...]:
        return self.flow, self.step, self.data, self.fallbacks


def _load_statement() -> Any:
    """One row whatever exists: a one-row anchor, the user and the chat left-joined, the count aside."""
    u, c, m, k = USERS, CONVERSATIONS, MESSAGE_LOG, keyboard.KEYBOARDS
    recent = (select(func.count()).select_from(m)
              .where(m.c.channel == bindparam("channel"), m.c.user_id == bindparam("user_id"),
                     m.c.direction == "in", m.c.created_at > bindparam("since", type_=m.c.created_at.type))
              .scalar_subquery())
    anchor = select(literal(1).label("one")).subquery("anchor")
    joined = (anchor
              .outerjoin(u, and_(u.c.channel == bindparam("channel"), u.c.user_id == bindparam("user_id")))
              .outerjoin(c, and_(c.c.channel == bindparam("channel"), c.c.chat_id == bindparam("chat_id")))
              .outerjoin(k, and_(k.c.channel == bindparam("channel"), k.c.chat_id == bindparam("chat_id"))))
    return select(recent.label("recent_in"), u.c.id.label("user_row"), u.c.lang, u.c.display_name,
                  u.c.last_seen_at, c.c.id.label("conversation_row"), c.c.flow, c.c.step, c.c.data,
                  c.c.fallbacks, c.c.updated_at, k.c.id.label("keyboard_row"), k.c.owner.label("keyboard_owner"),
                  k.c.buttons.label("keyboard_buttons")).select_from(joined)


LOAD = _load_statement()


def load_chat(session: Session, incoming: Incoming, flood_since: datetime) -> ChatRow:
    row = session.execute(LOAD, {"channel": incoming.channel, "user_id": incoming.user_id,
                                 "chat_id": incoming.chat_id, "since": flood_since}).one()
    return ChatRow(
        user_stored=row.user_row is not None, lang=row.lang, display_name=row.display_name or "",
        last_seen_at=as_utc(row.last_seen_at) if row.last_seen_at is not None else None,
        conversation_stored=row.conversation_row is not None, flow=row.flow, step=row.step,
        data=dict(row.data or {}), fallbacks=row.fallbacks or 0,
        updated_at=as_utc(row.updated_at) if row.updated_at is not None else None,
        recent_in=int(row.recent_in or 0),
        keyboard=keyboard.stored(row.keyboard_owner, row.keyboard_buttons) if row.keyboard_row is not None else None)


@lru_cache(maxsize=8)
def _upserts(dialect: str) -> dict[str, Any]:
    """The three upserts, built once per dialect: the VALUES come from each call's parameters, so the
    statement stays the same object and SQLAlchemy compiles it once (building one per message costs
    more than running it)."""
    insert_for = postgresql.insert if dialect == "postgresql" else sqlite.insert
    user = insert_for(USERS)
    conv = insert_for(CONVERSATIONS)
    return {
        "seen": user.on_conflict_do_update(index_elements=["channel", "user_id"],
                                           set_={"last_seen_at": user.excluded.last_seen_at}),
        "seen_named": user.on_conflict_do_update(
            index_elements=["channel", "user_id"],
            set_={"last_seen_at": user.excluded.last_seen_at, "display_name": user.excluded.display_name}),
        "conversation": conv.on_conflict_do_update(
            index_elements=["channel", "chat_id"],
            set_={k: conv.excluded[k] for k in ("user_id", "flow", "step", "data", "fallbacks", "updated_at")}),
    }


def save_chat(session: Session, incoming: Incoming, before: ChatRow, after: tuple[Any, ...], now: datetime) -> None:
    """Write the user's last-seen time and the chat's state, each only when it changed."""
    session.flush()  # whatever a route changed through the ORM is in the database first
    statements = _upserts(session.get_bind().dialect.name)
    name = incoming.display_name[:200]
    seen_is_stale = before.last_seen_at is None or now - before.last_seen_at >= SEEN_GRANULARITY
    if not before.user_stored or seen_is_stale or (name and name != before.display_name):
        session.execute(statements["seen_named" if name else "seen"],
                        {"channel": incoming.channel, "user_id": incoming.user_id, "display_name": name,
                         "created_at": now, "last_seen_at": now})
    flow, step, data, fallbacks = after
    # Unchanged and outside a flow: nothing to write. A flow's row is touched on every message (its
    # updated_at ends a flow left for more than flow_ttl_days).
    if before.conversation_stored and after == before.state_tuple() and flow is None:
        return
    session.execute(statements["conversation"],
                    {"channel": incoming.channel, "chat_id": incoming.chat_id, "user_id": incoming.user_id,
                     "flow": flow, "step": step, "data": dict(data), "fallbacks": fallbacks, "updated_at": now})


# A reply tagged so quotes another person (a consultant's case packet, the queue): the log keeps that it
# was sent, not its words, so deleting that person's data (/forget) leaves no copy here.
ABOUT_SOMEONE_ELSE = "about-client"


def log_messages(session: Session, incoming: Incoming, replies: list[Reply], now: datetime,
                 said: str | None = None) -> None:
    """The message in (`said`: how to record it, e.g. a pressed button's label) and the replies out, in one
    statement."""
    base = {"channel": incoming.channel, "chat_id": incoming.chat_id, "user_id": incoming.user_id,
            "created_at": now}
    rows = [{**base, "direction": "in", "text": incoming.content if said is None else said}]
    rows += [{**base, "direction": "out",
              "text": "[not kept: about a client]" if ABOUT_SOMEONE_ELSE in reply.tags else reply.text}
             for reply in replies]
    session.execute(insert(MESSAGE_LOG), rows)  # one statement compiled once, sent as one multi-row INSERT
