"""`licensebot cases show|open|archive NUMBER`: a licence's renewal case for the consultancy.

Exit 0 on success, 1 when the licence or its case is not found, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sqlmodel import Session

from bot.clock import SHANGHAI, SystemClock, business_today
from bot.license_numbers import parse_license_number
from bot.problems import Problem
from bot.settings import Settings
from cases.archive import case_archive
from cases.items import label_of
from cases.service import case_json, current_case, open_case, status_label
from checklist.rules import ChecklistRules
from licensebot.app import build_services
from registry.models import License
from registry.service import find_by_number


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="cases_action", required=True)
    show = sub.add_parser("show", help="the case of a licence's current cycle: status, items, files")
    show.add_argument("number", help="licence number, e.g. 京B2-20210001")
    show.add_argument("--json", action="store_true", help="one JSON object")
    show.add_argument("--lang", choices=("zh", "en"), default="zh")
    opening = sub.add_parser("open", help="open the case of a licence's current cycle (items from the rules)")
    opening.add_argument("number")
    opening.add_argument("--changes", default="", help="changes since issue, comma-separated (as /renew asks)")
    opening.add_argument("--foreign", default="none", help="foreign investment (as /renew asks)")
    arch = sub.add_parser("archive", help="write the case as one .zip with an index sheet")
    arch.add_argument("number")
    arch.add_argument("file", type=Path)


def find_license(session: Session, text: str) -> License | None:
    """By the number as typed, or by its canonical spelling."""
    found = find_by_number(session, text.strip())
    if found is None:
        parsed = parse_license_number(text, business_today(SystemClock()))
        if not isinstance(parsed, Problem):
            found = find_by_number(session, parsed.text)
    return found


def main(args: argparse.Namespace, settings: Settings) -> int:
    services = build_services(settings)
    rules = services.get(ChecklistRules)
    now = services.clock.now()
    try:
        with services.db.session() as session:
            lic = find_license(session, args.number)
            if lic is None:
                print(f"licensebot: no licence with the number {args.number!r}", file=sys.stderr)
                return 1
            if args.cases_action == "open":
                facts = {"changes": [c.strip() for c in args.changes.split(",") if c.strip()],
                         "foreign": args.foreign}
                try:
                    case, new = open_case(session, rules, lic, now.astimezone(SHANGHAI).date(), now, "cli", facts)
                except ValueError as exc:
                    print(f"licensebot: {exc}", file=sys.stderr)
                    return 2
                print(f"case {case.id} {'opened' if new else 'already open'} for {lic.number} (cycle {case.cycle})")
                return 0
            case = current_case(session, lic)
            if case is None:
                print(f"licensebot: {lic.number} has no case in its current cycle {lic.cycle}; "
                      f"open one with: licensebot cases open {lic.number}", file=sys.stderr)
                return 1
            if args.cases_action == "archive":
                content, missing = case_archive(session, rules, case, lic)
                args.file.write_bytes(content)
                print(f"wrote {args.file} ({len(content)} bytes)")
                for name in missing:
                    print(f"warning: {name} is recorded but its stored file is gone", file=sys.stderr)
                return 0
            data = case_json(session, rules, case, lic, args.lang)
            if args.json:
                print(json.dumps(data, ensure_ascii=False))
                return 0
            print(f"{lic.number} {lic.company} · cycle {case.cycle} · {status_label(case.status, args.lang)} · "
                  f"submit by {data['submit_by']} · missing {data['missing']}")
            for item in data["items"]:
                files = ", ".join(f["name"] for f in item["files"])
                reason = f" ({item['reason']})" if item["reason"] else ""
                print(f"  [{status_label(item['status'], args.lang)}] {label_of(rules, item['key'], args.lang)}"
                      f"{reason}{'  — ' + files if files else ''}")
            return 0
    finally:
        services.db.dispose()
