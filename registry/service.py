"""Operations on the licence registry, shared by the chat commands, the importer and the dispatcher.

Every function takes the caller's session (one transaction) and never commits. Ownership is checked
by the callers through `owned()`: a user acts on a licence only through a subscription of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, update
from sqlmodel import Session, select

from bot.storage.models import Outbox
from registry.models import ANNUAL, RENEWAL, License, Reminder, Subscription

O = Outbox.__table__  # type: ignore[attr-defined]  # noqa: E741


@dataclass(frozen=True)
class LicenseData:
    """The facts of a licence as a client or an import file gives them (already validated)."""

    number: str
    company: str
    license_type: str
    scope: str
    province: str
    expires_on: date
    issued_on: date | None = None


def set_expiry(lic: License, expires_on: date, today: date) -> None:
    """Set the expiry and start tracking milestones from today (a new cycle when it changes)."""
    if lic.id is not None and lic.expires_on != expires_on:
        lic.cycle += 1
    lic.expires_on = expires_on
    lic.tracked_from = today
    lic.horizon_days = (expires_on - today).days


def new_license(data: LicenseData, today: date, now: datetime, source: str = "chat") -> License:
    lic = License(number=data.number, company=data.company, license_type=data.license_type, scope=data.scope,
                  province=data.province, issued_on=data.issued_on, expires_on=data.expires_on, cycle=1,
                  tracked_from=today, horizon_days=0, created_on=today, source=source, created_at=now,
                  updated_at=now)
    set_expiry(lic, data.expires_on, today)
    return lic


def apply_data(session: Session, lic: License, data: LicenseData, today: date, now: datetime) -> bool:
    """Update a licence from new facts; returns whether anything changed. A new expiry starts a cycle."""
    before = (lic.company, lic.license_type, lic.scope, lic.province, lic.issued_on, lic.expires_on)
    after = (data.company, data.license_type, data.scope, data.province, data.issued_on, data.expires_on)
    if before == after and lic.number == data.number:
        return False
    if lic.expires_on != data.expires_on:
        cancel_pending(session, lic.id or 0, RENEWAL, reason="expiry changed")
        set_expiry(lic, data.expires_on, today)
    lic.number, lic.company, lic.license_type = data.number, data.company, data.license_type
    lic.scope, lic.province, lic.issued_on = data.scope, data.province, data.issued_on
    lic.updated_at = now
    session.add(lic)
    return True


def find_by_number(session: Session, number: str) -> License | None:
    return session.exec(select(License).where(License.number == number)).first()


def subscribe(session: Session, lic: License, channel: str, chat_id: str, user_id: str, lang: str,
              now: datetime) -> tuple[Subscription, bool]:
    """Add (or re-activate) a subscription; returns it and whether it is new."""
    assert lic.id is not None
    sub = session.exec(select(Subscription).where(
        Subscription.license_id == lic.id, Subscription.channel == channel, Subscription.chat_id == chat_id,
        Subscription.user_id == user_id)).first()
    if sub is not None:
        return sub, False
    sub = Subscription(license_id=lic.id, channel=channel, chat_id=chat_id, user_id=user_id, lang=lang,
                       created_at=now)
    session.add(sub)
    session.flush()
    return sub, True


def owned(session: Session, license_id: int, channel: str, user_id: str) -> tuple[License, list[Subscription]] | None:
    """The licence and this user's subscriptions to it, or None if they have none (or it does not exist)."""
    subs = list(session.exec(select(Subscription).where(
        Subscription.license_id == license_id, Subscription.channel == channel,
        Subscription.user_id == user_id).order_by(Subscription.id)))
    if not subs:
        return None
    lic = session.get(License, license_id)
    return (lic, subs) if lic is not None else None


def subscribers(session: Session, lic: License) -> list[Subscription]:
    return list(session.exec(select(Subscription).where(Subscription.license_id == lic.id)))


def my_licenses(session: Session, channel: str, user_id: str) -> list[tuple[License, list[Subscription]]]:
    rows = session.exec(select(License, Subscription).join(
        Subscription, Subscription.license_id == License.id).where(
        Subscription.channel == channel, Subscription.user_id == user_id).order_by(License.expires_on, License.id))
    out: dict[int, tuple[License, list[Subscription]]] = {}
    for lic, sub in rows:
        out.setdefault(lic.id, (lic, []))[1].append(sub)
    return list(out.values())


def mark_renewed(session: Session, lic: License, new_expiry: date, today: date, now: datetime) -> None:
    """Record a renewal: a new cycle of milestones from the new expiry; pending old ones are dropped."""
    cancel_pending(session, lic.id or 0, RENEWAL, reason="renewed")
    session.execute(update(O).where(O.c.dedupe_key.like(f"esc:{lic.id}:%"), O.c.status == "pending")
                    .values(status="cancelled", last_error="cancelled: renewed"))  # escalations too
    set_expiry(lic, new_expiry, today)
    lic.updated_at = now
    session.add(lic)


def acknowledge_latest(session: Session, lic: License, who: str, now: datetime) -> str | None:
    """Mark the latest renewal reminder of the current cycle acknowledged; returns its milestone."""
    row = session.exec(select(Reminder).where(Reminder.license_id == lic.id, Reminder.kind == RENEWAL,
                                              Reminder.cycle == lic.cycle)
                       .order_by(Reminder.due_on.desc())).first()  # type: ignore[attr-defined]
    if row is None:
        return None
    if row.acknowledged_at is None:
        row.acknowledged_at, row.acknowledged_by = now, who[:170]
        session.add(row)
    return row.milestone


def mark_annual_done(session: Session, lic: License, year: int, now: datetime) -> None:
    cancel_pending(session, lic.id or 0, ANNUAL, cycle=year, reason="annual report done")
    lic.annual_done_year = max(year, lic.annual_done_year or 0)
    lic.updated_at = now
    session.add(lic)


def set_paused(session: Session, subs: list[Subscription], paused: bool, reason: str = "") -> None:
    for sub in subs:
        sub.status = "paused" if paused else "active"
        sub.paused_reason = reason[:255] if paused else ""
        session.add(sub)
        if paused:
            cancel_pending(session, sub.license_id, subscription_id=sub.id, reason="paused")


def unsubscribe(session: Session, lic: License, subs: list[Subscription]) -> bool:
    """Remove these subscriptions; the licence goes too when nobody is left. Returns whether it went."""
    for sub in subs:
        cancel_pending(session, lic.id or 0, subscription_id=sub.id, reason="deleted")
        session.delete(sub)
    session.flush()
    left = session.exec(select(Subscription.id).where(Subscription.license_id == lic.id)).first()
    if left is None:
        cancel_pending(session, lic.id or 0, reason="deleted")
        session.execute(delete(License).where(License.id == lic.id))
        return True
    return False


def cancel_pending(session: Session, license_id: int, kind: str = "%", cycle: int | None = None,
                   subscription_id: int | None = None, reason: str = "") -> int:
    """Cancel reminders still waiting in the Outbox (keys rem:{licence}:{kind}:{milestone}:{cycle}:{sub})."""
    cyc = "%" if cycle is None else str(cycle)
    sub = "%" if subscription_id is None else str(subscription_id)
    pattern = f"rem:{license_id}:{kind}:%:{cyc}:{sub}"
    result = session.execute(update(O).where(O.c.dedupe_key.like(pattern), O.c.status == "pending")
                             .values(status="cancelled", last_error=f"cancelled: {reason}"[:1000]))
    return int(result.rowcount or 0)


def pause_chat(session: Session, channel: str, chat_id: str, error: str, now: datetime) -> None:
    """The dispatcher's hook for a chat that cannot be reached (e.g. the user blocked the bot)."""
    reason = f"{now:%Y-%m-%d} delivery failed: {error or 'permanent error'}"[:255]
    session.execute(update(Subscription).where(
        Subscription.channel == channel, Subscription.chat_id == chat_id, Subscription.status == "active")
        .values(status="paused", paused_reason=reason))
    session.execute(update(O).where(O.c.channel == channel, O.c.chat_id == chat_id, O.c.kind == "reminder",
                                    O.c.status == "pending")
                    .values(status="cancelled", last_error=f"cancelled: {reason}"[:1000]))
