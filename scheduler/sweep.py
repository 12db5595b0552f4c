"""The sweep: due milestones → the reminder ledger → one Outbox row per subscriber. Idempotent.

    for each renewal band and the current annual-report milestone (a few set-based queries):
        licences with an active subscriber whose latest due milestone is not in the ledger
        → INSERT INTO reminders … ON CONFLICT DO NOTHING       (unique: licence, kind, milestone, cycle)
        → INSERT INTO outbox … ON CONFLICT DO NOTHING          (dedupe key per subscription)

Running it twice, or on two workers at once, writes nothing twice; after downtime it writes only the
latest milestone of each licence (scheduler/milestones.py). Ledger and outbox rows are written in
one transaction, so a crash leaves either both or neither.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Date, Integer, Select, String, and_, bindparam, case, func, literal, or_, select
from sqlalchemy.orm import Session

from bot import metrics
from bot.storage.db import Database
from bot.storage.models import Outbox, User
from scheduler.milestones import ANNUAL, RENEWAL, Due, current_annual, renewal_bands, renewal_due
from scheduler.models import License, Reminder, Subscription
from scheduler.rules import RenewalMilestone, Rules
from scheduler.sqlutil import chunks, insert_ignoring_duplicates
from scheduler.texts import LicenseFacts, ReminderRenderer

REMINDER_KIND = "reminder"  # the Outbox kind of every reminder (quiet hours apply to it)
L, S, R, U, OUTBOX = (t.__table__ for t in (License, Subscription, Reminder, User, Outbox))  # type: ignore[attr-defined]
CHUNK = 5000  # targets rendered and inserted at a time


@dataclass
class SweepReport:
    milestones: int = 0  # ledger rows written
    created: int = 0  # outbox rows written (one per subscriber)
    deferred: int = 0  # of those, held until quiet hours end

    def __iadd__(self, other: SweepReport) -> SweepReport:
        self.milestones += other.milestones
        self.created += other.created
        self.deferred += other.deferred
        return self


def dedupe_key(license_id: int, due: Due, subscription_id: int) -> str:
    return f"rem:{license_id}:{due.kind}:{due.milestone}:{due.cycle}:{subscription_id}"


def sweep(db: Database, rules: Rules, now: datetime) -> SweepReport:
    """Write every reminder due at `now` that is not written yet; returns what was new."""
    now = now.astimezone(UTC)
    today = rules.today(now)
    send_at = rules.quiet.next_open(now)
    report = SweepReport()
    bands = renewal_bands(rules, today)
    by_days = {b.milestone.days: b.milestone for b in bands}
    with db.session() as session:
        params = {f"upto{i}": band.upto for i, band in enumerate(bands)}
        report += _write(session, rules, renewal_targets(rules.renewal), params,
                         lambda lic, cycle, extra: renewal_due(by_days[extra[0]], lic.expires_on, cycle), now, send_at)
        annual = current_annual(rules, today)
        if annual is not None:
            year = annual.cycle
            params = {"milestone": annual.milestone, "year": year, "held_by": date(year - 1, 12, 31),
                      "opens": rules.opens_on(year), "due_on": annual.due_on}
            report += _write(session, rules, ANNUAL_TARGETS, params, lambda _lic, _cycle, _extra: annual, now, send_at)
    metrics.REMINDERS.labels("created").inc(report.created)  # committed: counted once
    return report


def _targets(kind: str, milestone: Any, cycle: Any, *where: Any) -> Select[Any]:
    """(licence, active subscription, language) rows for licences whose milestone is not in the ledger."""
    in_ledger = select(literal(1)).where(R.c.license_id == L.c.id, R.c.kind == kind, R.c.milestone == milestone,
                                         R.c.cycle == cycle).exists()
    joined = (L.join(S, and_(S.c.license_id == L.c.id, S.c.status == "active"))
              .outerjoin(U, and_(U.c.channel == S.c.channel, U.c.user_id == S.c.user_id)))
    return (select(L.c.id, L.c.number, L.c.company, L.c.license_type, L.c.expires_on, L.c.cycle,
                   S.c.id.label("sub_id"), S.c.channel, S.c.chat_id, func.coalesce(U.c.lang, S.c.lang).label("lang"))
            .select_from(joined).where(*where, ~in_ledger).order_by(L.c.id, S.c.id))


@functools.lru_cache(maxsize=8)
def renewal_targets(milestones: tuple[RenewalMilestone, ...]) -> Select[Any]:
    """One query for every renewal milestone: a CASE over the bands picks each licence's latest due one.

    Bands ascend (day after expiry, day of expiry, 1 day before, …), so the first `expires_on <= upto{i}`
    that holds is the band. Parameters upto0… are the bands' upper bounds for today.
    """
    asc = sorted(milestones, key=lambda m: m.days)

    def by_band(values: list[Any]) -> Any:
        return case(*[(L.c.expires_on <= bindparam(f"upto{i}", type_=Date), v) for i, v in enumerate(values)])

    days = by_band([m.days for m in asc])
    query = _targets(RENEWAL, by_band([m.name for m in asc]), L.c.cycle,
                     L.c.expires_on <= bindparam(f"upto{len(asc) - 1}", type_=Date), L.c.horizon_days >= days)
    return query.add_columns(days.label("days"))


ANNUAL_TARGETS = _targets(
    ANNUAL, bindparam("milestone", type_=String), bindparam("year", type_=Integer),
    or_(L.c.issued_on.is_(None), L.c.issued_on <= bindparam("held_by", type_=Date)),
    L.c.expires_on >= bindparam("opens", type_=Date),
    or_(L.c.annual_done_year.is_(None), L.c.annual_done_year < bindparam("year", type_=Integer)),
    L.c.created_on <= bindparam("due_on", type_=Date),
)


OUTBOX_COLUMNS = ("channel", "chat_id", "kind", "dedupe_key", "body", "status", "attempts", "not_before",
                  "created_at", "sent_at", "last_error")
LEDGER_COLUMNS = ("license_id", "kind", "milestone", "cycle", "due_on", "created_at")


DueOf = Callable[[LicenseFacts, int, list[Any]], Due]  # (licence, its cycle, extra columns) → milestone


def _write(session: Session, rules: Rules, query: Select[Any], params: dict[str, Any], due_of: DueOf,
           now: datetime, send_at: datetime) -> SweepReport:
    """Fetch the targets (light tuples), then render and insert them a chunk at a time (bounded memory).

    All targets are fetched before the first insert: the query reads the ledger it filters on.
    """
    rows = session.execute(query, params).all()
    report = SweepReport()
    renderer = ReminderRenderer(rules, rules.today(send_at))
    for chunk in chunks(rows, CHUNK):
        ledger: dict[int, tuple[Any, ...]] = {}
        messages: list[tuple[Any, ...]] = []
        for lid, number, company, license_type, expires_on, cycle, sub_id, channel, chat_id, lang, *extra in chunk:
            lic = LicenseFacts(lid, number, company, license_type, expires_on)
            due = due_of(lic, cycle, extra)
            if lid not in ledger:
                ledger[lid] = (lid, due.kind, due.milestone, due.cycle, due.due_on, now)
            body = renderer.body(due, lic, lang if lang == "en" else "zh")
            key = f"rem:{lid}:{due.kind}:{due.milestone}:{due.cycle}:{sub_id}"  # = dedupe_key(lid, due, sub_id)
            messages.append((channel, chat_id, REMINDER_KIND, key, body, "pending", 0, send_at, now, None, ""))
        report.milestones += insert_ignoring_duplicates(session, R, LEDGER_COLUMNS, list(ledger.values()),
                                                        ("license_id", "kind", "milestone", "cycle"))
        report.created += insert_ignoring_duplicates(session, OUTBOX, OUTBOX_COLUMNS, messages, ("dedupe_key",))
    report.deferred = report.created if send_at > now else 0
    return report
