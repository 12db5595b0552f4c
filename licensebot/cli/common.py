"""What several commands share: the usage error, the --today business date, a rules file loaded or reported."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

from bot.clock import SystemClock, business_today
from bot.problems import UsageError
from bot.rules import RulesError

__all__ = ["UsageError", "load_or_report", "today_from", "write_output"]

T = TypeVar("T")


def today_from(text: str | None) -> date:
    """--today as given (YYYY-MM-DD), else today's business date in Shanghai; UsageError when not a date."""
    if not text:
        return business_today(SystemClock())
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--today {text!r}: expected YYYY-MM-DD") from None


def load_or_report(load: Callable[[], T], prog: str, what: str = "") -> T | None:
    """`load()`, or None after printing `prog: what<the RulesError>` (the caller picks the exit code)."""
    try:
        return load()
    except RulesError as exc:
        print(f"{prog}: {what}{exc}", file=sys.stderr)
        return None


def write_output(path: str, make: Callable[[], bytes], prog: str) -> bool:
    """Write `make()` to `path` and say so on stderr; False (after saying why) when it cannot be written."""
    try:
        Path(path).write_bytes(make())
    except OSError as exc:
        print(f"{prog}: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return False
    print(f"wrote {path}", file=sys.stderr)
    return True
