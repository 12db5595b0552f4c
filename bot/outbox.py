"""Messages to a stored chat address (reminders, consultant relays), written before they are sent.

A proactive message is never sent straight from a handler: it is enqueued here, in the same
transaction as the state change that caused it, and a dispatcher delivers it through the channel's
Sender. `dedupe_key` makes enqueueing idempotent.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlmodel import Session

from bot.messages import Attachment, Button, ChatRef, Reply
from bot.storage.models import Outbox


def reply_to_body(reply: Reply) -> dict[str, Any]:
    body: dict[str, Any] = {"text": reply.text, "buttons": [[b.label, b.payload] for b in reply.buttons]}
    if reply.markdown:
        body["markdown"] = True
    if reply.tags:
        body["tags"] = list(reply.tags)
    if reply.number_from != 1:
        body["number_from"] = reply.number_from
    if reply.attachment is not None:
        a = reply.attachment
        body["attachment"] = {"filename": a.filename, "mime": a.mime,
                              "content": base64.b64encode(a.content).decode("ascii")}
    return body


def body_to_reply(body: dict[str, Any]) -> Reply:
    att = body.get("attachment")
    return Reply(
        text=body.get("text", ""),
        buttons=tuple(Button(label, payload) for label, payload in body.get("buttons", [])),
        attachment=Attachment(att["filename"], base64.b64decode(att["content"]), att["mime"]) if att else None,
        markdown=bool(body.get("markdown")),
        tags=tuple(body.get("tags", ())),
        number_from=int(body.get("number_from", 1)),
    )


def enqueue(session: Session, to: ChatRef, reply: Reply, kind: str, dedupe_key: str, now: datetime,
            not_before: datetime | None = None) -> bool:
    """Store a message for delivery; returns False if one with this dedupe_key already exists.

    Uses a savepoint so that a concurrent insert of the same key (another worker) is not an error.
    """
    if session.execute(select(Outbox.id).where(Outbox.dedupe_key == dedupe_key)).first() is not None:
        return False
    from sqlalchemy.exc import IntegrityError

    try:
        with session.begin_nested():
            session.add(Outbox(channel=to.channel, chat_id=to.chat_id, kind=kind, dedupe_key=dedupe_key,
                               body=reply_to_body(reply), not_before=not_before or now, created_at=now))
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True)
class SendResult:
    """What a channel says about one send attempt."""

    ok: bool
    retry_after: float | None = None  # transient failure: try again after this many seconds
    permanent: bool = False  # the user blocked the bot, the chat is gone: do not retry
    error: str = ""
    platform_id: str = ""  # the platform's message id, when it gives one


class Sender(Protocol):
    """A channel's way to deliver a reply to a stored chat address.

    A sender that keeps its platform's rate limits itself also sets `self_limited = True`; the
    dispatcher then does not pace it again (scheduler/dispatcher.py).
    """

    channel: str

    async def send(self, chat_id: str, reply: Reply) -> SendResult: ...
