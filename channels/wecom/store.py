"""Database work of the WeCom channels, run in a worker thread so the event loop never blocks.

The KF reply window:  a client's message at time T opens a window until T + 48 h in which we may
send at most 5 messages; their next message resets the count.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import anyio
from sqlalchemy import select
from sqlmodel import Session

from bot.clock import as_utc
from bot.context import Services
from bot.messages import ChatRef, Reply
from bot.outbox import enqueue
from channels.wecom.models import WeComKfClient, WeComKfCursor

T = TypeVar("T")

KF_CHANNEL = "wecom_kf"
KF_WINDOW = timedelta(hours=48)
KF_ALLOWANCE = 5


async def in_db(services: Services, work: Callable[..., T], *args: Any) -> T:
    """Run `work(session, *args)` in one transaction on a worker thread."""

    def run() -> T:
        with services.db.session() as session:
            return work(session, *args)

    return await anyio.to_thread.run_sync(run)


# --- KF sync cursors ------------------------------------------------------------------------------

def get_cursor(session: Session, open_kfid: str) -> str:
    row = session.execute(select(WeComKfCursor).where(WeComKfCursor.open_kfid == open_kfid)).scalar_one_or_none()
    return row.cursor if row else ""


def set_cursor(session: Session, open_kfid: str, cursor: str, now: datetime) -> None:
    row = session.execute(select(WeComKfCursor).where(WeComKfCursor.open_kfid == open_kfid)).scalar_one_or_none()
    row = row or WeComKfCursor(open_kfid=open_kfid, updated_at=now)
    row.cursor, row.updated_at = cursor, now
    session.add(row)


def known_kf_accounts(session: Session) -> list[str]:
    return list(session.execute(select(WeComKfCursor.open_kfid)).scalars())


# --- KF clients: window, allowance, consultant ----------------------------------------------------

def load_client(session: Session, external_userid: str) -> WeComKfClient | None:
    return session.execute(select(WeComKfClient).where(
        WeComKfClient.channel == KF_CHANNEL, WeComKfClient.user_id == external_userid)).scalar_one_or_none()


def record_client_message(session: Session, external_userid: str, open_kfid: str, sent_at: datetime,
                          now: datetime, reset: bool = True) -> WeComKfClient:
    """A client wrote at `sent_at`: open a new window and reset the allowance (unless older news).
    `reset=False` when handling a message whose sync already recorded the client's latest one: a backlog
    of six gets five replies in all, counted from the latest message."""
    row = load_client(session, external_userid)
    if row is None:
        row = WeComKfClient(user_id=external_userid, open_kfid=open_kfid, last_client_at=sent_at, sent=0)
    elif reset and as_utc(row.last_client_at) <= sent_at:
        row.open_kfid, row.last_client_at, row.sent = open_kfid, sent_at, 0
    session.add(row)
    session.flush()
    return row


def set_nickname(session: Session, external_userid: str, nickname: str) -> None:
    row = load_client(session, external_userid)
    if row is not None and nickname:
        row.nickname = nickname[:200]
        session.add(row)


def assign_consultant(session: Session, external_userid: str, consultant_userid: str) -> None:
    """Remember which member handles this client (their routed reminders go to that member)."""
    row = load_client(session, external_userid)
    if row is not None and consultant_userid:
        row.consultant = consultant_userid[:128]
        session.add(row)


def servicer_of(session: Session, external_userid: str) -> str:
    """The member seen handling this client in Customer Service (a servicer); "" when none was seen.
    Who their consultant is otherwise is the stand-in's decision (bot/undeliverable.py)."""
    row = load_client(session, external_userid)
    return row.consultant if row is not None and row.consultant else ""


def window_state(row: WeComKfClient | None, now: datetime, needed: int = 1) -> str:
    """'open', 'closed' (48 h passed), 'used-up' (5 sent since their last message) or 'unknown'."""
    if row is None:
        return "unknown"
    if now >= as_utc(row.last_client_at) + KF_WINDOW:
        return "closed"
    if row.sent + needed > KF_ALLOWANCE:
        return "used-up"
    return "open"


def reserve(session: Session, services: Services, external_userid: str, n: int,
            now: datetime) -> tuple[str, WeComKfClient | None]:
    """Take n messages of the allowance if the window allows all n; returns the state seen and the row."""
    services.db.lock_chat(session, "wecom_kf:allowance", external_userid)  # two workers never both take
    row = load_client(session, external_userid)
    state = window_state(row, now, n)
    if state == "open" and row is not None:
        row.sent += n
        session.add(row)
    return state, row


def spend_allowance(session: Session, external_userid: str) -> None:
    """WeCom refused a send our count allowed: try the client directly again only after their next message."""
    row = load_client(session, external_userid)
    if row is not None:
        row.sent = KF_ALLOWANCE
        session.add(row)


def refund(session: Session, external_userid: str, n: int) -> None:
    """Give back n reserved messages that were not sent after all."""
    row = load_client(session, external_userid)
    if row is not None and n > 0:
        row.sent = max(row.sent - n, 0)
        session.add(row)


# --- direct replies the platform will not take now go to the outbox ------------------------------

def enqueue_overflow(session: Session, channel: str, chat_id: str, replies: list[Reply], now: datetime,
                     not_before: datetime) -> int:
    """Store replies that could not go out with the answer (rate limit, closed window) for the dispatcher."""
    for reply in replies:
        enqueue(session, ChatRef(channel, chat_id), reply, "reply", f"{channel}:overflow:{uuid.uuid4().hex}", now,
                not_before=not_before)
    return len(replies)
