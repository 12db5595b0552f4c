"""A message a channel cannot deliver now, and the stand-in that decides who gets it instead.

A channel only reports: "this reply for this chat cannot go out now, and why" (WeChat's 48-hour
window is closed, the 5-message allowance is used up…). Who acts for the bot then, and with what
note, is a feature's decision (intents/forwarding.py); the composition root hands it to the channel
as a StandIn, and the channel sends the Redirect it is given.

The ROUTED convention for the dispatcher: SendResult(ok=True, error="routed: <to whom> (<why>)").
ok=True because it was delivered — to a stand-in; the error text starts with ROUTED so the
dispatcher stores it (last_error) and can count the row as routed rather than sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlmodel import Session

from bot.messages import ChatRef, Reply
from bot.outbox import SendResult

ROUTED = "routed:"


def is_routed(result: SendResult) -> bool:
    return result.ok and result.error.startswith(ROUTED)


@dataclass(frozen=True)
class Undeliverable:
    """What a channel reports when it cannot deliver a reply to a chat now."""

    chat: ChatRef
    reply: Reply
    why: tuple[str, str]  # (Chinese, English): why the channel cannot deliver it
    who: str  # how a person recognises the recipient, e.g. "王总（外部联系人 wm…）"
    handler: str = ""  # who handles this chat as the platform sees it (e.g. a WeCom servicer); "" if none


@dataclass(frozen=True)
class Redirect:
    """What the channel sends instead: `note` to the consultant `to` ("" when nobody is known)."""

    note: Reply
    to: str
    why: str  # English, for the log and the outbox row's last_error


class StandIn(Protocol):
    """Who acts for the bot when a channel cannot reach a person (called in a database session)."""

    def consultant_for(self, session: Session, chat: ChatRef, handler: str = "") -> str:
        """The consultant who handles this chat ("" when nobody is known)."""
        ...

    def redirect(self, session: Session, item: Undeliverable) -> Redirect:
        """Who gets an undeliverable reply instead, and the note they get."""
        ...
