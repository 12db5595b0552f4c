"""Who the consultants are (settings CONSULTANTS, CONSULTANT_GROUP) and where to reach them.

A consultant is a (channel, user id) pair: `telegram:123` and `wecom:zhangsan` may be the same person,
the bot does not care. A consultant's own chat is their private chat with the bot, whose chat id is
their user id on every channel we have (Telegram private chats, WeCom app messages, the console).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from sqlmodel import Session, select

from bot.context import Context, Services
from bot.messages import ChatRef, Incoming, Reply
from bot.settings import Settings
from bot.storage.models import User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Staff:
    consultants: frozenset[tuple[str, str]]
    group: ChatRef | None

    def is_consultant(self, channel: str, user_id: str) -> bool:
        return (channel, user_id) in self.consultants

    def announce_targets(self) -> list[ChatRef]:
        """The consultants' group, or every consultant privately when there is no group."""
        if self.group is not None:
            return [self.group]
        return [ChatRef(channel, user_id) for channel, user_id in sorted(self.consultants)]


def _split_ref(entry: str, setting: str) -> tuple[str, str] | None:
    channel, sep, ident = entry.strip().partition(":")
    if not sep or not channel.strip() or not ident.strip():
        log.error("setting %s: %r is not channel:id; ignored", setting, entry)
        return None
    return channel.strip().lower(), ident.strip()


@lru_cache(maxsize=16)
def parse_staff(consultants: str, group: str) -> Staff:
    """Parse "telegram:123, wecom:zhangsan" and "telegram:-100123"; malformed entries are logged."""
    pairs = (_split_ref(e, "CONSULTANTS") for e in consultants.replace(";", ",").split(",") if e.strip())
    group_ref = _split_ref(group, "CONSULTANT_GROUP") if group.strip() else None
    return Staff(frozenset(p for p in pairs if p is not None),
                 ChatRef(*group_ref) if group_ref is not None else None)


def staff(settings: Settings) -> Staff:
    return parse_staff(settings.consultants, settings.consultant_group)


def is_consultant(ctx: Context) -> bool:
    """The sender is on the consultants' list for this channel."""
    return staff(ctx.services.settings).is_consultant(ctx.incoming.channel, ctx.incoming.user_id)


def is_staff(services: Services, incoming: Incoming) -> bool:
    """The sender is a configured consultant (the engine's flood guard does not slow them down)."""
    return staff(services.settings).is_consultant(incoming.channel, incoming.user_id)


def private_chat(channel: str, user_id: str) -> ChatRef:
    return ChatRef(channel, user_id)


def refuse(ctx: Context) -> list[Reply]:
    """Tells a non-consultant that the command is for consultants; nothing else happens."""
    return [Reply(ctx.say("抱歉，这个命令仅供顾问使用。有问题可以直接问我，或发送 /human 联系顾问。",
                          "Sorry, that command is for consultants only. Ask me anything, or send /human "
                          "to reach a consultant."), tags=("refused",))]


def user_lang(session: Session, channel: str, user_id: str, default: str) -> str:
    """The language a person chose with /lang, else the default (for proactive messages)."""
    chosen = session.exec(select(User.lang).where(User.channel == channel, User.user_id == user_id)).first()
    return chosen or default
