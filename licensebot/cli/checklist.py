"""`licensebot checklist …`: the renewal checklist from the command line, by the chat flow's own steps.

    licensebot checklist --license icp --scope provincial --province 北京 --expires 2027-03-15 \\
        [--number 京B2-20210001] [--changes shareholders,address] [--foreign 50plus] [--special news] \\
        [--today 2026-11-27] [--lang zh|en] [--json] [--xlsx FILE]

Each value goes through the same step spec (checklist/steps.py) the chat asks, so the same
answers give the same checklist. Bad values: a clear message and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from bot.problems import Problem
from bot.settings import Settings
from checklist.export import checklist_xlsx
from checklist.plan import Answers, build_plan, plan_json, plan_text
from checklist.rules import ChecklistRules, load_rules_for
from checklist.steps import RENEWAL_STEPS, basic_telecom
from intents.steps import CHOICE, MULTI, Env, read_answer
from licensebot.cli.common import UsageError, load_or_report, today_from, write_output
from licensebot.cli.confirm import add_force, may_write

DEFAULTS = {"foreign": "none"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--license", help="licence type code: icp, edi, idc, cdn, sp, isp, …")
    p.add_argument("--scope", help="provincial (地网) or nationwide (全网)")
    p.add_argument("--province", help="province of a provincial licence: 北京, 京, Beijing …")
    p.add_argument("--number", help="licence number, e.g. 京B2-20210001 (optional)")
    p.add_argument("--expires", help="expiry date: 2027-03-15, 2027年3月15日 …")
    p.add_argument("--changes", help="comma-separated: name,legal_rep,capital,shareholders,address,scope (or none)")
    p.add_argument("--foreign", help="none, below50 or 50plus (default none)")
    p.add_argument("--special", help="comma-separated: news,publishing,education,medical,drugs,culture")
    p.add_argument("--today", help="the business date to plan from (YYYY-MM-DD); default: today in Shanghai")
    p.add_argument("--lang", default="zh", choices=("zh", "en"))
    p.add_argument("--json", action="store_true", help="print the checklist as JSON")
    p.add_argument("--xlsx", metavar="FILE", help="also write the checklist as an Excel file")
    add_force(p)


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


def main(args: argparse.Namespace, settings: Settings) -> int:
    rules = load_or_report(lambda: load_rules_for(settings.knowledge_dir), "licensebot checklist", "rules: ")
    if rules is None:
        return 1
    values = {name: getattr(args, name) for name in
              ("license", "scope", "province", "number", "expires", "changes", "foreign", "special")}
    try:
        today = today_from(args.today)
        plan = build_plan(rules, Answers.from_dict(collect_answers(values, rules, today, args.lang)), today)
    except UsageError as exc:
        print(f"licensebot checklist: error: {exc}", file=sys.stderr)
        return 2
    if args.xlsx:
        if not may_write(args.xlsx, args.force):
            return 1
        if not write_output(args.xlsx, lambda: checklist_xlsx(rules, plan, args.lang), "licensebot checklist"):
            return 1
    if args.json:
        print(json.dumps(plan_json(rules, plan, args.lang), ensure_ascii=False, indent=2))
    else:
        print(plan_text(rules, plan, args.lang))
    return 0
