"""The logic of `licensebot checklist`: the renewal checklist from option values given at once, read by
the chat flow's own steps (checklist/steps.py), so the same answers give the same checklist.

licensebot/cli/checklist.py is the thin wrapper: its arguments, exit codes and files.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.problems import Problem, UsageError
from bot.steps import CHOICE, MULTI, Env, read_answer
from checklist.plan import Answers, Plan, build_plan, plan_json, plan_text
from checklist.rules import ChecklistRules
from checklist.steps import RENEWAL_STEPS, basic_telecom

VALUES = ("license", "scope", "province", "number", "expires", "changes", "foreign", "special")  # step ids
DEFAULTS = {"foreign": "none"}


def collect_answers(values: dict[str, str | None], rules: ChecklistRules, today: date, lang: str) -> dict[str, Any]:
    """Feed each value to its step, in the chat's order; raise UsageError naming the bad option."""
    answers: dict[str, Any] = {}
    for step in RENEWAL_STEPS:
        env = Env(dict(answers), today, lang, rules)
        raw = values.get(step.id)
        if not step.applies(env):
            if raw is not None:
                raise UsageError(f"--{step.id} does not apply to these answers (" + (
                    "only with --scope provincial" if step.id == "province" else
                    "this licence type has no prior-approval question") + ")")
            continue
        if raw is None:
            raw = DEFAULTS.get(step.id)
        if raw is None:
            if step.kind == MULTI or step.optional or step.id in answers:
                answers.setdefault(step.id, [] if step.kind == MULTI else None)
                continue
            raise UsageError(f"--{step.id} is required" + (" with --scope provincial" if step.id == "province" else ""))
        outcome = read_answer(step, raw, env)
        if isinstance(outcome, Problem) and step.kind in (CHOICE, MULTI):
            codes = ", ".join(o.value for o in step.options(env))
            raise UsageError(f"--{step.id} {raw!r}: expected " + ("a comma-separated list of " if step.kind == MULTI
                                                                   else "one of ") + codes)
        if isinstance(outcome, Problem):
            raise UsageError(f"--{step.id} {raw!r}: {outcome.text(lang)}")
        answers.update(outcome)
        refused = basic_telecom(rules, answers.get("license"))
        if refused is not None:
            raise UsageError(refused.text(lang))
    return answers


def checklist_plan(rules: ChecklistRules, values: dict[str, str | None], today: date, lang: str) -> Plan:
    """The checklist for these values (by step id, None = not given); UsageError for a bad one."""
    return build_plan(rules, Answers.from_dict(collect_answers(values, rules, today, lang)), today)


def plan_output(rules: ChecklistRules, plan: Plan, lang: str, as_json: bool) -> str:
    """What the command prints: the checklist as text, or as JSON."""
    if as_json:
        return json.dumps(plan_json(rules, plan, lang), ensure_ascii=False, indent=2)
    return plan_text(rules, plan, lang)
