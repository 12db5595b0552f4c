"""`licensebot backup FILE` / `licensebot restore FILE`: consistent copies of the SQLite database.

Uses SQLite's online backup, so the bot may keep running during a backup. For PostgreSQL use
pg_dump / pg_restore; this command says so.
"""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.settings import Settings
from licensebot.cli.confirm import add_force, ask, may_write


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="the backup file")
    add_force(p, "backup: overwrite an existing FILE; restore: replace the database without asking")


def sqlite_path(settings: Settings) -> Path | None:
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def copy_database(src: Path, dst: Path) -> None:
    with sqlite3.connect(src) as source, sqlite3.connect(dst) as target:
        source.backup(target)


def is_licensebot_backup(path: Path) -> str | None:
    """None if the file is a SQLite database made by licensebot, else the reason it is not."""
    if not path.is_file():
        return f"{path} does not exist"
    with path.open("rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            return f"{path} is not a SQLite database"
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            conn.execute("SELECT version_num FROM alembic_version").fetchall()
            conn.execute("SELECT count(*) FROM conversations").fetchone()
    except sqlite3.Error as exc:
        return f"{path} is not a licensebot database ({exc})"
    return None


def main_backup(args: argparse.Namespace, settings: Settings) -> int:
    db = sqlite_path(settings)
    if db is None:
        print("backup works on the SQLite default; for PostgreSQL use pg_dump")
        return 2
    if not db.is_file():
        print(f"no database at {db} yet: nothing to back up")
        return 1
    target = Path(args.file)
    if not may_write(target, args.force):
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    copy_database(db, partial)
    partial.replace(target)  # the old file (if --force) is replaced only by a complete copy
    print(f"backed up {db} to {target} ({target.stat().st_size} bytes)")
    return 0


def main_restore(args: argparse.Namespace, settings: Settings) -> int:
    db = sqlite_path(settings)
    if db is None:
        print("restore works on the SQLite default; for PostgreSQL use pg_restore")
        return 2
    problem = is_licensebot_backup(Path(args.file))
    if problem:
        print(f"not restored: {problem}")
        return 1
    if db.exists():
        print(f"restore replaces everything in {db} with {args.file}. Stop the bot first (every `licensebot "
              "run` / `chat` / `scheduler` on this database): what it writes during or after the restore is "
              "lost or mixed in.")
        if not ask(f"Is the bot stopped, and should {db} be replaced?", args.force):
            return 1
    db.parent.mkdir(parents=True, exist_ok=True)
    copy_database(Path(args.file), db)
    print(f"restored {db} from {args.file}; start the bot again")
    return 0
