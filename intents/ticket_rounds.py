"""Unclaimed tickets, on the scheduler's clock (`round_job`, every `round_interval`: the composition root,
licensebot/runtime.py, hands it to the scheduler):

    opened after hours ──office opens──▶ announced again ("上班了")
    waiting ──every HANDOFF_REANNOUNCE_MINUTES of business time──▶ re-announced, at most
              HANDOFF_REANNOUNCE_MAX times ──as long again──▶ escalated once, to HANDOFF_ESCALATE_TO (a
              lead) or else the consultants' group (or every consultant)

Only during business hours. Each announcement has its own outbox dedupe key, so two workers or a
second call at the same moment announce nothing twice; waiting ticket rows are taken with
SKIP LOCKED.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from bot.clock import as_utc
from bot.context import Services
from bot.hours import business_hours
from bot.messages import ChatRef
from bot.settings import Settings
from bot.staff import parse_staff, staff
from intents.handoff_models import WAITING, Ticket
from intents.tickets import announce


@dataclass
class RoundReport:
    opening: list[int] = field(default_factory=list)  # ticket ids announced as the office opened
    reminded: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)

    @property
    def touched(self) -> list[int]:
        return sorted({*self.opening, *self.reminded, *self.escalated})


ROUND_SECONDS = 60  # re-announcements count whole business minutes (or the sweep's, if shorter)


def round_job(services: Services) -> RoundReport:
    """One round in its own transaction (see `handoff_round`)."""
    with services.db.session() as session:
        return handoff_round(session, services.settings, services.clock.now())


def round_interval(settings: Settings) -> float:
    """Seconds between rounds: a minute, or the sweep's interval if shorter."""
    return max(1, min(ROUND_SECONDS, settings.sweep_interval_seconds))


def escalation_targets(settings: Settings) -> list[ChatRef]:
    """The named lead (HANDOFF_ESCALATE_TO), else the consultants' group, else every consultant."""
    lead = settings.handoff_escalate_to.strip()
    if lead:
        parsed = parse_staff(lead, "")
        if parsed.consultants:
            return [ChatRef(*sorted(parsed.consultants)[0])]
    return staff(settings).announce_targets()


def handoff_round(session: Session, settings: Settings, now: datetime) -> RoundReport:
    """Announce, re-announce or escalate each waiting ticket that is due (see the module docstring)."""
    report = RoundReport()
    hours = business_hours(settings)
    if not hours.is_open(now):
        return report
    every = settings.handoff_reannounce_minutes * 60
    last_round = 1 + max(settings.handoff_reannounce_max, 0)  # round 1 is the first announcement
    stmt = select(Ticket).where(Ticket.status == WAITING).order_by(col(Ticket.id))
    for ticket in session.exec(stmt.with_for_update(skip_locked=True)).all():
        announced = as_utc(ticket.announced_at)
        if not hours.is_open(announced):  # last announced while the office was closed
            ticket.announced_at = now
            announce(session, settings, ticket, now, kind="opening")
            report.opening.append(ticket.id or 0)
        elif every <= 0 or ticket.announce_round > last_round or hours.open_seconds_between(announced, now) < every:
            continue
        elif ticket.announce_round < last_round:
            ticket.announce_round += 1
            ticket.announced_at = now
            announce(session, settings, ticket, now, kind="reminder")
            report.reminded.append(ticket.id or 0)
        else:
            ticket.announce_round += 1  # past the last round: never again
            ticket.announced_at = now
            announce(session, settings, ticket, now, kind="escalated", targets=escalation_targets(settings))
            report.escalated.append(ticket.id or 0)
        session.add(ticket)
    return report


def reannounce_due(session: Session, settings: Settings, now: datetime) -> list[int]:
    """The ids of the tickets announced again in this round (for tests and operators)."""
    return handoff_round(session, settings, now).touched
