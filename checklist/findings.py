"""What a consultant's case packet says about the client's latest renewal checklist: the answers in
words (not codes), and what the checklist found on the day the ticket opened: the last day to
submit, days left, urgency, and the items marked "do first" (e.g. a foreign share over the cap)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.clock import SHANGHAI, as_utc
from bot.language import pick
from bot.provinces import find_province
from checklist.plan import Answers, build_plan
from checklist.rules import ChecklistRules
from checklist.store import recent_checklists

URGENCY = {"expired": ("已过期", "expired"), "deadline_passed": ("已过最晚提交日", "submission deadline passed"),
           "urgent": ("紧急", "urgent"), "prepare_now": ("应开始准备", "prepare now"),
           "on_track": ("时间充裕", "on track")}


def _labels(rules: ChecklistRules, kind: str, values: list[str] | tuple[str, ...], lang: str) -> str:
    names = [c.label.get(lang) if (c := rules.choice(kind, v)) else v for v in values]
    return pick(lang, "、", ", ").join(names) or pick(lang, "无", "none")


def _lines(rules: ChecklistRules, answers: Answers, made: datetime, now: datetime, lang: str) -> list[str]:
    lt = rules.license(answers.license)
    name = lt.name.get(lang) if lt else answers.license
    province = find_province(answers.province) if answers.province else None
    if answers.scope == "provincial" and province is not None:
        scope = pick(lang, f"地网（{province.name}）", f"provincial ({province.en})")
    else:
        scope = _labels(rules, "scope", [answers.scope], lang)
    plan = build_plan(rules, answers, now.astimezone(SHANGHAI).date())
    submit_by = plan.date_of("submit_by").isoformat()
    level = pick(lang, *URGENCY.get(plan.urgency.level, (plan.urgency.level, plan.urgency.level)))
    days = plan.days_to_submit
    changes, foreign = _labels(rules, "changes", answers.changes, lang), _labels(rules, "foreign", [answers.foreign], lang)
    special = _labels(rules, "special", answers.special, lang)
    lines = [
        pick(lang, "续期清单（{:%Y-%m-%d}填写）：", "Renewal checklist (filled in {:%Y-%m-%d}): ").format(
            as_utc(made).astimezone(SHANGHAI)) + f"{name} · {scope} · " + pick(
            lang, f"编号 {answers.number or '未填'} · 到期 {answers.expires.isoformat()}",
            f"number {answers.number or 'not given'} · expires {answers.expires.isoformat()}"),
        pick(lang, f"变更：{changes} · 外资：{foreign} · 前置审批：{special}",
             f"Changes: {changes} · foreign: {foreign} · prior approvals: {special}"),
        pick(lang, f"清单结论：最晚提交日 {submit_by}（" + (f"还有{days}天" if days >= 0 else f"已过{-days}天") + f"），{level}",
             f"Finding: submit by {submit_by} (" + (f"{days} days left" if days >= 0 else f"{-days} days ago")
             + f"), {level}"),
    ]
    problems = [m.title.get(lang) for m in plan.items if m.first]
    if problems:
        lines.append(pick(lang, "需先处理：", "To settle first: ") + pick(lang, "；", "; ").join(problems))
    return lines


def checklist_findings(session: Session, channel: str, user_id: str, rules: ChecklistRules,
                       now: datetime) -> dict[str, list[str]]:
    """{"zh": lines, "en": lines} about the client's latest checklist; {} when they have none."""
    latest = recent_checklists(session, channel, user_id, limit=1)
    if not latest:
        return {}
    record = latest[0]
    try:
        answers = record.to_answers()
        return {lang: _lines(rules, answers, record.created_at, now, lang) for lang in ("zh", "en")}
    except (ValueError, KeyError, StopIteration):  # saved under older rules: the packet goes without it
        return {}
