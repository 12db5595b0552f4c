"""`licensebot` entry point: one table of sub-commands, each in a module of its own."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from bot.logs import configure
from bot.settings import Settings

# (name, help, module, main function). Each module has add_arguments(parser) and the main function
# (args, settings) -> exit code. Only the module of the command being run is imported, so that
# `licensebot ask` starts without loading the channels.
SUBCOMMANDS = (
    ("run", "start the bot on every configured channel (console when none)", "run", "main"),
    ("chat", "chat with the bot in the terminal (--consultant NAME: work the consultants' queue)", "chat", "main"),
    ("ask", "answer questions from the knowledge base (--json: one JSON line per question, see knowledge/README.md)", "ask", "main"),
    ("kb", "knowledge-base tools: lint, coverage, eval, gaps", "kb", "main"),
    ("db", "database tools: upgrade", "db", "main"),
    ("backup", "copy the SQLite database to FILE", "backup", "main_backup"),
    ("restore", "replace the SQLite database with the backup FILE", "backup", "main_restore"),
    ("checklist", "renewal checklist and timeline for a licence (same engine as /renew)", "checklist", "main"),
    ("checkup", "compliance check-up from an answers file (same items as /checkup)", "checkup", "main"),
    ("stats", "hand-off figures: tickets, time to first consultant reply, satisfaction", "stats", "main"),
    ("licenses", "licence registry: import or export the client list (CSV or .xlsx)", "licenses", "main"),
    ("reminders", "reminders: preview what will go out; sweep and dispatch once", "reminders", "main"),
    ("scheduler", "run the reminder sweep and the outbox dispatcher", "scheduler", "main"),
    ("console-link", "print a one-time sign-in link to the consultants' web console", "console_link", "main"),
    ("cases", "renewal cases: show one (--json), open one, download one as a .zip", "cases", "main"),
)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser, or (with `only`) one whose other sub-commands are listed but not loaded."""
    parser = argparse.ArgumentParser(prog="licensebot", description="Telecom-licence consultancy chatbot")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text, module_name, function in SUBCOMMANDS:
        p = sub.add_parser(name, help=help_text, description=help_text)
        if only is None or only == name:
            module = importlib.import_module(f"licensebot.cli.{module_name}")
            module.add_arguments(p)
            p.set_defaults(run=getattr(module, function))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return run_quietly(lambda: run_command(argv))


def run_command(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    known = {name for name, *_ in SUBCOMMANDS}
    args = build_parser(command if command in known else None).parse_args(argv)
    try:
        settings = Settings.load()
    except ValueError as exc:
        print(f"licensebot: {exc}", file=sys.stderr)
        return 2
    configure(settings.log_level if args.command != "ask" else "WARNING", settings.log_json)
    return int(args.run(args, settings) or 0)


def run_quietly(command: Callable[[], int]) -> int:
    """Run a command the way terminal programs end: Ctrl-C and a closed pipe (`… | head`) stop it
    without a traceback, with the exit codes a shell expects (130, and 141 as for SIGPIPE)."""
    try:
        code = command()
        sys.stdout.flush()  # a pipe closed early shows here, not at interpreter exit
        return code
    except SystemExit:  # argparse's --help and usage errors
        _flush_or_silence()
        raise
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 141


def _flush_or_silence() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()


def _silence_stdout() -> None:
    """Point stdout at /dev/null: Python flushes it again at exit, and that flush must not fail too."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
