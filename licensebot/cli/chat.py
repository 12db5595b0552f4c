"""`licensebot chat [--user NAME | --consultant NAME]`: talk to the bot, or work the consultants' queue."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from pathlib import Path

from bot.engine import Engine
from bot.messages import Reply
from bot.settings import Settings
from bot.staff import staff
from channels import console
from channels.console_replies import DurableReplies
from intents.handoff_models import note_platform_id
from licensebot.app import build_services


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", default="", help="who you are; two names on one database are two clients")
    p.add_argument("--consultant", default="", metavar="NAME",
                   help="work the consultants' queue as console:NAME (list it in CONSULTANTS)")
    p.add_argument("--lang", choices=("zh", "en"), default=None, help="language hint, as a platform would give")


def main(args: argparse.Namespace, settings: Settings) -> int:
    # The terminal is the chat: keep routine log lines out of it unless asked for.
    if settings.log_level.upper() not in ("DEBUG",):
        logging.getLogger().setLevel(logging.WARNING)
    services = build_services(settings)
    user = args.consultant or args.user or getpass.getuser() or "console"
    chats = [user]
    if args.consultant:
        team = staff(settings)
        if not team.is_consultant(console.CHANNEL, user):
            print(f"note: console:{user} is not in CONSULTANTS, so consultant commands will be refused",
                  file=sys.stderr)
        if team.group is not None and team.group.channel == console.CHANNEL:
            chats.append(team.group.chat_id)
    feed = console.OutboxFeed(services.db, services.clock, chats, on_sent=note_platform_id)
    engine = Engine(services)
    replies = DurableReplies(engine)
    session = console.ConsoleSession(replies.handle, user=user, lang=args.lang, shown=replies.shown)
    greeting: list[Reply] = []
    if sys.stdin.isatty():
        # Shown, not sent: the client never typed /start, so it is not in their log or a case packet.
        greeting = session.greet(engine.answer_unlogged, "/queue" if args.consultant else "/start")
    try:
        console.run(session, greeting=greeting, feed=feed, files=Path(settings.console_files_dir))
    finally:
        services.db.dispose()
    return 0
