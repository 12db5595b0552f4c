"""Where a user's personal data lives, for /mydata and /forget (PIPL: the right to see and delete).

Every table that holds data about a person is listed here; most have `channel` and `user_id`
columns. A feature that adds such a table adds a line here; a test fails if a table with a
`user_id` column is missing from the list. The outbox has no user_id: a person's rows there are the
messages to their private chat and everything sent about their hand-off tickets (announcements and
relays to consultants, which quote what they wrote).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, and_, cast, delete, exists, func, literal, or_, select, update
from sqlmodel import Session, SQLModel

from bot.keyboard import ChatKeyboard
from bot.shared_limits import pseudonym
from bot.storage.models import Conversation, MessageLog, Outbox, QueryLog, SendSlot, User
from cases.models import CaseFile
from cases.service import delete_files_of_user
from channels.wecom.models import WeComButtons, WeComInbox, WeComKfClient
from checklist.checkup_store import CheckupRecord
from checklist.store import ChecklistRecord
from intents.handoff_models import Ticket, TicketRelay
from registry.contacts import LicenseContact
from registry.models import License, Subscription
from scheduler.ical import CalendarToken


def _mine(model: type[SQLModel], channel: str, user_id: str) -> Any:
    return and_(model.channel == channel, model.user_id == user_id)  # type: ignore[attr-defined]


def _outbox_rows(_model: type[SQLModel], channel: str, user_id: str) -> Any:
    """Messages to the person's private chat (its id is theirs), and every row keyed to one of their
    tickets ("handoff:<ticket id>:…")."""
    about_their_ticket = exists().where(
        Ticket.channel == channel, Ticket.user_id == user_id,
        Outbox.dedupe_key.like(literal("handoff:") + cast(Ticket.id, String) + literal(":%")))
    return or_(and_(Outbox.channel == channel, Outbox.chat_id == user_id), about_their_ticket)


def _relay_rows(_model: type[SQLModel], channel: str, user_id: str) -> Any:
    """Which consultant message belonged to which of their tickets."""
    return TicketRelay.ticket_id.in_(  # type: ignore[attr-defined]
        select(Ticket.id).where(Ticket.channel == channel, Ticket.user_id == user_id))


def _licence_rows(_model: type[SQLModel], channel: str, user_id: str) -> Any:
    """Licences they registered that nobody else follows (colleagues' shared ones stay theirs)."""
    theirs = exists().where(Subscription.license_id == License.id, Subscription.channel == channel,
                            Subscription.user_id == user_id)
    others = exists().where(Subscription.license_id == License.id,
                            or_(Subscription.channel != channel, Subscription.user_id != user_id))
    return and_(theirs, ~others)


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _send_slot_rows(_model: type[SQLModel], channel: str, user_id: str) -> Any:
    """The send-rate counters of their chat (bot/shared_limits.py: "<channel>:…:<pseudonym of the id>"; a
    Telegram private chat and a WeCom member are keyed by the user's id), and any row from before the
    ids were pseudonymised that names the id itself."""
    scope = SendSlot.scope  # type: ignore[var-annotated]
    head = f"{_like(channel)}:%:"
    return or_(scope.like(head + pseudonym(user_id), escape="\\"), scope.like(head + _like(user_id), escape="\\"))


# A closed ticket keeps its times, status and rating (hand-off statistics keep their history);
# who the client was and everything they wrote goes.
ANONYMOUS_TICKET: dict[str, Any] = {"channel": "", "chat_id": "", "user_id": "", "client_name": "", "note": "",
                                    "packet": {}, "open_key": None}


@dataclass(frozen=True)
class PersonalTable:
    model: type[SQLModel]
    label_zh: str
    label_en: str
    rows: Callable[[type[SQLModel], str, str], Any] = _mine  # the WHERE clause for one person's rows
    before_delete: Callable[[Session, str, str], int] | None = None  # e.g. delete files the rows point to
    anonymize: dict[str, Any] | None = None  # set these columns instead of deleting the rows


PERSONAL_TABLES: tuple[PersonalTable, ...] = (
    PersonalTable(User, "用户资料", "profile"),
    PersonalTable(Conversation, "对话状态", "conversation state"),
    PersonalTable(MessageLog, "消息记录", "messages"),
    PersonalTable(QueryLog, "提问记录", "questions asked"),
    PersonalTable(Ticket, "人工顾问工单", "consultant tickets", anonymize=ANONYMOUS_TICKET),
    # after Ticket: deleted before it (the list is deleted in reverse), while the tickets still say whose
    PersonalTable(Outbox, "发给您或关于您工单的消息", "messages to you or about your tickets", _outbox_rows),
    PersonalTable(TicketRelay, "转给顾问的消息索引", "index of messages relayed to consultants", _relay_rows),
    PersonalTable(ChecklistRecord, "续期清单", "renewal checklists"),
    PersonalTable(CheckupRecord, "合规体检", "compliance check-ups"),
    PersonalTable(Subscription, "许可证提醒订阅", "licence reminder subscriptions"),
    # after Subscription: deleted before it, while the subscriptions still say whose
    PersonalTable(License, "您登记的许可证（公司、编号、到期日）", "licences you registered (company, number, expiry)",
                  _licence_rows),
    PersonalTable(WeComKfClient, "微信客服会话窗口", "WeChat customer-service window"),
    PersonalTable(WeComButtons, "最近一次的选项按钮", "last buttons shown"),
    PersonalTable(WeComInbox, "尚未处理的企业微信消息", "WeCom messages not yet handled"),
    PersonalTable(CaseFile, "续期案件中您上传的文件", "files you uploaded to renewal cases",
                  before_delete=delete_files_of_user),
    PersonalTable(LicenseContact, "作为许可证第二联系人的登记", "second-contact registrations for licences"),
    PersonalTable(CalendarToken, "日历订阅链接", "calendar subscription links"),
    PersonalTable(ChatKeyboard, "最近显示的按钮", "buttons last shown to you"),
    PersonalTable(SendSlot, "发送频率计数（按您的聊天）", "send-rate counters of your chat", _send_slot_rows),
)


def count_personal_data(session: Session, channel: str, user_id: str) -> list[tuple[PersonalTable, int]]:
    """How many rows of each table belong to this user."""
    return [
        (t, int(session.execute(select(func.count()).select_from(t.model).where(t.rows(t.model, channel, user_id)))
            .scalar_one()))
        for t in PERSONAL_TABLES
    ]


def delete_personal_data(session: Session, channel: str, user_id: str) -> int:
    """Delete every row about this user; returns how many rows went."""
    total = 0
    for t in reversed(PERSONAL_TABLES):
        if t.before_delete is not None:
            t.before_delete(session, channel, user_id)
        where = t.rows(t.model, channel, user_id)
        change = update(t.model).values(**t.anonymize) if t.anonymize is not None else delete(t.model)
        total += session.execute(change.where(where)).rowcount or 0  # type: ignore[attr-defined]
    return total
