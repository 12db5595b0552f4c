"""Buttons on WeCom: platform keys for payloads.

A card button's key (members) or a menu item's id (WeChat clients) is the payload itself when it
fits the platform's limit, otherwise "k:" + a hash stored in `wecom_button_keys`. What a typed
number or label presses is decided by the core (bot/keyboard.py, under the chat's owner).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from channels.wecom.models import WeComButtonKey

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
