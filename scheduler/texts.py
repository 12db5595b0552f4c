"""Rendering a due milestone into the message a subscriber gets, with its buttons.

The sweep renders tens of thousands at once: `ReminderRenderer` keeps what does not depend on the
licence (template, labels, dates of the window) per milestone and language, and builds the Outbox
body directly (the same JSON bot/outbox.py reply_to_body would write).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from bot.messages import Reply
from bot.outbox import body_to_reply
from knowledge.codes import LICENSES, LICENSES_EN
from scheduler.milestones import ANNUAL, Due, apply_by
from scheduler.rules import Rules


class LicenseFacts(NamedTuple):
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


# (zh label, en label, payload with {id} = licence id and {type} = licence type code)
RENEWAL_BUTTONS = (("开始续期清单", "Renewal checklist", "/renew {type}"),
                   ("已续期", "Renewed", "/license {id} renewed"),
                   ("联系顾问", "Talk to a consultant", "/human"),
                   ("暂停提醒", "Pause reminders", "/license {id} pause"))
ANNUAL_BUTTONS = (("年报已完成", "Annual report done", "/license {id} annual"),
                  ("联系顾问", "Talk to a consultant", "/human"),
                  ("暂停提醒", "Pause reminders", "/license {id} pause"))


@dataclass(frozen=True)
class _Parts:
    """What a reminder of one milestone text, cycle and language has whatever the licence."""

    template: str
    names: dict[str, str]  # licence type code → its name in this language
    buttons: tuple[tuple[str, str, str, str], ...]  # (label, text before, "id" or "type", text after)
    fixed: dict[str, Any]  # values that do not depend on the licence
    tags: tuple[str, ...]  # "reminder", kind
    renewal: bool


def _split_payload(payload: str) -> tuple[str, str, str]:
    field = "id" if "{id}" in payload else "type" if "{type}" in payload else ""
    if not field:
        return payload, "", ""
    before, _, after = payload.partition("{" + field + "}")
    return before, field, after


class ReminderRenderer:
    """Renders reminders due for delivery on one day; caches per milestone text and language."""

    def __init__(self, rules: Rules, deliver_on: date) -> None:
        self.rules = rules
        self.deliver_on = deliver_on
        self._parts: dict[tuple[str, str, int, str], _Parts] = {}
        self._dates: dict[tuple[date, str], tuple[str, str]] = {}

    def _dates_of(self, expires_on: date, lang: str) -> tuple[str, str]:
        """(expiry, last day to apply) as shown in this language."""
        key = (expires_on, lang)
        if key not in self._dates:
            self._dates[key] = (show_date(expires_on, lang), show_date(apply_by(self.rules, expires_on), lang))
        return self._dates[key]

    def _parts_for(self, due: Due, lang: str) -> _Parts:
        key = (due.kind, due.text, due.cycle, lang)
        parts = self._parts.get(key)
        if parts is None:
            pick = 1 if lang == "en" else 0
            spec = ANNUAL_BUTTONS if due.kind == ANNUAL else RENEWAL_BUTTONS
            fixed: dict[str, Any] = {}
            if due.kind == ANNUAL:
                closes = self.rules.closes_on(due.cycle)
                fixed = {"year": due.cycle, "report_year": due.cycle - 1, "closes": show_date(closes, lang),
                         "days_to_close": max((closes - self.deliver_on).days, 0)}
            names = {**(LICENSES_EN if lang == "en" else LICENSES)}
            parts = _Parts(self.rules.texts[due.text].pick(lang), names,
                           tuple((b[pick], *_split_payload(b[2])) for b in spec), fixed,
                           ("reminder", due.kind), due.kind != ANNUAL)
            self._parts[key] = parts
        return parts

    def body(self, due: Due, lic: LicenseFacts, lang: str) -> dict[str, Any]:
        """The Outbox body of one reminder in the subscriber's language, as of the delivery day."""
        parts = self._parts_for(due, lang)
        values = parts.fixed.copy()
        values["company"], values["number"] = lic.company, lic.number
        values["license"] = parts.names.get(lic.license_type, lic.license_type)
        if parts.renewal:
            values["expires_on"], values["apply_by"] = self._dates_of(lic.expires_on, lang)
            values["days_left"] = (lic.expires_on - self.deliver_on).days
        lid = str(lic.id)
        buttons = [[label, before + (lid if field == "id" else lic.license_type if field else "") + after]
                   for label, before, field, after in parts.buttons]
        tags = [*parts.tags, due.milestone, "license:" + lid, f"cycle:{due.cycle}", f"due:{due.due_on}"]
        return {"text": parts.template.format_map(values), "buttons": buttons, "tags": tags}


def render_reminder(rules: Rules, due: Due, lic: LicenseFacts, lang: str, deliver_on: date) -> Reply:
    """One reminder as a Reply (what the subscriber will see)."""
    return body_to_reply(ReminderRenderer(rules, deliver_on).body(due, lic, lang))
