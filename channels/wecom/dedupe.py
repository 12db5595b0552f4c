"""Handle each callback and each KF message once, across retries, workers and restarts."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from channels.wecom.models import WeComSeen

KEEP_FOR = timedelta(days=7)  # WeCom retries within seconds; KF sync without a cursor reaches 3 days back


def claim(session: Session, identity: str, now: datetime) -> bool:
    """True the first time this identity is seen (and records it); False for a repeat."""
    key = hashlib.sha256(identity.encode("utf-8")).hexdigest()
    if session.execute(select(WeComSeen.id).where(WeComSeen.key == key)).first() is not None:
        return False
    try:
        with session.begin_nested():
            session.add(WeComSeen(key=key, created_at=now))
    except IntegrityError:
        return False  # another worker took it at the same moment
    return True


def prune(session: Session, now: datetime) -> int:
    """Forget identities older than KEEP_FOR; returns how many went."""
    result = session.execute(delete(WeComSeen).where(WeComSeen.created_at < now - KEEP_FOR))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
