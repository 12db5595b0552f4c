"""Buttons on WeCom: platform keys for payloads, and the numbered fallback ("2" presses the 2nd).

A card button's key (members) or a menu item's id (WeChat clients) is the payload itself when it
fits the platform's limit, otherwise "k:" + a hash stored in `wecom_button_keys`. The last buttons
shown in a chat are kept in `wecom_buttons`, so a typed number or label presses one.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.channels.wecom.models import WeComButtonKey, WeComButtons
from bot.messages import Button

SHORT_PREFIX = "k:"


def key_for(session: Session, payload: str, limit: int, now: datetime) -> str:
    """The platform key for a payload: the payload itself if it fits, else a stored short key."""
    if len(payload.encode("utf-8")) <= limit and not payload.startswith(SHORT_PREFIX):
        return payload
    key = SHORT_PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:30]
    if session.execute(select(WeComButtonKey.id).where(WeComButtonKey.key == key)).first() is None:
        try:
            with session.begin_nested():
                session.add(WeComButtonKey(key=key, payload=payload, created_at=now))
        except IntegrityError:
            pass  # another worker stored the same key
    return key


def keys_for(session: Session, payloads: Iterable[str], limit: int, now: datetime) -> dict[str, str]:
    return {p: key_for(session, p, limit, now) for p in payloads}


def payload_of(session: Session, key: str) -> str | None:
    """The payload a clicked key stands for; None for an unknown short key."""
    if not key.startswith(SHORT_PREFIX):
        return key
    return session.execute(select(WeComButtonKey.payload).where(WeComButtonKey.key == key)).scalar_one_or_none()


def remember(session: Session, channel: str, chat_id: str, user_id: str, buttons: tuple[Button, ...],
             now: datetime) -> None:
    """Keep these as the chat's pressable buttons (no buttons: forget the old ones)."""
    row = session.execute(select(WeComButtons).where(
        WeComButtons.channel == channel, WeComButtons.chat_id == chat_id)).scalar_one_or_none()
    if not buttons:
        if row is not None:
            session.execute(delete(WeComButtons).where(WeComButtons.id == row.id))
        return
    if row is None:
        row = WeComButtons(channel=channel, chat_id=chat_id, user_id=user_id, updated_at=now)
    row.buttons = [[b.label, b.payload] for b in buttons]
    row.updated_at = now
    session.add(row)


def pressed(session: Session, channel: str, chat_id: str, text: str) -> str | None:
    """The payload of the button a typed number ("2") or exact label names, if any."""
    text = unicodedata.normalize("NFKC", text).strip()  # full-width "２" is "2"
    if not text or len(text) > 200:
        return None
    row = session.execute(select(WeComButtons).where(
        WeComButtons.channel == channel, WeComButtons.chat_id == chat_id)).scalar_one_or_none()
    if row is None:
        return None
    options = [(str(label), str(payload)) for label, payload in row.buttons]
    if text.isascii() and text.isdigit() and 1 <= int(text) <= len(options):
        return options[int(text) - 1][1]
    return next((payload for label, payload in options if label == text), None)
