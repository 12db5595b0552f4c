"""`licensebot chat [--user NAME]`: talk to the bot in the terminal."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys

from bot.app import build_engine
from bot.channels import console
from bot.settings import Settings


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", default="", help="who you are; two names on one database are two clients")
    p.add_argument("--lang", choices=("zh", "en"), default=None, help="language hint, as a platform would give")


def main(args: argparse.Namespace, settings: Settings) -> int:
    # The terminal is the chat: keep routine log lines out of it unless asked for.
    if settings.log_level.upper() not in ("DEBUG",):
        logging.getLogger().setLevel(logging.WARNING)
    engine = build_engine(settings)
    user = args.user or getpass.getuser() or "console"
    session = console.ConsoleSession(engine.handle, user=user, lang=args.lang)
    greeting = session.send("/start") if sys.stdin.isatty() else []
    console.run(session, greeting=greeting)
    return 0
