"""`licensebot checklist …`: the renewal checklist from the command line, by the chat flow's own steps.

    licensebot checklist --license icp --scope provincial --province 北京 --expires 2027-03-15 \\
        [--number 京B2-20210001] [--changes shareholders,address] [--foreign 50plus] [--special news] \\
        [--today 2026-11-27] [--lang zh|en] [--json] [--xlsx FILE]

Each value goes through the same step spec (checklist/steps.py) the chat asks, so the same
answers give the same checklist (the logic: checklist/command.py; this module is its arguments, exit
codes and files). Bad values: a clear message and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from bot.settings import Settings
from checklist.command import VALUES, checklist_plan, plan_output
from checklist.export import checklist_xlsx
from checklist.rules import load_rules_for
from licensebot.cli.common import UsageError, load_or_report, today_from, write_output
from licensebot.cli.confirm import add_force, may_write


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


def main(args: argparse.Namespace, settings: Settings) -> int:
    rules = load_or_report(lambda: load_rules_for(settings.knowledge_dir), "licensebot checklist", "rules: ")
    if rules is None:
        return 1
    values = {name: getattr(args, name) for name in VALUES}
    try:
        today = today_from(args.today)
        plan = checklist_plan(rules, values, today, args.lang)
    except UsageError as exc:
        print(f"licensebot checklist: error: {exc}", file=sys.stderr)
        return 2
    if args.xlsx:
        if not may_write(args.xlsx, args.force):
            return 1
        if not write_output(args.xlsx, lambda: checklist_xlsx(rules, plan, args.lang), "licensebot checklist"):
            return 1
    print(plan_output(rules, plan, args.lang, args.json))
    return 0
