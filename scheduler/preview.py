"""What will go out: reminders queued in the Outbox, then milestones not written yet, by due date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from bot.storage.models import Outbox
from registry.models import License, Reminder, Subscription
from scheduler.milestones import upcoming
from scheduler.rules import Rules


@dataclass(frozen=True)
class Planned:
    license_number: str
    company: str
    kind: str
    milestone: str
    cycle: int
    due_on: date
    subscribers: int
    status: str  # "queued" (in the outbox, waiting to be sent) or "scheduled" (not written yet)

    def as_dict(self) -> dict[str, object]:
        return {"license_number": self.license_number, "company": self.company, "kind": self.kind,
                "milestone": self.milestone, "cycle": self.cycle, "due_on": self.due_on.isoformat(),
                "subscribers": self.subscribers, "status": self.status}


def preview(session: Session, rules: Rules, today: date, days: int) -> list[Planned]:
    """Reminders for licences with active subscribers, due from today through today + days."""
    end = today + timedelta(days=days)
    active = dict(session.execute(select(Subscription.license_id, func.count()).where(
        Subscription.status == "active").group_by(Subscription.license_id)).all())
    written = {(r.license_id, r.kind, r.milestone, r.cycle): r.due_on for r in session.execute(
        select(Reminder.license_id, Reminder.kind, Reminder.milestone, Reminder.cycle, Reminder.due_on))}
    queued: dict[int, dict[tuple[str, str, int], int]] = {}
    for (key,) in session.execute(select(Outbox.dedupe_key).where(
            Outbox.kind == "reminder", Outbox.status.in_(("pending", "sending")))):
        _, lic_id, kind, milestone, cycle, _sub = key.split(":")
        per = queued.setdefault(int(lic_id), {})
        per[(kind, milestone, int(cycle))] = per.get((kind, milestone, int(cycle)), 0) + 1
    has_subscriber = select(Subscription.id).where(Subscription.license_id == License.id,
                                                   Subscription.status == "active").exists()
    out: list[Planned] = []
    for lic in session.execute(select(License).where(has_subscriber)).scalars():
        for (kind, milestone, cycle), n in queued.get(lic.id, {}).items():
            due_on = written.get((lic.id, kind, milestone, cycle), today)
            out.append(Planned(lic.number, lic.company, kind, milestone, cycle, due_on, n, "queued"))
        for due in upcoming(rules, expires_on=lic.expires_on, cycle=lic.cycle, tracked_from=lic.tracked_from,
                            created_on=lic.created_on, issued_on=lic.issued_on,
                            annual_done_year=lic.annual_done_year, start=today, end=end):
            if (lic.id, due.kind, due.milestone, due.cycle) not in written:
                out.append(Planned(lic.number, lic.company, due.kind, due.milestone, due.cycle,
                                   max(due.due_on, today),  # one caught up at registration goes out at once
                                   active.get(lic.id, 0), "scheduled"))
    return sorted(out, key=lambda p: (p.due_on, p.license_number, p.kind))
