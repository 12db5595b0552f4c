"""`licensebot kb lint|coverage|eval|gaps`: check the knowledge base, its coverage, its accuracy,
and what it misses."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from bot.clock import SystemClock, business_today
from bot.settings import Settings
from knowledge.codes import LICENSES, REQUIRED_TOPICS, TOPICS
from knowledge.entries import KnowledgeError, load_entries
from knowledge.lint import Finding, coverage, english_coverage, lint
from licensebot.cli.confirm import add_force, may_write


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="kb_action", required=True)
    sub.add_parser("lint", help="check codes, ids, related links, near-duplicates, freshness")
    sub.add_parser("coverage", help="licence × topic table with counts; required empty cells marked")
    ev = sub.add_parser("eval", help="accuracy on a labelled question file, beside a naive baseline")
    ev.add_argument("file", help="YAML list of {q, license, topic} or {q, oos: true}")
    ev.add_argument("--misses", type=int, default=20, help="how many misses to list")
    ev.add_argument("--lang", choices=("zh", "en"), default="zh",
                    help="search as for a user whose language is this (english.yaml: en)")
    gaps = sub.add_parser("gaps", help="group unanswered questions from the logs, most frequent first")
    gaps.add_argument("--since", help="only questions from this date (YYYY-MM-DD)")
    gaps.add_argument("--top", type=int, default=30, help="how many groups to show")
    gaps.add_argument("--yaml", help="also write a YAML draft of new entries / alternates to this file")
    add_force(gaps)


def main(args: argparse.Namespace, settings: Settings) -> int:
    if args.kb_action == "gaps":
        return show_gaps(args, settings)
    if args.kb_action == "eval":
        return run_evaluation(args, settings)
    folder = Path(settings.knowledge_dir) if settings.knowledge_dir else None
    try:
        entries = load_entries(folder, Path(settings.kb_approved_dir) if settings.kb_approved_dir else None)
    except KnowledgeError as exc:
        print(f"error: {exc}")
        return 1
    if args.kb_action == "lint":
        today = business_today(SystemClock())
        findings = lint(entries, today) + hours_findings(settings, today) + checkup_findings(settings)
        for f in findings:
            print(f)
        errors = sum(f.level == "error" for f in findings)
        print(f"{len(entries)} entries: {errors} errors, {len(findings) - errors} warnings")
        return 1 if errors else 0
    return print_coverage(entries)


def hours_findings(settings: Settings, today: date) -> list[Finding]:
    """The consultants' calendar (hours.yaml) beside the knowledge base: a broken file or a missing year."""
    from bot.hours import business_hours, hours_file

    hours = business_hours(settings)
    where = hours_file(settings).name
    if hours.problem:
        return [Finding("error", where, hours.problem)]
    return [Finding("warning", where, f"no public holidays listed for {year}: until they are added, "
                                      "hand-off treats those days as working days")
            for year in hours.calendar_gaps(today)]


def checkup_findings(settings: Settings) -> list[Finding]:
    """The compliance check-up items (checkup.yaml): a broken file, or bases without a tag or source."""
    from checklist.checkup_lint import lint_checkup
    from checklist.checkup_rules import FILE_NAME, CheckupError, load_checkup_for

    try:
        rules = load_checkup_for(settings.knowledge_dir)
    except CheckupError as exc:
        return [Finding("error", FILE_NAME, str(exc))]
    return lint_checkup(rules)


def print_coverage(entries: list) -> int:
    counts = coverage(entries)
    english = english_coverage(entries)
    topics = list(TOPICS)
    width = max(len(t) for t in topics)
    print(" " * 18 + " ".join(t[:6].rjust(6) for t in topics) + "  total  english")
    gaps = 0
    for lic in LICENSES:
        cells = []
        for t in topics:
            n = counts.get((lic, t), 0)
            required = t in REQUIRED_TOPICS or lic == "general"
            if n == 0 and required:
                gaps += 1
            cells.append(("-" if n == 0 and not required else ("!0" if n == 0 else str(n))).rjust(6))
        done, total = english.get(lic, (0, 0))
        print(lic.ljust(18) + " ".join(cells) + f"  {sum(counts.get((lic, t), 0) for t in topics):5d}"
              + f"  {done:3d}/{total:<3d}")
    with_en = sum(e.en is not None for e in entries)
    share = f"{100 * with_en / len(entries):.0f}%" if entries else "-"
    print(f"{len(entries)} entries; {gaps} required cells empty (marked !0)" + " " * (width - width))
    print(f"English: {with_en} of {len(entries)} entries ({share}); {len(entries) - with_en} Chinese only")
    return 1 if gaps or with_en < len(entries) else 0


def show_gaps(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import UTC, datetime

    from bot.storage.db import Database
    from intents.unanswered import unanswered
    from knowledge.gaps import draft, group

    try:
        since = datetime.strptime(args.since, "%Y-%m-%d").replace(tzinfo=UTC) if args.since else None
    except ValueError:
        print(f"error: --since wants a date like 2026-11-01, not {args.since!r}")
        return 2
    db = Database(settings.database_url)
    db.upgrade()
    with db.session() as session:
        gaps = group(unanswered(session, since))
    for gap in gaps[: args.top]:
        tried = ", ".join(c for c, _ in gap.candidates.most_common(2)) or "-"
        print(f"{gap.count:4d}  {gap.representative}   [tried: {tried}]")
        for q, n in gap.questions.most_common(4)[1:]:
            print(f"        {n}× {q}")
    print(f"{len(gaps)} groups of unanswered questions")
    if args.yaml:
        if not may_write(args.yaml, args.force):
            return 1
        with open(args.yaml, "w", encoding="utf-8") as f:
            f.write(draft(gaps))
        print(f"draft written to {args.yaml}")
    return 0


def run_evaluation(args: argparse.Namespace, settings: Settings) -> int:
    from knowledge.evaluate import format_report, run_eval
    from knowledge.search import Searcher

    folder = Path(settings.knowledge_dir) if settings.knowledge_dir else None
    try:
        searcher = Searcher.from_folder(folder)
        report = run_eval(Path(args.file), searcher, args.lang)
    except (KnowledgeError, ValueError, OSError) as exc:
        print(f"error: {exc}")
        return 1
    print(format_report(report, show_misses=args.misses))
    return 0
