"""Rendering a due milestone into the Reply a subscriber gets, with its buttons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.messages import Button, Reply
from knowledge.codes import LICENSES, LICENSES_EN
from scheduler.milestones import ANNUAL, Due, apply_by
from scheduler.rules import Rules


@dataclass(frozen=True)
class LicenseFacts:
    """What a reminder says about a licence (a row of the sweep's query)."""

    id: int
    number: str
    company: str
    license_type: str
    expires_on: date


def license_name(code: str, lang: str) -> str:
    names = LICENSES_EN if lang == "en" else LICENSES
    return names.get(code, code)


def show_date(d: date, lang: str) -> str:
    return d.isoformat() if lang == "en" else f"{d.year}年{d.month}月{d.day}日"


def renew_payload(lic: LicenseFacts) -> str:
    """The button that starts the renewal checklist for this licence."""
    return f"/renew {lic.license_type}"


def reminder_buttons(due: Due, lic: LicenseFacts, lang: str) -> tuple[Button, ...]:
    def say(zh: str, en: str) -> str:
        return en if lang == "en" else zh

    human = Button(say("联系顾问", "Talk to a consultant"), "/human")
    pause = Button(say("暂停提醒", "Pause reminders"), f"/license {lic.id} pause")
    if due.kind == ANNUAL:
        return (Button(say("年报已完成", "Annual report done"), f"/license {lic.id} annual"), human, pause)
    return (Button(say("开始续期清单", "Renewal checklist"), renew_payload(lic)),
            Button(say("已续期", "Renewed"), f"/license {lic.id} renewed"), human, pause)


def render_reminder(rules: Rules, due: Due, lic: LicenseFacts, lang: str, deliver_on: date) -> Reply:
    """The reminder text in the subscriber's language, as of the day it will be delivered."""
    values: dict[str, object] = {
        "company": lic.company, "license": license_name(lic.license_type, lang), "number": lic.number,
    }
    if due.kind == ANNUAL:
        closes = rules.closes_on(due.cycle)
        values |= {"year": due.cycle, "report_year": due.cycle - 1, "closes": show_date(closes, lang),
                   "days_to_close": max((closes - deliver_on).days, 0)}
    else:
        values |= {"expires_on": show_date(lic.expires_on, lang), "days_left": (lic.expires_on - deliver_on).days,
                   "apply_by": show_date(apply_by(rules, lic.expires_on), lang)}
    text = rules.texts[due.text].pick(lang).format(**values)
    tags = ("reminder", due.kind, due.milestone, f"license:{lic.id}", f"cycle:{due.cycle}", f"due:{due.due_on}")
    return Reply(text, buttons=reminder_buttons(due, lic, lang), tags=tags)
