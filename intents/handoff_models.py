"""Tables of the hand-off to human consultants: tickets, and which relayed message belongs to which.

    waiting ──/claim──▶ claimed ──/close, /bot──▶ closed
       └──────────────/bot, /close───────────────▲

`open_key` is "channel:user_id" while a ticket is waiting or claimed and NULL once closed: a unique
column that allows one open ticket per client on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, String, and_, cast, exists, literal, or_, select, update
from sqlmodel import Field, Session, SQLModel

from bot.storage.models import Outbox, utc_column
from bot.storage.personal import PersonalTable

WAITING, CLAIMED, CLOSED = "waiting", "claimed", "closed"


class Ticket(SQLModel, table=True):
    """A client's request for a human consultant, with the case packet taken when it was opened."""

    __tablename__ = "handoff_tickets"
    __table_args__ = (Index("ix_handoff_tickets_client", "channel", "user_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)  # the client's channel, chat and user
    chat_id: str = Field(max_length=128)
    user_id: str = Field(max_length=128)
    client_name: str = Field(default="", max_length=200)
    lang: str = Field(default="zh", max_length=8)  # the client's language, for proactive messages
    open_key: str | None = Field(default=None, max_length=200, unique=True)
    status: str = Field(default=WAITING, max_length=16, index=True)
    reason: str = Field(default="command", max_length=32)
    note: str = ""  # the client's own words when asking, if any
    packet: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    out_of_hours: bool = False
    created_at: datetime = utc_column(index=True)
    announced_at: datetime = utc_column()
    announce_round: int = 1
    consultant_channel: str | None = Field(default=None, max_length=32)
    consultant_id: str | None = Field(default=None, max_length=128)
    consultant_name: str = Field(default="", max_length=200)
    claimed_at: datetime | None = utc_column(nullable=True)
    first_reply_at: datetime | None = utc_column(nullable=True)
    closed_at: datetime | None = utc_column(nullable=True)
    closed_by: str = Field(default="", max_length=16)  # "consultant" or "client"
    rating: int | None = None  # 1-5, asked after a consultant served the client
    rated_at: datetime | None = utc_column(nullable=True)
    to_consultant_seq: int = 0  # messages sent to the consultant so far (dedupe keys)
    to_client_seq: int = 0  # messages sent to the client so far

    @property
    def label(self) -> str:
        return f"#{self.id}"


class TicketRelay(SQLModel, table=True):
    """An Outbox row sent to a consultant's chat for a ticket, so a reply to it reaches the client.

    `platform_id` is the platform's message id, filled in by whoever delivers the row
    (`note_platform_id`); a consultant's Incoming.reply_to is matched against it.
    """

    __tablename__ = "handoff_relays"
    __table_args__ = (Index("ix_handoff_relays_target", "channel", "chat_id", "platform_id"),)
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="handoff_tickets.id", ondelete="CASCADE", index=True)
    outbox_id: int = Field(unique=True)
    channel: str = Field(max_length=32)  # the consultant's chat the row went to
    chat_id: str = Field(max_length=128)
    platform_id: str | None = Field(default=None, max_length=128)
    created_at: datetime = utc_column()


def note_platform_id(session: Session, outbox_id: int, platform_id: str) -> None:
    """Delivery hook: remember the platform's message id of a sent Outbox row (no-op for other rows).

    Call it from any code that delivers Outbox rows and learns the message id (SendResult.platform_id):
    the console feed does; the general dispatcher should, so consultants can reply by quoting.
    """
    if platform_id:
        session.execute(update(TicketRelay).where(TicketRelay.outbox_id == outbox_id)  # type: ignore[arg-type]
                        .values(platform_id=platform_id[:128]))


def _outbox_rows(_model: type[SQLModel], channel: str, user_id: str) -> Any:
    """Messages to the person's private chat (its id is theirs), and every row keyed to one of their
    tickets ("handoff:<ticket id>:…"): announcements and relays to consultants quote what they wrote."""
    about_their_ticket = exists().where(
        Ticket.channel == channel, Ticket.user_id == user_id,
        Outbox.dedupe_key.like(literal("handoff:") + cast(Ticket.id, String) + literal(":%")))
    return or_(and_(Outbox.channel == channel, Outbox.chat_id == user_id), about_their_ticket)


def _relay_rows(_model: type[SQLModel], channel: str, user_id: str) -> Any:
    """Which consultant message belonged to which of their tickets."""
    return TicketRelay.ticket_id.in_(  # type: ignore[attr-defined]
        select(Ticket.id).where(Ticket.channel == channel, Ticket.user_id == user_id))


# A closed ticket keeps its times, status and rating (hand-off statistics keep their history);
# who the client was and everything they wrote goes.
ANONYMOUS_TICKET: dict[str, Any] = {"channel": "", "chat_id": "", "user_id": "", "client_name": "", "note": "",
                                    "packet": {}, "open_key": None}

# The hand-off's personal data (bot/storage/personal.py). The outbox has no user_id: a person's rows there
# are the messages to their private chat and everything sent about their tickets.
PERSONAL_TABLES: tuple[PersonalTable, ...] = (
    PersonalTable(Ticket, "人工顾问工单", "consultant tickets", anonymize=ANONYMOUS_TICKET),
    # after Ticket: deleted before it (the list is deleted in reverse), while the tickets still say whose
    PersonalTable(Outbox, "发给您或关于您工单的消息", "messages to you or about your tickets", _outbox_rows),
    PersonalTable(TicketRelay, "转给顾问的消息索引", "index of messages relayed to consultants", _relay_rows),
)
