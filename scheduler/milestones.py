"""Pure date arithmetic: which milestones a licence has, which is due on a day, and the SQL bands.

No database and no clock here: every function takes the business date it works on.

Registration rule: a licence registered (or given a new expiry) inside a window gets that window's
milestone at once, i.e. the latest milestone due on the day tracking starts counts too; earlier ones
never do (one message, not a burst).

Catch-up rule: on any day only the *latest* milestone already due counts. A sweep that runs after
downtime therefore sends the one that matters now, not a burst of stale ones; a sweep that runs
every few minutes sends every milestone, in order, on its day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from registry.models import ANNUAL, RENEWAL
from scheduler.rules import AnnualMilestone, RenewalMilestone, Rules


@dataclass(frozen=True)
class Due:
    """One milestone of one licence: the ledger key without the licence, plus its day."""

    kind: str  # RENEWAL | ANNUAL
    milestone: str
    cycle: int  # renewal: the licence's cycle; annual: the year the report is filed in
    due_on: date
    text: str  # the name of the text in rules.texts


@dataclass(frozen=True)
class Band:
    """Licences whose latest due renewal milestone today is `milestone`: expires_on in (after, upto]."""

    milestone: RenewalMilestone
    after: date | None  # exclusive lower bound; None = no bound
    upto: date  # inclusive upper bound


def renewal_due(m: RenewalMilestone, expires_on: date, cycle: int) -> Due:
    return Due(RENEWAL, m.name, cycle, expires_on - timedelta(days=m.days), m.text)


def annual_due(m: AnnualMilestone, year: int) -> Due:
    return Due(ANNUAL, m.name, year, m.on(year), m.text)


def renewal_schedule(rules: Rules, expires_on: date, cycle: int) -> list[Due]:
    """Every renewal milestone of a cycle, earliest first."""
    return [renewal_due(m, expires_on, cycle) for m in rules.renewal]


def tracked(rules: Rules, expires_on: date, cycle: int, tracked_from: date) -> list[Due]:
    """The renewal milestones of a cycle that may be sent: those due from `tracked_from` on, and the
    latest one already due that day (a licence registered inside a window hears about it at once)."""
    schedule = renewal_schedule(rules, expires_on, cycle)
    due = [d for d in schedule if d.due_on <= tracked_from]
    return ([due[-1]] if due else []) + [d for d in schedule if d.due_on > tracked_from]


def latest_renewal(rules: Rules, expires_on: date, cycle: int, tracked_from: date, today: date) -> Due | None:
    """The latest renewal milestone due by `today`, if it may be sent (see `tracked`)."""
    due = [d for d in renewal_schedule(rules, expires_on, cycle) if d.due_on <= today]
    return due[-1] if due and due[-1] in tracked(rules, expires_on, cycle, tracked_from) else None


def renewal_bands(rules: Rules, today: date) -> list[Band]:
    """Split licences by expiry so each band has one latest-due milestone (the sweep's SQL ranges).

    Milestone days d0 < d1 < … : a licence with days_left in (d[i-1], d[i]] has d[i] as its latest
    due milestone, i.e. expires_on in (today + d[i-1], today + d[i]].
    """
    ascending = sorted(rules.renewal, key=lambda m: m.days)
    bands = []
    for i, m in enumerate(ascending):
        after = today + timedelta(days=ascending[i - 1].days) if i else None
        bands.append(Band(m, after, today + timedelta(days=m.days)))
    return bands


def annual_eligible(rules: Rules, year: int, issued_on: date | None, expires_on: date,
                    annual_done_year: int | None) -> bool:
    """Held on 31 December of the year before (so it files in `year`) and not yet marked filed."""
    if issued_on is not None and issued_on > date(year - 1, 12, 31):
        return False
    if expires_on < rules.opens_on(year):
        return False
    return annual_done_year is None or annual_done_year < year


def current_annual(rules: Rules, today: date) -> Due | None:
    """The latest annual-report milestone due by `today`, while this year's window is open."""
    if not rules.opens_on(today.year) <= today <= rules.closes_on(today.year):
        return None
    due = [annual_due(m, today.year) for m in rules.annual if m.on(today.year) <= today]
    return due[-1] if due else None


def annual_schedule(rules: Rules, years: Iterable[int]) -> list[Due]:
    return [annual_due(m, y) for y in years for m in rules.annual]


def upcoming(rules: Rules, *, expires_on: date, cycle: int, tracked_from: date, created_on: date,
             issued_on: date | None, annual_done_year: int | None, start: date, end: date) -> list[Due]:
    """Milestones of one licence due in [start, end] that the sweep would send (for preview and tests).

    Assumes the licence is not changed meanwhile and the sweep runs at least daily.
    """
    out = [d for d in tracked(rules, expires_on, cycle, tracked_from)  # a caught-up one goes out on tracked_from
           if start <= max(d.due_on, tracked_from) <= end]
    for d in annual_schedule(rules, range(start.year, end.year + 1)):
        if (start <= d.due_on <= end and d.due_on >= created_on
                and annual_eligible(rules, d.cycle, issued_on, expires_on, annual_done_year)):
            out.append(d)
    return sorted(out, key=lambda d: (d.due_on, d.kind))


def as_date(value: date | str) -> date:
    """A date from the database as the driver returns it: a date, or ISO text (SQLite)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def apply_by(rules: Rules, expires_on: date) -> date:
    """The last day to apply for renewal (42号令第二十七条: at least N days before expiry)."""
    return expires_on - timedelta(days=rules.apply_days_before)
