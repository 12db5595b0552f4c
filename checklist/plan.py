"""Apply the checklist rules to a client's answers: the items, the timeline and the urgency.

One engine for the chat flow, the CLI (`licensebot checklist`) and the .xlsx export.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from bot.language import pick
from bot.provinces import find_province
from checklist.rules import ChecklistRules, LicenseType, Material, Milestone, UrgencyLevel


@dataclass(frozen=True)
class Answers:
    """What the client told us; plain data, stored as JSON (`to_dict` / `from_dict`)."""

    license: str
    scope: str  # provincial | nationwide
    expires: date
    province: str | None = None  # province name, e.g. 北京 (provincial scope only)
    number: str | None = None  # canonical licence number, if given
    changes: tuple[str, ...] = ()
    foreign: str = "none"
    special: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(expires=self.expires.isoformat(), changes=list(self.changes), special=list(self.special))
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answers:
        """Rebuild from stored JSON; raises ValueError when something is missing or malformed."""
        try:
            return cls(license=str(data["license"]), scope=str(data["scope"]),
                       expires=date.fromisoformat(str(data["expires"])),
                       province=data.get("province") or None, number=data.get("number") or None,
                       changes=tuple(data.get("changes") or ()), foreign=str(data.get("foreign") or "none"),
                       special=tuple(data.get("special") or ()))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"incomplete checklist answers: {exc}") from None


@dataclass(frozen=True)
class PlanDate:
    milestone: Milestone
    on: date
    past: bool


@dataclass(frozen=True)
class Plan:
    answers: Answers
    today: date
    license: LicenseType
    items: tuple[Material, ...]
    dates: tuple[PlanDate, ...]
    urgency: UrgencyLevel
    days_to_submit: int  # negative once the last day to submit has passed

    @property
    def application(self) -> str:
        """'renewal', or 'new' when the licence can no longer be renewed."""
        return self.urgency.application

    def date_of(self, milestone_id: str) -> date:
        return next(d.on for d in self.dates if d.milestone.id == milestone_id)

    def banner(self, lang: str) -> str:
        return self.urgency.message.get(lang).format(
            submit_by=self.date_of("submit_by").isoformat(), expires=self.date_of("expires").isoformat(),
            days=self.days_to_submit)


def milestone_dates(rules: ChecklistRules, expires: date, today: date) -> tuple[PlanDate, ...]:
    out = []
    for m in rules.timeline:
        on = expires - timedelta(days=m.days_before_expiry)
        out.append(PlanDate(m, on, on < today))
    return tuple(out)


def choose_urgency(rules: ChecklistRules, dates: dict[str, date], today: date) -> UrgencyLevel:
    tests = {
        "after_expires": lambda level: today > dates["expires"],
        "after_submit_by": lambda level: today > dates["submit_by"],
        "submit_by_within": lambda level: (dates["submit_by"] - today).days <= level.within_days,
        "on_or_after_prepare_from": lambda level: today >= dates["prepare_from"],
        "always": lambda level: True,
    }
    return next(level for level in rules.urgency if tests[level.applies](level))


def facts(rules: ChecklistRules, answers: Answers, application: str) -> dict[str, str | tuple[str, ...] | None]:
    """What the materials' conditions test."""
    lt = rules.license(answers.license)
    return {
        "license": answers.license, "class": lt.cls if lt else None, "scope": answers.scope,
        "province": answers.province, "changes": answers.changes, "foreign": answers.foreign,
        "special": answers.special, "application": application, "number": "given" if answers.number else "none",
    }


def build_plan(rules: ChecklistRules, answers: Answers, today: date) -> Plan:
    """The checklist for these answers on this (business) day."""
    license_type = rules.license(answers.license)
    if license_type is None:
        raise ValueError(f"unknown licence type {answers.license!r}")
    dates = milestone_dates(rules, answers.expires, today)
    by_id = {d.milestone.id: d.on for d in dates}
    urgency = choose_urgency(rules, by_id, today)
    known = facts(rules, answers, urgency.application)
    chosen = [m for m in rules.materials
              if m.when.matches(known) and not (m.unless is not None and m.unless.matches(known))]
    group_order = {g.id: i for i, g in enumerate(rules.groups)}
    chosen.sort(key=lambda m: (group_order[m.group], not m.first))  # stable: YAML order otherwise
    return Plan(answers, today, license_type, tuple(chosen), dates, urgency,
                (by_id["submit_by"] - today).days)


def plan_json(rules: ChecklistRules, plan: Plan, lang: str = "zh") -> dict[str, Any]:
    """The plan as JSON-ready data (the CLI's --json)."""
    groups = {g.id: g.name.get(lang) for g in rules.groups}
    return {
        "license": plan.answers.license,
        "license_name": plan.license.name.get(lang),
        "scope": plan.answers.scope,
        "province": plan.answers.province,
        "number": plan.answers.number,
        "today": plan.today.isoformat(),
        "application": plan.application,
        "urgency": plan.urgency.level,
        "banner": plan.banner(lang),
        "days_to_submit": plan.days_to_submit,
        "dates": [{"id": d.milestone.id, "label": d.milestone.label.get(lang), "date": d.on.isoformat(),
                   "note": d.milestone.note.get(lang), "past": d.past} for d in plan.dates],
        "items": [{"id": m.id, "group": m.group, "group_name": groups[m.group], "title": m.title.get(lang),
                   "what": m.what.get(lang), "do_first": m.first, "confirm": m.confirm, "source": m.source}
                  for m in plan.items],
        "answers": plan.answers.to_dict(),
    }


def describe_answers(rules: ChecklistRules, answers: Answers, lang: str) -> str:
    """One line: licence, scope, number."""
    lt = rules.license(answers.license)
    parts = [lt.name.get(lang) if lt else answers.license]
    province = find_province(answers.province) if answers.province else None
    if answers.scope == "provincial" and province is not None:
        parts.append(pick(lang, f"地网（{province.name}）", f"Provincial ({province.en})"))
    else:
        scope = rules.choice("scope", answers.scope)
        parts.append(scope.label.get(lang) if scope else answers.scope)
    if answers.number:
        parts.append(answers.number)
    return " · ".join(parts)


def plan_summary_text(rules: ChecklistRules, plan: Plan, lang: str = "zh") -> str:
    """Title, banner and timeline (the first chat message of a result)."""
    renewal = plan.application == "renewal"
    title = pick(lang, "【续期清单】" if renewal else "【重新申请清单】",
                 "Renewal checklist: " if renewal else "New application checklist: ")
    marker = "⚠️ " if plan.urgency.level != "on_track" else ""
    lines = [title + describe_answers(rules, plan.answers, lang), "", marker + plan.banner(lang), "",
             pick(lang, "时间表：", "Timeline:")]
    for d in plan.dates:
        note = d.milestone.note.get(lang)
        note = pick(lang, f"（{note}）", f" ({note})") if note else ""
        past = pick(lang, "（已过）", " (passed)") if d.past else ""
        lines.append(f"・{d.on.isoformat()} {d.milestone.label.get(lang)}{past}{note}")
    return "\n".join(lines)


def _group_heading(index: int, name: str, lang: str) -> str:
    numerals = "一二三四五六七八九十"
    return pick(lang, f"{numerals[index]}、{name}" if index < len(numerals) else f"{index + 1}. {name}",
                f"{chr(ord('A') + index)}. {name}" if index < 26 else f"{index + 1}. {name}")


def plan_items_text(rules: ChecklistRules, plan: Plan, lang: str = "zh") -> str:
    """The items, grouped as the regulator reads them (the second chat message of a result)."""
    lines: list[str] = []
    n = 0
    for gi, group in enumerate(g for g in rules.groups if any(m.group == g.id for m in plan.items)):
        lines += ["", _group_heading(gi, group.name.get(lang), lang)] if lines else [
            _group_heading(gi, group.name.get(lang), lang)]
        for m in (m for m in plan.items if m.group == group.id):
            n += 1
            flag = pick(lang, "【先办】", "[do first] ") if m.first else ""
            flag += pick(lang, "【非法定，部分省份可能要求】", "[not a rule; some provinces may ask] ") if m.confirm else ""
            lines.append(f"{n}. {flag}{m.title.get(lang)} — {m.what.get(lang)}")
    if any(m.confirm for m in plan.items):
        lines += ["", pick(lang, "标注“非法定”的项目不是法规要求，是否需要请以发证机关或顾问意见为准。",
                           "Items marked “not a rule” are not legal requirements; check with the issuer or a consultant.")]
    return "\n".join(lines)


def plan_text(rules: ChecklistRules, plan: Plan, lang: str = "zh") -> str:
    """The whole checklist as plain text."""
    return plan_summary_text(rules, plan, lang) + "\n\n" + plan_items_text(rules, plan, lang)
