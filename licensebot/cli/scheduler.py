"""`licensebot scheduler`: run the reminder sweep and the outbox dispatcher until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.settings import Settings
from licensebot.app import build_services
from licensebot.cli.common import load_or_report
from licensebot.runtime import configured_senders, run_forever
from scheduler.runner import rules_from


def add_arguments(p: argparse.ArgumentParser) -> None:
    del p  # no options: intervals and rates are settings (SWEEP_INTERVAL_SECONDS, …)


def main(args: argparse.Namespace, settings: Settings) -> int:
    rules = load_or_report(lambda: rules_from(settings), "licensebot")
    if rules is None:
        return 2
    services = build_services(settings)
    senders = configured_senders(settings, services)
    print(f"reminder scheduler: sweep every {settings.sweep_interval_seconds} s, dispatch every "
          f"{settings.dispatch_interval_seconds} s, channels with a sender: {', '.join(senders) or 'none'}; "
          "Ctrl-C stops", file=sys.stderr)
    try:
        asyncio.run(run_forever(services, senders, rules))
    except KeyboardInterrupt:
        pass
    finally:
        services.db.dispose()
    return 0
