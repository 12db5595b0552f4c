"""`licensebot reminders preview|run-once`: what will go out, and one sweep + dispatch by hand."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime, time, timedelta

from bot.clock import SHANGHAI, Clock, FrozenClock, SystemClock
from bot.context import Services
from bot.settings import Settings
from licensebot.app import build_services
from licensebot.cli.common import load_or_report
from licensebot.runtime import configured_senders, run_once
from scheduler.notifications import license_log
from scheduler.preview import preview
from scheduler.rules import Rules
from scheduler.runner import rules_from
from scheduler.sweep import sweep


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="reminders_action", required=True)
    pre = sub.add_parser("preview", help="list the reminders that will go out in the coming days")
    pre.add_argument("--days", type=int, default=60, help="how many days ahead (default 60)")
    once = sub.add_parser("run-once", help="sweep and dispatch once; report created, sent, deferred, failed")
    once.add_argument("--write", action="store_true",
                      help="with a --now far from the real clock, really write and send: for scratch databases only "
                           "(the rows count as sent for every later run)")
    log = sub.add_parser("log", help="every reminder of one licence: when, to whom, channel, sent/failed/acknowledged")
    log.add_argument("number", help="licence number, e.g. 京B2-20210001")
    log.add_argument("--json", action="store_true", help="one JSON object per line")
    for q in (pre, once):
        q.add_argument("--now", type=parse_now, default=None,
                       help="pretend it is this time (ISO 8601; without a zone: Asia/Shanghai; a date alone: noon); "
                            "more than a minute from the real clock, nothing is written unless --write")
        q.add_argument("--json", action="store_true", help="machine-readable output, one JSON object per line")


def parse_now(text: str) -> datetime:
    """2027-01-10T10:00+08:00 as given; without a zone it is Shanghai time; a date alone is noon."""
    text = text.strip()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date or time: {text!r} (e.g. 2027-01-10T10:00)") from None
    if len(text) == 10:
        value = datetime.combine(value.date(), time(12))
    return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)


def main(args: argparse.Namespace, settings: Settings) -> int:
    rules = load_or_report(lambda: rules_from(settings), "licensebot")
    if rules is None:
        return 2
    if args.reminders_action == "log":
        return show_log(settings, args.number, args.json)
    if args.reminders_action == "preview" and not 0 <= args.days <= 3660:
        print("licensebot: --days must be between 0 and 3660", file=sys.stderr)
        return 2
    clock: Clock = FrozenClock(args.now) if args.now else SystemClock()
    services = build_services(settings, clock)
    try:
        if args.reminders_action == "preview":
            return show_preview(services, rules, args.days, args.json)
        if args.now is not None and not args.write and time_travels(args.now):
            return show_dry_run(services, rules, args.json)
        if args.now is not None and args.write and time_travels(args.now):
            print("licensebot: --write with a --now far from the real clock: writing reminders as of "
                  f"{args.now.isoformat()}; use this only on a scratch database", file=sys.stderr)
        return show_run_once(services, rules, args.json)
    finally:
        services.db.dispose()


TRAVEL_TOLERANCE = timedelta(minutes=1)


def time_travels(now: datetime, real: datetime | None = None) -> bool:
    """`now` is more than a minute from the real clock."""
    return abs(now - (real or datetime.now(UTC))) > TRAVEL_TOLERANCE


def show_dry_run(services: Services, rules: Rules, as_json: bool) -> int:
    """What a sweep at --now would write, counted in transactions that are rolled back; nothing is sent."""
    report = sweep(services.db, rules, services.clock.now(), dry=True)
    if as_json:
        print(json.dumps({"created": report.created, "sent": 0, "deferred": report.deferred, "failed": 0,
                          "retrying": 0, "dry_run": True}))
    else:
        print(f"dry run: would create {report.created} reminder messages ({report.milestones} milestones); "
              "nothing was written or sent")
    print("licensebot: --now is more than a minute from the real clock, so nothing was written. Add --write to "
          "write and send for real: only on a scratch database, as later real runs treat those reminders as sent.",
          file=sys.stderr)
    return 0


def show_log(settings: Settings, number: str, as_json: bool) -> int:
    """The notification log of one licence; exit 1 when there is no such licence."""
    from licensebot.cli.cases import find_license

    services = build_services(settings)
    try:
        with services.db.session() as session:
            lic = find_license(session, number)
            if lic is None:
                print(f"licensebot: no licence with the number {number!r}", file=sys.stderr)
                return 1
            entries = license_log(session, lic)
    finally:
        services.db.dispose()
    for e in entries:
        print(json.dumps(e.as_dict(), ensure_ascii=False) if as_json else e.line())
    if not as_json:
        print(f"{len(entries)} notifications for {lic.number}", file=sys.stderr)
    return 0


def show_preview(services: Services, rules: Rules, days: int, as_json: bool) -> int:
    today = rules.today(services.clock.now())
    with services.db.session() as session:
        planned = preview(session, rules, today, days)
    for p in planned:
        if as_json:
            print(json.dumps(p.as_dict(), ensure_ascii=False))
        else:
            print(f"{p.due_on}  {p.kind:<8} {p.milestone:<10} {p.license_number:<24} {p.company}  "
                  f"[{p.status}, {p.subscribers} subscriber{'s' if p.subscribers != 1 else ''}]")
    if not as_json:
        print(f"{len(planned)} reminders from {today} through {days} days ahead", file=sys.stderr)
    return 0


def show_run_once(services: Services, rules: Rules, as_json: bool) -> int:
    senders = configured_senders(services.settings, services)
    report = asyncio.run(run_once(services, rules, senders))
    if as_json:
        print(json.dumps(report.as_dict()))
    else:
        print(f"created {report.created}, sent {report.sent}, deferred {report.deferred}, "
              f"failed {report.failed}, retrying {report.retrying}")
    if not senders:
        print("no channel sender is configured in this process: messages wait in the outbox", file=sys.stderr)
    return 0
