"""`licensebot console-link NAME`: print a one-time sign-in link to the web console for a consultant."""

from __future__ import annotations

import argparse
import sys

from bot.settings import Settings
from licensebot.app import build_services
from workspace.auth import LINK_MINUTES, consultants, issue_link, link_url, resolve_consultant


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="a consultant of CONSULTANTS: channel:user_id, or the user id alone")


def main(args: argparse.Namespace, settings: Settings) -> int:
    consultant = resolve_consultant(settings, args.name)
    if consultant is None:
        known = ", ".join(consultants(settings)) or "none (set CONSULTANTS)"
        print(f"licensebot console-link: {args.name!r} is not a configured consultant; configured: {known}",
              file=sys.stderr)
        return 2
    services = build_services(settings)
    try:
        with services.db.session() as session:
            token = issue_link(session, consultant, services.clock.now())
            session.commit()
    finally:
        services.db.dispose()
    print(link_url(settings, token))
    print(f"(for {consultant}; valid {LINK_MINUTES} minutes, one sign-in)", file=sys.stderr)
    return 0
