"""Commands that would destroy data ask first: an existing file is not overwritten, a database is not
replaced, unless the operator says so (`--force`, or "y" at the question in a terminal).

Without a terminal to ask on (a script, a pipe) the command refuses and names the flag.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_force(p: argparse.ArgumentParser, what: str = "overwrite an existing file without asking") -> None:
    p.add_argument("--force", action="store_true", help=what)


def ask(question: str, force: bool) -> bool:
    """True if `force`, or if the operator answers yes in a terminal; otherwise False (and why on stderr)."""
    if force:
        return True
    if not sys.stdin.isatty():
        print(f"{question} — not done: no terminal to ask on; add --force to go ahead", file=sys.stderr)
        return False
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().lower() in ("y", "yes", "是"):
        return True
    print("nothing changed", file=sys.stderr)
    return False


def may_write(path: Path | str, force: bool) -> bool:
    """True if `path` does not exist yet, or the operator agrees to overwrite it."""
    target = Path(path)
    if not target.exists():
        return True
    return ask(f"{target} already exists ({target.stat().st_size} bytes). Overwrite it?", force)
