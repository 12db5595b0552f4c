"""`licensebot run`: the bot on every configured channel; the console when none is configured."""

from __future__ import annotations

import argparse
import sys

from bot.cli import chat
from bot.settings import Settings


def add_arguments(p: argparse.ArgumentParser) -> None:
    chat.add_arguments(p)


def main(args: argparse.Namespace, settings: Settings) -> int:
    if settings.telegram_bot_token:
        print("The Telegram channel is not part of this build yet; starting the console instead.",
              file=sys.stderr)
    return chat.main(args, settings)
