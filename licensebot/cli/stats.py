"""`licensebot stats [--since DATE] [--until DATE]`: how the hand-off to consultants went in a period.

Dates are Asia/Shanghai calendar days, both included. Each figure counts the events inside the
period: tickets opened, claimed and closed; the median time from opening to a consultant's first
reply in business hours (tickets opened in the period); the satisfaction ratings given in the period.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, func, select

from bot.clock import SHANGHAI, as_utc
from bot.hours import BusinessHours, business_hours
from bot.settings import Settings
from bot.storage.db import Database
from intents.handoff_models import Ticket


@dataclass(frozen=True)
class HandoffStats:
    opened: int
    claimed: int
    closed: int
    first_reply_minutes: list[float] = field(default_factory=list)
    ratings: list[int] = field(default_factory=list)

    @property
    def median_first_reply(self) -> float | None:
        return statistics.median(self.first_reply_minutes) if self.first_reply_minutes else None

    @property
    def mean_rating(self) -> float | None:
        return sum(self.ratings) / len(self.ratings) if self.ratings else None


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", metavar="YYYY-MM-DD", help="first day (Asia/Shanghai); default: the beginning")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="last day, included; default: today")


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def _in(column: object, start: datetime | None, end: datetime | None) -> list:
    conds = [col(column).is_not(None)]  # type: ignore[arg-type]
    if start is not None:
        conds.append(col(column) >= start)  # type: ignore[arg-type]
    if end is not None:
        conds.append(col(column) < end)  # type: ignore[arg-type]
    return conds


def compute(session: Session, since: date | None, until: date | None,
            hours: BusinessHours | None = None) -> HandoffStats:
    """The figures; with `hours`, waits count business time only (a ticket opened on Friday evening and
    answered at 09:10 on Monday waited 10 minutes)."""
    start = day_start(since) if since else None
    end = day_start(until + timedelta(days=1)) if until else None

    def count(column: object) -> int:
        return int(session.exec(select(func.count()).select_from(Ticket).where(*_in(column, start, end))).one())

    replied = session.exec(select(Ticket.created_at, Ticket.first_reply_at).where(
        *_in(Ticket.created_at, start, end), col(Ticket.first_reply_at).is_not(None))).all()
    ratings = session.exec(select(Ticket.rating).where(*_in(Ticket.rated_at, start, end),
                                                       col(Ticket.rating).is_not(None))).all()
    return HandoffStats(
        opened=count(Ticket.created_at), claimed=count(Ticket.claimed_at), closed=count(Ticket.closed_at),
        first_reply_minutes=sorted(_minutes(as_utc(c), as_utc(r), hours) for c, r in replied if r),
        ratings=[int(r) for r in ratings if r is not None],
    )


def _minutes(start: datetime, end: datetime, hours: BusinessHours | None) -> float:
    seconds = hours.open_seconds_between(start, end) if hours is not None else (end - start).total_seconds()
    return seconds / 60


def report(stats: HandoffStats, since: date | None, until: date | None) -> str:
    period = f"{since.isoformat() if since else 'the beginning'} – {until.isoformat() if until else 'now'}"
    lines = [f"Hand-off to consultants, {period} (Asia/Shanghai)",
             f"  tickets opened:  {stats.opened}",
             f"  tickets claimed: {stats.claimed}",
             f"  tickets closed:  {stats.closed}"]
    median = stats.median_first_reply
    lines.append("  median time to first consultant reply (business hours): "
                 + (f"{median:.0f} min (over {len(stats.first_reply_minutes)} tickets)" if median is not None
                    else "— (no replies)"))
    mean = stats.mean_rating
    if mean is None:
        lines.append("  satisfaction: — (no ratings)")
    else:
        spread = ", ".join(f"{n}: {stats.ratings.count(n)}" for n in range(5, 0, -1))
        lines.append(f"  satisfaction: {mean:.1f} / 5 from {len(stats.ratings)} ratings ({spread})")
    return "\n".join(lines)


def parse_day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{name}: {value!r} is not a date; use YYYY-MM-DD") from None


def main(args: argparse.Namespace, settings: Settings) -> int:
    try:
        since, until = parse_day(args.since, "--since"), parse_day(args.until, "--until")
    except ValueError as exc:
        print(f"licensebot stats: {exc}", file=sys.stderr)
        return 2
    if since and until and since > until:
        print("licensebot stats: --since is after --until", file=sys.stderr)
        return 2
    db = Database(settings.database_url)
    db.upgrade()
    with db.session() as session:
        stats = compute(session, since, until, business_hours(settings))
    print(report(stats, since, until))
    db.dispose()
    return 0
