"""`licensebot db upgrade`: apply the schema migrations."""

from __future__ import annotations

import argparse

from bot.settings import Settings
from bot.storage.db import Database


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=("upgrade",))


def main(args: argparse.Namespace, settings: Settings) -> int:
    db = Database(settings.database_url)
    db.upgrade()
    print(f"database at {db.engine.url.render_as_string(hide_password=True)} is up to date")
    return 0
