"""The sweep: due milestones → the reminder ledger → one Outbox row per subscriber. Idempotent.

    for each window of CHUNK licences (by id), in one transaction:
        for the renewal bands and the current annual-report milestone (one query each):
            licences with an active subscriber whose latest due milestone is not in the ledger
            → INSERT INTO reminders … ON CONFLICT DO NOTHING       (unique: licence, kind, milestone, cycle)
            → INSERT INTO outbox … ON CONFLICT DO NOTHING          (dedupe key per subscription)

Running it twice, or on two workers at once, writes nothing twice; after downtime it writes only the
latest milestone of each licence (scheduler/milestones.py). A licence's ledger row and its Outbox
rows are written in one transaction, so a crash leaves either both or neither: the windows already
committed stay, and the next sweep writes the rest. A window's targets are read in the transaction
that writes them, so a licence renewed meanwhile is seen as renewed (on SQLite, whose write lock the
transaction holds from its start).

The annual-report window makes every licence due at once (100,000 messages): messages are filled in
from per-milestone stencils (scheduler/texts.py) and inserted with one executemany per table and window.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Date, Integer, Select, String, and_, bindparam, case, func, literal_column, or_, select
from sqlalchemy.orm import Session

from bot import metrics
from bot.language import pick
from bot.storage.db import Database
from bot.storage.models import Outbox, User
from cases.notes import case_notes, with_note
from registry.models import ANNUAL, RENEWAL, License, Reminder, Subscription
from scheduler.milestones import Due, as_date, current_annual, renewal_bands, renewal_due
from scheduler.rules import RenewalMilestone, Rules
from scheduler.sqlutil import insert_ignoring_duplicates
from scheduler.texts import ReminderRenderer, Stencil

REMINDER_KIND = "reminder"  # the Outbox kind of every reminder (quiet hours apply to it)
L, S, R, U, OUTBOX = (t.__table__ for t in (License, Subscription, Reminder, User, Outbox))  # type: ignore[attr-defined]
CHUNK = 5000  # licences per transaction
NO_BOUND = 1_000_000  # days: lower than any horizon


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


@dataclass(frozen=True)
class _Mark:
    """A due milestone as the sweep writes it; shared by every licence due the same one."""

    due: Due
    key: str  # the dedupe key between licence id and subscription id
    due_on: str  # ISO
    stencils: dict[str, Stencil]  # "zh" and "en"


def _mark(renderer: ReminderRenderer, due: Due) -> _Mark:
    return _Mark(due, f":{due.kind}:{due.milestone}:{due.cycle}:", due.due_on.isoformat(),
                 {lang: renderer.stencil(due, lang) for lang in ("zh", "en")})


MarkOf = Callable[[date | str, int, int], _Mark]  # (expires_on, cycle, days) of a target row → its milestone


@dataclass(frozen=True)
class _Part:
    """One of the sweep's queries (renewal or annual report) with its parameters for today."""

    query: Select[Any]
    params: dict[str, Any]
    mark_of: MarkOf


def sweep(db: Database, rules: Rules, now: datetime, *, window: int = CHUNK, dry: bool = False) -> SweepReport:
    """Write every reminder due at `now` that is not written yet; returns what was new.

    `window`: licences per transaction. `dry`: count what would be written, and roll every window back.
    """
    now = now.astimezone(UTC)
    today = rules.today(now)
    send_at = rules.quiet.next_open(now)
    renderer = ReminderRenderer(rules, rules.today(send_at))
    parts = [_renewal_part(rules, today, renderer)]
    annual = current_annual(rules, today)
    if annual is not None:
        year = annual.cycle
        mark = _mark(renderer, annual)
        parts.append(_Part(ANNUAL_TARGETS, {"milestone": annual.milestone, "year": year,
                                            "held_by": date(year - 1, 12, 31), "opens": rules.opens_on(year),
                                            "due_on": annual.due_on}, lambda _e, _c, _d: mark))
    report = SweepReport()
    after = 0  # licence ids start at 1
    while True:
        with db.session() as session:
            upto = session.execute(WINDOW_END, {"after": after, "skip": window - 1}).scalar()
            if upto is None:  # the last window: fewer than `window` licences left
                upto = session.execute(select(func.max(L.c.id)).where(L.c.id > after)).scalar()
            if upto is None:
                break
            for part in parts:
                report += _write(session, part, {"after": after, "upto": upto}, now, send_at)
            if dry:
                session.rollback()
        after = upto
    report.deferred = report.created if send_at > now else 0
    if not dry:
        metrics.REMINDERS.labels("created").inc(report.created)  # after the commits: counted once
    return report


WINDOW_END = (select(L.c.id).where(L.c.id > bindparam("after", type_=Integer)).order_by(L.c.id)
              .limit(1).offset(bindparam("skip", type_=Integer)))  # the (skip + 1)th licence id after `after`


def _renewal_part(rules: Rules, today: date, renderer: ReminderRenderer) -> _Part:
    bands = renewal_bands(rules, today)
    by_days = {b.milestone.days: b.milestone for b in bands}
    marks: dict[tuple[int, date | str, int], _Mark] = {}

    def mark_of(expires_on: date | str, cycle: int, days: int) -> _Mark:
        found = marks.get((days, expires_on, cycle))
        if found is None:
            due = renewal_due(by_days[days], as_date(expires_on), cycle)
            found = marks[days, expires_on, cycle] = _mark(renderer, due)
        return found

    return _Part(renewal_targets(rules.renewal), {f"upto{i}": band.upto for i, band in enumerate(bands)}, mark_of)


def _targets(kind: str, milestone: Any, cycle: Any, days: Any, *where: Any) -> Select[Any]:
    """(licence, active subscription, language, days) rows of the window (after, upto] of licence ids,
    for licences whose milestone is not in the ledger."""
    in_ledger = select(literal_column("1")).where(R.c.license_id == L.c.id, R.c.kind == kind,
                                                  R.c.milestone == milestone, R.c.cycle == cycle).exists()
    joined = (L.join(S, and_(S.c.license_id == L.c.id, S.c.status == "active"))
              .outerjoin(U, and_(U.c.channel == S.c.channel, U.c.user_id == S.c.user_id)))
    return (select(L.c.id, L.c.number, L.c.company, L.c.license_type, L.c.expires_on, L.c.cycle,
                   S.c.id.label("sub_id"), S.c.channel, S.c.chat_id, func.coalesce(U.c.lang, S.c.lang).label("lang"),
                   days.label("days"))
            .select_from(joined)
            .where(L.c.id > bindparam("after", type_=Integer), L.c.id <= bindparam("upto", type_=Integer),
                   *where, ~in_ledger)
            .order_by(L.c.id, S.c.id))


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
    # Sent if due on or after tracked_from (horizon >= days), or the latest due that day (registered inside
    # its window): horizon above the next milestone's days. The last band (long expired) has no next one.
    after = by_band([-NO_BOUND] + [m.days for m in asc[:-1]])
    return _targets(RENEWAL, by_band([m.name for m in asc]), L.c.cycle, days,
                    L.c.expires_on <= bindparam(f"upto{len(asc) - 1}", type_=Date), L.c.horizon_days > after)


ANNUAL_TARGETS = _targets(
    ANNUAL, bindparam("milestone", type_=String), bindparam("year", type_=Integer), literal_column("0", Integer),
    or_(L.c.issued_on.is_(None), L.c.issued_on <= bindparam("held_by", type_=Date)),
    L.c.expires_on >= bindparam("opens", type_=Date),
    or_(L.c.annual_done_year.is_(None), L.c.annual_done_year < bindparam("year", type_=Integer)),
    L.c.created_on <= bindparam("due_on", type_=Date),
)

# Columns given per row; the rest are the same for every row of a window (see _write).
OUTBOX_COLUMNS = ("channel", "chat_id", "dedupe_key", "body")


def _write(session: Session, part: _Part, window: dict[str, Any], now: datetime, send_at: datetime) -> SweepReport:
    """Read one window's targets (light tuples), then fill in their messages and insert them.

    All targets are read before the first insert: the query reads the ledger it filters on.
    """
    rows = _fetch(session, part.query, part.params | window)
    report = SweepReport()
    if not rows:
        return report
    mark_of = part.mark_of
    ledger: list[tuple[int, _Mark]] = []
    messages: list[tuple[str, str, str, str]] = []
    last = None
    for lid, number, company, license_type, expires_on, cycle, sub_id, channel, chat_id, lang, days in rows:
        mark = mark_of(expires_on, cycle, days)
        if lid != last:  # rows come ordered by licence: one ledger row each
            ledger.append((lid, mark))
            last = lid
        text_id = str(lid)
        body = mark.stencils[pick(lang, "zh", "en")].fill(text_id, number, company, license_type, expires_on,
                                                                 mark.due_on)
        messages.append((channel, chat_id, f"rem:{text_id}{mark.key}{sub_id}", body))  # = dedupe_key(lid, due, sub)
    if part.query is not ANNUAL_TARGETS:  # renewal reminders say what the licence's case still misses
        notes = case_notes(session, (lid for lid, _ in ledger))
        if notes:
            langs = [row[9] for row in rows]
            messages = [(c, chat, key, with_note(body, notes[lid][pick(lang, "zh", "en")]))
                        if lid in notes else (c, chat, key, body)
                        for (c, chat, key, body), lid, lang in zip(messages, (row[0] for row in rows), langs, strict=True)]
    report.milestones = _write_ledger(session, ledger, now)
    report.created = insert_ignoring_duplicates(
        session, OUTBOX, OUTBOX_COLUMNS, messages, ("dedupe_key",), json_text=("body",),
        same={"kind": REMINDER_KIND, "status": "pending", "attempts": 0, "not_before": send_at, "created_at": now,
              "sent_at": None, "last_error": ""})
    return report


def _write_ledger(session: Session, ledger: list[tuple[int, _Mark]], now: datetime) -> int:
    """Ledger rows for these licences; one milestone for all of them (the annual report) is written once."""
    first = ledger[0][1].due
    same: dict[str, Any] = {"kind": first.kind, "created_at": now}
    if all(mark.due is first for _, mark in ledger):
        names: tuple[str, ...] = ("license_id",)
        rows: list[tuple[Any, ...]] = [(lid,) for lid, _ in ledger]
        same |= {"milestone": first.milestone, "cycle": first.cycle, "due_on": first.due_on}
    else:
        names = ("license_id", "milestone", "cycle", "due_on")
        rows = [(lid, mark.due.milestone, mark.due.cycle, mark.due.due_on) for lid, mark in ledger]
    return insert_ignoring_duplicates(session, R, names, rows, ("license_id", "kind", "milestone", "cycle"), same=same)


def _fetch(session: Session, query: Select[Any], params: dict[str, Any]) -> list[Any]:
    """The rows as the driver returns them: plain tuples, cheaper to make than SQLAlchemy's rows, and not
    tracked by the garbage collector (at 100,000 rows, rows and the collections they cause cost 0.7 s).
    No result types are applied: dates are ISO text on SQLite (scheduler.milestones.as_date)."""
    result = session.connection().execute(query, params)
    try:
        rows: list[Any] = result.cursor.fetchall()
    finally:
        result.close()
    return rows
