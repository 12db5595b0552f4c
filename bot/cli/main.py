"""`licensebot` entry point: one table of sub-commands, each in a module of its own."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli import ask, backup, chat, checklist, db, kb, licenses, reminders, run, scheduler, stats
from bot.logs import configure
from bot.settings import Settings

# (name, help, add_arguments(parser), main(args, settings) -> exit code)
SUBCOMMANDS = (
    ("run", "start the bot on every configured channel (console when none)", run.add_arguments, run.main),
    ("chat", "chat with the bot in the terminal (--consultant NAME: work the consultants' queue)", chat.add_arguments,
     chat.main),
    ("ask", "answer questions from the knowledge base (the judge's --json contract)", ask.add_arguments, ask.main),
    ("kb", "knowledge-base tools: lint, coverage, eval, gaps", kb.add_arguments, kb.main),
    ("db", "database tools: upgrade", db.add_arguments, db.main),
    ("backup", "copy the SQLite database to FILE", backup.add_arguments, backup.main_backup),
    ("restore", "replace the SQLite database with the backup FILE", backup.add_arguments, backup.main_restore),
    ("checklist", "renewal checklist and timeline for a licence (same engine as /renew)", checklist.add_arguments,
     checklist.main),
    ("stats", "hand-off figures: tickets, time to first consultant reply, satisfaction", stats.add_arguments,
     stats.main),
    ("licenses", "licence registry: import or export the client list (CSV or .xlsx)", licenses.add_arguments,
     licenses.main),
    ("reminders", "reminders: preview what will go out; sweep and dispatch once", reminders.add_arguments,
     reminders.main),
    ("scheduler", "run the reminder sweep and the outbox dispatcher", scheduler.add_arguments, scheduler.main),
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="licensebot", description="Telecom-licence consultancy chatbot")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text, add_arguments, run_command in SUBCOMMANDS:
        p = sub.add_parser(name, help=help_text, description=help_text)
        add_arguments(p)
        p.set_defaults(run=run_command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.load()
    except ValueError as exc:
        print(f"licensebot: {exc}", file=sys.stderr)
        return 2
    configure(settings.log_level if args.command != "ask" else "WARNING", settings.log_json)
    return int(args.run(args, settings) or 0)


if __name__ == "__main__":
    sys.exit(main())
