"""`licensebot checkup …`: the compliance check-up for scripts, by the chat flow's own steps.

    licensebot checkup --license icp --answers answers.yaml [--expires 2027-05-01] [--today 2026-11-27] \\
        [--lang zh|en] [--json] [--xlsx FILE]

The answers file (YAML or JSON) maps item ids to 是 / 否 / 不确定 (yes / no / unsure, or anything the
chat's buttons accept): {"license_number_shown": "yes", "log_retention": "no", …}. Every answer goes
through the step the chat asks, so the same answers give the same result. An unknown item, an item
that does not apply to the licence type, a missing or a bad answer: a message naming it, exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from bot.dates import parse_date
from bot.settings import Settings
from bot.steps import Env, match_option
from bot.yamlfile import read_yaml
from checklist.checkup_result import Checkup, evaluate, items_text, result_json, summary_text
from checklist.checkup_rules import CheckupRules, load_checkup_for
from checklist.checkup_steps import CheckupConfig, license_options, read_item_answer
from checklist.export import checkup_xlsx
from checklist.rules import ChecklistRules, load_rules_for
from licensebot.cli.common import UsageError, load_or_report, today_from, write_output

PROG = "licensebot checkup"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--license", required=True, help="licence type code or name: icp, sp, edi, idc, cdn, isp, …")
    p.add_argument("--answers", required=True, metavar="FILE", help="YAML or JSON: {item id: yes|no|unsure}")
    p.add_argument("--expires", help="the licence's expiry date (gives each fix a date): 2027-05-01 …")
    p.add_argument("--today", help="the business date to count from (YYYY-MM-DD); default: today in Shanghai")
    p.add_argument("--lang", default="zh", choices=("zh", "en"))
    p.add_argument("--json", action="store_true", help='print {"license", "score", "items": [...]} as JSON')
    p.add_argument("--xlsx", metavar="FILE", help="also write the result as an Excel file")


def read_answers_file(path: Path) -> dict[str, Any]:
    """The answers mapping from a YAML or JSON file (JSON is YAML); UsageError when it is not one."""
    data = read_yaml(path, UsageError, f"--answers {path}", "YAML or JSON")
    if not isinstance(data, dict):
        raise UsageError(f"--answers {path}: expected a mapping of item id to answer, e.g. {{log_retention: yes}}")
    return {str(k): v for k, v in data.items()}


def collect_answers(rules: CheckupRules, license_code: str, raw: dict[str, Any], lang: str) -> dict[str, str]:
    """Each answer read by its item's step; UsageError naming every unknown, misplaced, bad or missing one."""
    asked = {i.id for i in rules.items_for(license_code)}
    unknown = [k for k in raw if rules.item(k) is None]
    if unknown:
        raise UsageError(f"unknown item id(s): {', '.join(unknown)} (known for {license_code}: "
                         f"{', '.join(i.id for i in rules.items_for(license_code))})")
    foreign = [k for k in raw if k not in asked]
    if foreign:
        raise UsageError(f"item(s) not asked for licence type {license_code}: {', '.join(foreign)}")
    answers: dict[str, str] = {}
    bad: list[str] = []
    for item_id, value in raw.items():
        # YAML reads a bare yes/no as true/false: take those as the words they were
        text = {True: "yes", False: "no"}.get(value, value) if isinstance(value, bool) else value
        outcome = read_item_answer(item_id, str(text)) if isinstance(text, str | int | float) else None
        if not isinstance(outcome, str):
            bad.append(f"{item_id}: {value!r}")
        else:
            answers[item_id] = outcome
    if bad:
        raise UsageError(f"bad answer(s) (use yes, no or unsure / 是, 否, 不确定): {'; '.join(bad)}")
    missing = [i for i in rules.items_for(license_code) if i.id not in answers]
    if missing:
        raise UsageError(f"not answered: {', '.join(i.id for i in missing)}")
    return answers


def pick_license(rules: CheckupRules, licenses: ChecklistRules, text: str, today: date) -> str:
    env = Env({}, today, "zh", CheckupConfig(rules, licenses))
    option = match_option(license_options(env), text)
    if option is None:
        raise UsageError(f"--license {text!r}: expected one of " + ", ".join(o.value for o in license_options(env)))
    return option.value


def run_checkup(rules: CheckupRules, licenses: ChecklistRules, args: argparse.Namespace, today: date) -> Checkup:
    code = pick_license(rules, licenses, args.license, today)
    expires = None
    if args.expires:
        parsed = parse_date(args.expires, today)
        if not isinstance(parsed, date):
            raise UsageError(f"--expires {args.expires!r}: {parsed.text(args.lang)}")
        expires = parsed
    answers = collect_answers(rules, code, read_answers_file(Path(args.answers)), args.lang)
    return evaluate(rules, code, answers, today, expires)


def main(args: argparse.Namespace, settings: Settings) -> int:
    folder = settings.knowledge_dir
    loaded = load_or_report(lambda: (load_checkup_for(folder), load_rules_for(folder)), PROG, "rules: ")
    if loaded is None:
        return 1
    rules, licenses = loaded
    try:
        result = run_checkup(rules, licenses, args, today_from(args.today))
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    lt = licenses.license(result.license)
    name = lt.name.get(args.lang) if lt else result.license
    if args.xlsx:
        if not write_output(args.xlsx, lambda: checkup_xlsx(result, name, args.lang), PROG):
            return 1
    if args.json:
        print(json.dumps(result_json(result, args.lang), ensure_ascii=False, indent=2))
    else:
        print(summary_text(result, name, args.lang) + "\n\n" + items_text(result, args.lang))
    return 0
