"""Escalation: a 30- or 14-day renewal reminder nobody acknowledged goes to the licence's second
contact and to the consultants (rules.yaml renewal.escalate). Idempotent: one Outbox row per
(licence, milestone, cycle, target), so running it every sweep writes each escalation once.

A licence whose renewal case is submitted or renewed, or whose cycle moved on (marked renewed), is
not escalated: its reminder is no longer the current one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot.messages import Button, ChatRef, Reply
from bot.outbox import enqueue
from bot.storage.db import Database
from cases.models import RENEWED, SUBMITTED, RenewalCase
from registry.contacts import contacts_of
from registry.models import RENEWAL, License, Reminder
from scheduler.milestones import apply_by
from scheduler.rules import Rules
from scheduler.texts import license_name, show_date

ESCALATION_KIND = "reminder"  # delivered like a reminder: quiet hours apply
KEY_PREFIX = "esc"


def escalation_key(license_id: int, milestone: str, cycle: int, to: ChatRef) -> str:
    return f"{KEY_PREFIX}:{license_id}:{milestone}:{cycle}:{to.channel}:{to.chat_id}"[:255]


def escalation_text(rules: Rules, lic: License, reminder: Reminder, today_days: int) -> str:
    deadline = apply_by(rules, lic.expires_on)
    zh = (f"【续期提醒·未确认】{lic.company}的{license_name(lic.license_type, 'zh')}（{lic.number}）将于"
          f"{show_date(lic.expires_on, 'zh')}到期（还有{today_days}天）。到期前{reminder.milestone[1:]}天的续期提醒"
          f"于{show_date(reminder.due_on, 'zh')}发出，至今没有人确认“已在处理”。续期申请截止日为{show_date(deadline, 'zh')}。"
          "请与负责续期的同事确认进展，或联系顾问。")
    en = (f"[Renewal, not acknowledged] The {license_name(lic.license_type, 'en')} of {lic.company} ({lic.number}) "
          f"expires on {lic.expires_on} ({today_days} days). The {reminder.milestone[1:]}-day reminder of "
          f"{reminder.due_on} has not been acknowledged; the renewal deadline is {deadline}.")
    return f"{zh}\n{en}"


def escalate(db: Database, rules: Rules, consultants: Sequence[ChatRef], now: datetime) -> int:
    """Write the escalations due at `now`; returns how many Outbox rows were new."""
    names = [f"d{d}" for d in rules.escalate_days]
    # counted from when the reminder was written: one caught up at registration has an earlier due date
    cutoff = now - timedelta(days=rules.escalate_after_days)
    send_at = rules.quiet.next_open(now)
    created = 0
    with db.session() as session:
        rows = session.exec(select(Reminder, License).join(License, col(License.id) == Reminder.license_id).where(
            Reminder.kind == RENEWAL, col(Reminder.milestone).in_(names), Reminder.cycle == License.cycle,
            col(Reminder.acknowledged_at).is_(None), Reminder.created_at <= cutoff)).all()
        for reminder, lic in rows:
            if _settled(session, lic):
                continue
            targets = [*contacts_of(session, lic.id or 0), *consultants]
            days = (lic.expires_on - rules.today(send_at)).days
            reply = Reply(escalation_text(rules, lic, reminder, days),
                          buttons=(Button("查看续期案件 / Renewal case", f"/mycase {lic.id}"),
                                   Button("联系顾问 / Consultant", "/human")),
                          tags=("reminder", "escalation", reminder.milestone, f"license:{lic.id}",
                                f"cycle:{reminder.cycle}", f"due:{reminder.due_on}"))
            for to in dict.fromkeys(targets):
                created += enqueue(session, to, reply, ESCALATION_KIND,
                                   escalation_key(lic.id or 0, reminder.milestone, reminder.cycle, to), now, send_at)
    return created


def _settled(session: Session, lic: License) -> bool:
    case = session.exec(select(RenewalCase).where(RenewalCase.license_id == lic.id,
                                                  RenewalCase.cycle == lic.cycle)).first()
    return case is not None and case.status in (SUBMITTED, RENEWED)
