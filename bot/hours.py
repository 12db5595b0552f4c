"""Business hours in Asia/Shanghai: weekly opening times, public holidays and make-up workdays (调休).

Read from `hours.yaml` in the knowledge folder (the shipped `knowledge/hours.yaml` when the folder has
none). A broken file is reported with its name and the field; the bot then treats every minute as
open (a consultant still gets the ticket) instead of failing the client's request.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.clock import SHANGHAI
from bot.language import pick
from bot.settings import Settings
from bot.yamlfile import own_or_shipped, read_yaml

log = logging.getLogger(__name__)

SHIPPED = Path(__file__).resolve().parent.parent / "knowledge" / "hours.yaml"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
DAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
LOOKAHEAD_DAYS = 60  # holidays never close the office this long; past it we stop looking

Span = tuple[int, int]  # minutes after midnight: [open, close)


class HoursError(ValueError):
    """hours.yaml is unreadable or breaks the schema; the message names the file and the field."""


@dataclass(frozen=True)
class BusinessHours:
    weekly: dict[int, Span]  # weekday (0 = Monday) -> opening span; a missing day is closed
    makeup: Span | None = None  # hours on a make-up working day
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    source: str = ""
    problem: str = field(default="", compare=False)  # set when the file was broken and ignored

    def calendar_gaps(self, today: date) -> list[int]:
        """Years the holiday list should cover and does not: this year, and from November on (when the
        State Council publishes it) next year too. Without them a holiday counts as a working day."""
        wanted = [today.year] + ([today.year + 1] if today.month >= 11 else [])
        covered = {d.year for d in self.holidays}
        return [year for year in wanted if year not in covered]

    def span_on(self, day: date) -> Span | None:
        """Opening span of a calendar day, or None when closed."""
        if day in self.holidays:
            return None
        if day in self.workdays:
            return self.makeup or self.weekly.get(0)
        return self.weekly.get(day.weekday())

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(SHANGHAI)
        span = self.span_on(local.date())
        minute = local.hour * 60 + local.minute
        return span is not None and span[0] <= minute < span[1]

    def next_opening(self, at: datetime) -> datetime | None:
        """`at` itself when open, else the start of the next opening; None if none within 60 days."""
        if self.is_open(at):
            return at
        local = at.astimezone(SHANGHAI)
        for offset in range(LOOKAHEAD_DAYS + 1):
            day = local.date() + timedelta(days=offset)
            span = self.span_on(day)
            if span is None:
                continue
            start = _at(day, span[0])
            if start > at:
                return start
        return None

    def open_seconds_between(self, start: datetime, end: datetime) -> float:
        """How many seconds of opening time lie between two instants."""
        if end <= start:
            return 0.0
        total = 0.0
        day = start.astimezone(SHANGHAI).date()
        last = end.astimezone(SHANGHAI).date()
        while day <= last and (day - start.astimezone(SHANGHAI).date()).days <= 366:
            span = self.span_on(day)
            if span is not None:
                lo, hi = max(start, _at(day, span[0])), min(end, _at(day, span[1]))
                total += max(0.0, (hi - lo).total_seconds())
            day += timedelta(days=1)
        return total

    def describe(self, lang: str) -> str:
        """The weekly hours in a line, e.g. 周一至周五 09:00–18:00 (法定节假日除外)."""
        if not self.weekly:
            return pick(lang, "暂无固定工作时间", "no fixed hours")
        groups: list[tuple[int, int, Span]] = []
        for d in sorted(self.weekly):
            if groups and groups[-1][1] == d - 1 and groups[-1][2] == self.weekly[d]:
                groups[-1] = (groups[-1][0], d, groups[-1][2])
            else:
                groups.append((d, d, self.weekly[d]))
        names = pick(lang, DAYS_ZH, DAYS_EN)
        joiner = pick(lang, "至", "–")
        parts = [(names[a] if a == b else f"{names[a]}{joiner}{names[b]}") + f" {_hm(s[0])}–{_hm(s[1])}"
                 for a, b, s in groups]
        tail = pick(lang, "（北京时间，法定节假日除外）", " (China time, except public holidays)")
        return pick(lang, "，", "; ").join(parts) + tail


ALWAYS_OPEN = BusinessHours(weekly={d: (0, 24 * 60) for d in range(7)}, makeup=(0, 24 * 60))


def _at(day: date, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI) + timedelta(minutes=minute)


def _hm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def format_opening(at: datetime, lang: str) -> str:
    """A moment as clients read it: 11月30日（周一）09:00 / Mon 30 Nov, 09:00 (China time)."""
    local = at.astimezone(SHANGHAI)
    return pick(lang, f"{local.month}月{local.day}日（{DAYS_ZH[local.weekday()]}）{local:%H:%M}",
                f"{DAYS_EN[local.weekday()]} {local.day} {local:%b}, {local:%H:%M} (China time)")


# --- loading -------------------------------------------------------------------------------------

def parse_span(value: Any, where: str) -> Span:
    if not isinstance(value, str):
        raise HoursError(f'{where}: expected a quoted "HH:MM-HH:MM", got {value!r}')
    m = _SPAN.match(value)
    if not m:
        raise HoursError(f'{where}: expected "HH:MM-HH:MM", got {value!r}')
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59:
        raise HoursError(f"{where}: {value!r} is not a time of day")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if not 0 <= start < end <= 24 * 60:
        raise HoursError(f"{where}: {value!r} must open before it closes, within one day")
    return start, end


def parse_dates(values: Any, where: str) -> frozenset[date]:
    if values is None:
        return frozenset()
    if not isinstance(values, list):
        raise HoursError(f"{where}: expected a list of dates")
    out: set[date] = set()
    for i, raw in enumerate(values, 1):
        out |= _date_or_range(raw, f"{where} item {i}")
    return frozenset(out)


def _date_or_range(raw: Any, where: str) -> set[date]:
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return {raw}
    if not isinstance(raw, str):
        raise HoursError(f"{where}: expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD, got {raw!r}")
    first, sep, last = raw.partition("..")
    try:
        a = date.fromisoformat(first.strip())
        b = date.fromisoformat(last.strip()) if sep else a
    except ValueError:
        raise HoursError(f"{where}: {raw!r} is not a date (YYYY-MM-DD)") from None
    if b < a or (b - a).days > 31:
        raise HoursError(f"{where}: {raw!r} must run forwards and span at most a month")
    return {a + timedelta(days=n) for n in range((b - a).days + 1)}


def parse_hours(data: Any, source: str) -> BusinessHours:
    """Validate the YAML document; every error names the file and the field."""
    if not isinstance(data, dict):
        raise HoursError(f"{source}: expected a mapping with weekly, holidays, workdays")
    unknown = set(data) - {"weekly", "makeup_hours", "holidays", "workdays"}
    if unknown:
        raise HoursError(f"{source}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    weekly_raw = data.get("weekly") or {}
    if not isinstance(weekly_raw, dict):
        raise HoursError(f"{source}: weekly: expected day: \"HH:MM-HH:MM\" lines")
    weekly: dict[int, Span] = {}
    for day, value in weekly_raw.items():
        if str(day).lower() not in DAYS:
            raise HoursError(f"{source}: weekly: unknown day {day!r} (use {', '.join(DAYS)})")
        if value in (None, "closed"):
            continue
        weekly[DAYS.index(str(day).lower())] = parse_span(value, f"{source}: weekly.{day}")
    makeup = data.get("makeup_hours")
    return BusinessHours(
        weekly=weekly,
        makeup=parse_span(makeup, f"{source}: makeup_hours") if makeup is not None else None,
        holidays=parse_dates(data.get("holidays"), f"{source}: holidays"),
        workdays=parse_dates(data.get("workdays"), f"{source}: workdays"),
        source=source,
    )


def load_hours(path: Path) -> BusinessHours:
    return parse_hours(read_yaml(path, HoursError), path.name)


def hours_file(settings: Settings) -> Path:
    return own_or_shipped(settings.knowledge_dir, "hours.yaml", SHIPPED)


def business_hours(settings: Settings) -> BusinessHours:
    """The configured hours; re-read when the file changes; always-open (logged) if it is broken."""
    path = hours_file(settings)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = 0
    return _cached(str(path), stamp)


@lru_cache(maxsize=8)
def _cached(path: str, _stamp: int) -> BusinessHours:
    try:
        return load_hours(Path(path))
    except HoursError as exc:
        log.error("business hours unusable, treating every hour as open: %s", exc)
        return BusinessHours(weekly=ALWAYS_OPEN.weekly, makeup=ALWAYS_OPEN.makeup, problem=str(exc))
