"""The flood guard's notice goes once per burst, not once per refused message.

A client who pastes forty lines into a chat sends forty messages; past the limit each one is refused
(and not stored), but "you're sending very fast" is said once: the notice is logged as a reply, and
while one was sent within the flood window the next refusals are silent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select
from sqlmodel import Session

from bot import guards
from bot.chatstate import MESSAGE_LOG
from bot.messages import Incoming, Reply

NOTICE_TEXTS = (guards.flood_reply("zh").text, guards.flood_reply("en").text)


def notice_once(session: Session, incoming: Incoming, lang: str, since: datetime, now: datetime) -> list[Reply]:
    """The flood notice if none went to this chat since `since`, else nothing. The refused message
    itself is not stored; the notice is, as the chat's reply (that is how the next refusal knows)."""
    m = MESSAGE_LOG
    sent = session.execute(select(func.count()).select_from(m).where(
        m.c.channel == incoming.channel, m.c.chat_id == incoming.chat_id, m.c.direction == "out",
        m.c.created_at > since, m.c.text.in_(NOTICE_TEXTS))).scalar_one()
    if sent:
        return []
    notice = guards.flood_reply(lang)
    session.execute(insert(m), [{"channel": incoming.channel, "chat_id": incoming.chat_id,
                                 "user_id": incoming.user_id, "direction": "out", "text": notice.text,
                                 "created_at": now}])
    return [notice]
