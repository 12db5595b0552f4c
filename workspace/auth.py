"""Sign-in without passwords: one-time links, sessions, CSRF tokens and the audit log.

A configured consultant asks the bot for a link (`/console`) or the operator prints one
(`licensebot console-link NAME`). The link is good for LINK_MINUTES and for one sign-in; it opens a
session that ends after IDLE_HOURS without use. Tokens are random; the database keeps their SHA-256.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, delete, select

from bot.clock import as_utc
from bot.settings import Settings
from bot.staff import parse_staff
from workspace.models import AuditEntry, ConsoleLink, ConsoleSession

LINK_MINUTES = 10
IDLE_HOURS = 8  # a working day without a click
TOUCH_EVERY = timedelta(minutes=1)  # last-seen is written at most this often


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def consultants(settings: Settings) -> list[str]:
    """The configured consultants as "channel:user_id"."""
    team = parse_staff(settings.consultants, settings.consultant_group)
    return sorted(f"{channel}:{user_id}" for channel, user_id in team.consultants)


def resolve_consultant(settings: Settings, name: str) -> str | None:
    """"telegram:123" as given, or a bare user id when exactly one channel has it."""
    known = consultants(settings)
    if name in known:
        return name
    matches = [key for key in known if key.split(":", 1)[1] == name]
    return matches[0] if len(matches) == 1 else None


def issue_link(session: Session, consultant: str, now: datetime) -> str:
    """A new one-time token for `consultant` (already checked to be configured)."""
    token = secrets.token_urlsafe(32)
    session.add(ConsoleLink(token_hash=digest(token), consultant=consultant, created_at=now,
                            expires_at=now + timedelta(minutes=LINK_MINUTES)))
    return token


def link_url(settings: Settings, token: str) -> str:
    base = settings.console_base_url.rstrip("/") or f"http://{settings.http_host}:{settings.http_port}"
    return f"{base}/console/login?t={token}"


def redeem_link(session: Session, token: str, now: datetime) -> str | None:
    """The consultant a valid, unused, unexpired link belongs to — marking it used in the same
    statement, so two browsers racing with one link get one session between them."""
    if not token or len(token) > 100:
        return None
    link = session.exec(select(ConsoleLink).where(ConsoleLink.token_hash == digest(token))).first()
    if link is None or link.used_at is not None or as_utc(link.expires_at) <= now:
        return None
    taken = session.execute(update(ConsoleLink).where(col(ConsoleLink.id) == link.id,
                                                      col(ConsoleLink.used_at).is_(None))
                            .values(used_at=now))
    return link.consultant if taken.rowcount == 1 else None  # type: ignore[attr-defined]


@dataclass(frozen=True)
class SignedIn:
    consultant: str
    csrf: str
    lang: str
    session_id: int


def open_session(session: Session, consultant: str, now: datetime, lang: str = "zh") -> str:
    """Start a session; returns the cookie value."""
    token = secrets.token_urlsafe(32)
    session.add(ConsoleSession(token_hash=digest(token), consultant=consultant, csrf=secrets.token_urlsafe(24),
                               lang=lang, created_at=now, last_seen_at=now))
    return token


def find_session(session: Session, settings: Settings, token: str | None, now: datetime) -> SignedIn | None:
    """The signed-in consultant for a cookie value, or None (unknown, idle too long, or no longer a
    configured consultant). Touches last-seen."""
    if not token or len(token) > 100:
        return None
    row = session.exec(select(ConsoleSession).where(ConsoleSession.token_hash == digest(token))).first()
    if row is None:
        return None
    if now - as_utc(row.last_seen_at) > timedelta(hours=IDLE_HOURS) or row.consultant not in consultants(settings):
        session.delete(row)
        return None
    if now - as_utc(row.last_seen_at) >= TOUCH_EVERY:
        row.last_seen_at = now
        session.add(row)
    return SignedIn(row.consultant, row.csrf, row.lang, row.id or 0)


def set_language(session: Session, signed_in: SignedIn, lang: str) -> None:
    row = session.get(ConsoleSession, signed_in.session_id)
    if row is not None and lang in ("zh", "en"):
        row.lang = lang
        session.add(row)


def end_session(session: Session, signed_in: SignedIn) -> None:
    session.exec(delete(ConsoleSession).where(col(ConsoleSession.id) == signed_in.session_id))  # type: ignore[call-overload]


def csrf_ok(signed_in: SignedIn, sent: object) -> bool:
    return isinstance(sent, str) and hmac.compare_digest(signed_in.csrf.encode(), sent.encode("utf-8", "replace"))


def audit(session: Session, consultant: str, action: str, now: datetime, target: str = "", detail: str = "") -> None:
    session.add(AuditEntry(at=now, consultant=consultant, action=action, target=target[:200], detail=detail[:500]))
