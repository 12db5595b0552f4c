"""The figures page's numbers: twelve weeks of tickets, replies, ratings, FAQ outcomes and reminders,
and every licence by weeks to its submission deadline. Plain data; the page draws it."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from bot.clock import SHANGHAI, as_utc
from bot.hours import BusinessHours
from bot.storage.models import Outbox, QueryLog
from cases.service import APPLY_DAYS_BEFORE
from intents.handoff_models import Ticket
from registry.models import License, Reminder

WEEKS = 12
DEADLINE_BUCKETS = ((None, 0, "已过期限", "passed"), (0, 4, "≤4周", "≤4 wk"), (4, 8, "5–8周", "5–8 wk"),
                    (8, 13, "9–13周", "9–13 wk"), (13, 26, "14–26周", "14–26 wk"), (26, 52, "27–52周", "27–52 wk"),
                    (52, None, ">52周", ">52 wk"))


def week_starts(now: datetime) -> list[date]:
    today = now.astimezone(SHANGHAI).date()
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]


def week_of(at: datetime) -> date:
    day = as_utc(at).astimezone(SHANGHAI).date()
    return day - timedelta(days=day.weekday())


def figures(session: Session, hours: BusinessHours, now: datetime) -> dict[str, Any]:
    weeks = week_starts(now)
    since = datetime.combine(weeks[0], time(0), tzinfo=SHANGHAI)
    labels = [f"{w:%m-%d}" for w in weeks]
    tickets = session.exec(select(Ticket).where(Ticket.created_at >= since)).all()
    opened = Counter(week_of(t.created_at) for t in tickets)
    waits: dict[date, list[float]] = {}
    for t in tickets:
        if t.first_reply_at is not None:
            minutes = hours.open_seconds_between(as_utc(t.created_at), as_utc(t.first_reply_at)) / 60
            waits.setdefault(week_of(t.created_at), []).append(minutes)
    rated = session.exec(select(Ticket.rating).where(col(Ticket.rating).is_not(None))).all()
    ratings = Counter(int(r) for r in rated if r is not None)
    queries = session.exec(select(QueryLog.decision, QueryLog.created_at).where(QueryLog.created_at >= since)).all()
    decided = {d: Counter(week_of(at) for dd, at in queries if dd == d) for d in ("answer", "clarify", "fallback")}
    sent = session.exec(select(Outbox.status, Outbox.created_at).where(
        Outbox.kind == "reminder", Outbox.created_at >= since)).all()
    reminders = {s: Counter(week_of(at) for ss, at in sent if ss == s) for s in ("sent", "failed", "pending")}
    acknowledged = session.exec(select(Reminder.acknowledged_at).where(col(Reminder.acknowledged_at) >= since)).all()
    reminders["acknowledged"] = Counter(week_of(at) for at in acknowledged if at is not None)
    return {
        "weeks": labels,
        "tickets": [opened.get(w, 0) for w in weeks],
        "first_reply": [round(statistics.median(waits[w]), 1) if w in waits else None for w in weeks],
        "ratings": [ratings.get(n, 0) for n in range(1, 6)],
        "faq": {d: [c.get(w, 0) for w in weeks] for d, c in decided.items()},
        "reminders": {s: [c.get(w, 0) for w in weeks] for s, c in reminders.items()},
        "deadlines": deadline_buckets(session, now),
    }


def deadline_buckets(session: Session, now: datetime) -> dict[str, list[Any]]:
    today = now.astimezone(SHANGHAI).date()
    counts = [0] * len(DEADLINE_BUCKETS)
    for expires_on in session.exec(select(License.expires_on)).all():
        weeks_left = ((expires_on - timedelta(days=APPLY_DAYS_BEFORE)) - today).days / 7
        for i, (low, high, _zh, _en) in enumerate(DEADLINE_BUCKETS):
            if (low is None or weeks_left > low) and (high is None or weeks_left <= high):
                counts[i] += 1
                break
    return {"zh": [b[2] for b in DEADLINE_BUCKETS], "en": [b[3] for b in DEADLINE_BUCKETS], "counts": counts}
