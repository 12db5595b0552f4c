"""A client the bot cannot reach through their channel is reached through their consultant.

When a channel reports a reply it cannot deliver now (bot/undeliverable.py: e.g. a WeChat client's
48-hour Customer Service window is closed, or the 5-message allowance is used up), the client's
consultant gets it as a note ready to forward by hand. Never silently dropped.

The client's consultant: the one the platform saw handling them (a servicer who took the session),
else the consultant (on the consultants' channel) of their latest hand-off ticket, else the default
consultant: the one configured for these clients, or the first consultant on that channel.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from bot.messages import ChatRef, Reply
from bot.settings import Settings
from bot.staff import staff
from bot.undeliverable import Redirect, Undeliverable
from intents.handoff_models import Ticket


def forward_text(item: Undeliverable) -> str:
    """The note a consultant forwards to the client by hand."""
    reply = item.reply
    lines = [f"【请转发给客户】{item.who}", f"原因：{item.why[0]}，机器人无法直接发送。请把下面的内容通过微信发给客户：",
             "————————", reply.text.strip()]
    if reply.buttons:
        lines.append("（原消息附带的选项：" + " / ".join(b.label for b in reply.buttons) + "）")
    return "\n".join(lines)


def default_consultant(settings: Settings, channel: str, configured: str = "") -> str:
    """`configured` (e.g. WECOM_KF_CONSULTANT), else the first consultant on `channel` among CONSULTANTS."""
    if configured:
        return configured
    return next((user for ch, user in sorted(staff(settings).consultants) if ch == channel), "")


def ticket_consultant(session: Session, chat: ChatRef, consultant_channel: str) -> str:
    """The consultant on `consultant_channel` of the client's latest hand-off ticket; "" if none."""
    found = session.execute(
        select(Ticket.consultant_id).where(Ticket.channel == chat.channel, Ticket.user_id == chat.chat_id,
                                           Ticket.consultant_channel == consultant_channel)
        .order_by(Ticket.created_at.desc()).limit(1)).scalar_one_or_none()  # type: ignore[attr-defined]
    return found or ""


class ConsultantStandIn:
    """The StandIn of a channel whose clients' consultants are reached on `consultant_channel`."""

    def __init__(self, consultant_channel: str, default: str) -> None:
        self.consultant_channel = consultant_channel
        self.default = default

    def consultant_for(self, session: Session, chat: ChatRef, handler: str = "") -> str:
        return handler or ticket_consultant(session, chat, self.consultant_channel) or self.default

    def redirect(self, session: Session, item: Undeliverable) -> Redirect:
        note = Reply(forward_text(item), attachment=item.reply.attachment)
        return Redirect(note, self.consultant_for(session, item.chat, item.handler), item.why[1])
