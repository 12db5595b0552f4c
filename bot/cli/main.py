"""`licensebot` entry point: one table of sub-commands, each in a module of its own."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli import ask, chat, checklist, db, kb, run, stats
from bot.logs import configure
from bot.settings import Settings

# (name, help, module with add_arguments(parser) and main(args, settings) -> exit code)
SUBCOMMANDS = (
    ("run", "start the bot on every configured channel (console when none)", run),
    ("chat", "chat with the bot in the terminal (--consultant NAME: work the consultants' queue)", chat),
    ("ask", "answer questions from the knowledge base (the judge's --json contract)", ask),
    ("kb", "knowledge-base tools: lint, coverage, eval, gaps", kb),
    ("db", "database tools: upgrade", db),
    ("checklist", "renewal checklist and timeline for a licence (same engine as /renew)", checklist),
    ("stats", "hand-off figures: tickets, time to first consultant reply, satisfaction", stats),
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="licensebot", description="Telecom-licence consultancy chatbot")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text, module in SUBCOMMANDS:
        p = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(p)
        p.set_defaults(run=module.main)
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
