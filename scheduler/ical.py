"""A client's licence milestones as an iCalendar file (icalendar library), and private subscription
tokens for the web app's calendar URL.

The events are the reminders `preview` lists for the client's licences (same dates), plus the
last day to apply and the expiry of each licence; every event has an alarm. A subscription token is
unguessable (secrets.token_urlsafe), shown only to its owner, and revocable (`/calendar revoke`).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from icalendar import Alarm, Calendar, Event
from sqlmodel import Field, Session, SQLModel, col, select

from bot.storage.models import utc_column
from bot.storage.personal import PersonalTable
from registry.models import License, Subscription
from scheduler.milestones import apply_by
from scheduler.preview import Planned, preview
from scheduler.rules import Rules
from scheduler.texts import license_name

ICS_MIME = "text/calendar"
HORIZON_DAYS = 800  # how far ahead the calendar lists reminders
PRODID = "-//licensebot//renewal reminders//ZH"


class CalendarToken(SQLModel, table=True):
    """A private calendar URL of one person (personal data: PERSONAL_TABLES below)."""

    __tablename__ = "calendar_tokens"
    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(max_length=64, unique=True)
    channel: str = Field(max_length=32)
    user_id: str = Field(max_length=128)
    created_at: datetime = utc_column()
    revoked_at: datetime | None = utc_column(nullable=True)


PERSONAL_TABLES: tuple[PersonalTable, ...] = (PersonalTable(CalendarToken, "日历订阅链接", "calendar subscription links"),)


def issue_token(session: Session, channel: str, user_id: str, now: datetime) -> CalendarToken:
    """The person's live token, or a new one."""
    live = session.exec(select(CalendarToken).where(CalendarToken.channel == channel, CalendarToken.user_id == user_id,
                                                    col(CalendarToken.revoked_at).is_(None))).first()
    if live is not None:
        return live
    row = CalendarToken(token=secrets.token_urlsafe(24), channel=channel, user_id=user_id, created_at=now)
    session.add(row)
    session.flush()
    return row


def revoke_tokens(session: Session, channel: str, user_id: str, now: datetime) -> int:
    rows = session.exec(select(CalendarToken).where(CalendarToken.channel == channel, CalendarToken.user_id == user_id,
                                                    col(CalendarToken.revoked_at).is_(None))).all()
    for row in rows:
        row.revoked_at = now
        session.add(row)
    return len(rows)


def owner_of(session: Session, token: str) -> tuple[str, str] | None:
    """(channel, user_id) of a live token; None for an unknown or revoked one."""
    if not token or len(token) > 64:
        return None
    row = session.exec(select(CalendarToken).where(CalendarToken.token == token,
                                                   col(CalendarToken.revoked_at).is_(None))).first()
    return (row.channel, row.user_id) if row is not None else None


def licences_of(session: Session, channel: str, user_id: str) -> list[License]:
    return list(session.exec(select(License).join(Subscription, col(Subscription.license_id) == License.id).where(
        Subscription.channel == channel, Subscription.user_id == user_id).distinct().order_by(col(License.id))))


def planned_for(session: Session, rules: Rules, licences: list[License], today: date) -> list[Planned]:
    numbers = {lic.number for lic in licences}
    return [p for p in preview(session, rules, today, HORIZON_DAYS) if p.license_number in numbers]


def _event(uid: str, on: date, summary: str, description: str, alarm_before: timedelta, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", on)
    event.add("dtend", on + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", timedelta(hours=9) - alarm_before)  # 09:00 on the day (or days before)
    event.add_component(alarm)
    return event


def licence_calendar(session: Session, rules: Rules, licences: list[License], today: date, now: datetime) -> bytes:
    """The .ics text: each reminder `preview` plans, and each licence's last day to apply and expiry."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "许可证续期提醒")
    by_number = {lic.number: lic for lic in licences}
    for p in planned_for(session, rules, licences, today):
        lic = by_number[p.license_number]
        name = license_name(lic.license_type, "zh")
        what = (f"续期提醒（到期前{p.milestone[1:]}天）" if p.kind == "renewal" and not p.milestone.startswith("d-")
                else f"到期后提醒（{p.milestone[2:]}天）" if p.kind == "renewal" else "年报提醒")
        cal.add_component(_event(f"{lic.id}-{p.kind}-{p.milestone}-{p.cycle}@licensebot", p.due_on,
                                 f"{what}：{name} {lic.number}", f"{lic.company} · {name} {lic.number} · 到期 {lic.expires_on}",
                                 timedelta(0), now))
    for lic in licences:
        name = license_name(lic.license_type, "zh")
        deadline = apply_by(rules, lic.expires_on)
        if deadline >= today:
            cal.add_component(_event(f"{lic.id}-apply-by-{lic.cycle}@licensebot", deadline,
                                     f"续期申请截止：{name} {lic.number}",
                                     "《电信业务经营许可管理办法》第二十七条：到期前至少90天提出续期申请。",
                                     timedelta(days=7), now))
        cal.add_component(_event(f"{lic.id}-expires-{lic.cycle}@licensebot", lic.expires_on,
                                 f"许可证到期：{name} {lic.number}", f"{lic.company} · {name} {lic.number}",
                                 timedelta(days=7), now))
    return bytes(cal.to_ical())
