"""`licensebot run`: the bot on every configured channel; the console when none is configured.

By default the reminder sweep and the outbox dispatcher run in the same process (SCHEDULER_IN_PROCESS);
set it to false when `licensebot scheduler` runs as a process of its own.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from bot.app import build_services
from bot.cli import chat
from bot.settings import Settings
from scheduler.rules import RulesError
from scheduler.runner import configured_senders, start_in_thread


def add_arguments(p: argparse.ArgumentParser) -> None:
    chat.add_arguments(p)


def main(args: argparse.Namespace, settings: Settings) -> int:
    if settings.telegram_bot_token:
        print("The Telegram channel is not part of this build yet; starting the console instead.",
              file=sys.stderr)
    try:
        stop = start_scheduler(settings) if settings.scheduler_in_process else None
    except RulesError as exc:
        print(f"licensebot: {exc}", file=sys.stderr)
        return 2
    try:
        return chat.main(args, settings)
    finally:
        if stop is not None:
            stop()


def start_scheduler(settings: Settings) -> Callable[[], None]:
    """The sweep and the dispatcher on a background thread of this process; returns the stop function."""
    services = build_services(settings)
    stop_thread = start_in_thread(services, configured_senders(settings))

    def stop() -> None:
        stop_thread()
        services.db.dispose()

    return stop
