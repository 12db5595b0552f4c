"""Reminder rules from scheduler/rules.yaml: loaded once, validated, errors name the file and key."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.language import Text
from bot.rules import RulesError, load_rules_file

DEFAULT_PATH = Path(__file__).resolve().parent / "rules.yaml"
RENEWAL_FIELDS = frozenset({"company", "license", "number", "expires_on", "days_left", "apply_by", "days_to_submit"})
ANNUAL_FIELDS = frozenset({"company", "license", "number", "year", "report_year", "closes", "days_to_close"})
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,15}$")
_CJK_GAP = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")


@dataclass(frozen=True)
class RenewalMilestone:
    days: int  # before expiry; 0 = the day itself, -1 = the day after
    text: str

    @property
    def name(self) -> str:
        return f"d{self.days}"


@dataclass(frozen=True)
class AnnualMilestone:
    name: str
    month: int
    day: int
    text: str

    def on(self, year: int) -> date:
        return date(year, self.month, self.day)


@dataclass(frozen=True)
class QuietHours:
    """A daily window (may cross midnight) in which reminders are held. start == end: never quiet."""

    start: time
    end: time
    tz: ZoneInfo

    def is_quiet(self, at: datetime) -> bool:
        t = at.astimezone(self.tz).time()
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    def next_open(self, at: datetime) -> datetime:
        """`at` itself when not quiet, else the end of this quiet window (an aware datetime)."""
        if not self.is_quiet(at):
            return at
        local = at.astimezone(self.tz)
        opens = datetime.combine(local.date(), self.end, self.tz)
        if opens <= local:
            opens = datetime.combine(local.date() + timedelta(days=1), self.end, self.tz)
        return opens.astimezone(at.tzinfo)


@dataclass(frozen=True)
class Rules:
    tz: ZoneInfo
    quiet: QuietHours
    apply_days_before: int
    renewal: tuple[RenewalMilestone, ...]  # sorted by days, largest (earliest) first
    annual_opens: tuple[int, int]  # (month, day)
    annual_closes: tuple[int, int]
    annual: tuple[AnnualMilestone, ...]  # sorted by date
    texts: dict[str, Text]
    escalate_days: tuple[int, ...] = (30, 14)  # renewal milestones escalated when not acknowledged…
    escalate_after_days: int = 2  # …this many days after they went out

    def today(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()

    def closes_on(self, year: int) -> date:
        return date(year, *self.annual_closes)

    def opens_on(self, year: int) -> date:
        return date(year, *self.annual_opens)


def load_rules(path: Path | None = None) -> Rules:
    """Read and validate the rules file (the shipped one by default)."""
    path = path or DEFAULT_PATH
    return load_rules_file(path, parse_rules, name=str(path))


def parse_rules(raw: Any, where: str) -> Rules:
    r = _Reader(where)
    top = r.mapping(raw, "")
    tz_name = r.string(top, "timezone")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise r.error("timezone", f"unknown timezone {tz_name!r}") from None
    quiet = r.mapping(top.get("quiet_hours"), "quiet_hours")
    quiet_hours = QuietHours(r.clock(quiet, "quiet_hours", "start"), r.clock(quiet, "quiet_hours", "end"), tz)
    texts = _texts(r, top)
    renewal = r.mapping(top.get("renewal"), "renewal")
    apply_days = r.integer("renewal.apply_days_before", renewal.get("apply_days_before"), 1, 3650)
    milestones = []
    for i, item in enumerate(r.sequence(renewal.get("milestones"), "renewal.milestones")):
        key = f"renewal.milestones[{i}]"
        m = r.mapping(item, key)
        days = r.integer(f"{key}.days", m.get("days"), -366, 3650)
        milestones.append(RenewalMilestone(days, r.text_ref(m, key, texts, RENEWAL_FIELDS)))
    r.unique([m.days for m in milestones], "renewal.milestones", "days")
    escalate = r.mapping(renewal.get("escalate") or {"milestones": [30, 14], "after_days": 2}, "renewal.escalate")
    escalate_days = tuple(r.integer(f"renewal.escalate.milestones[{i}]", d, -366, 3650)
                          for i, d in enumerate(r.sequence(escalate.get("milestones"), "renewal.escalate.milestones")))
    if not set(escalate_days) <= {m.days for m in milestones}:
        raise r.error("renewal.escalate.milestones", "every entry must be the days of a renewal milestone")
    escalate_after = r.integer("renewal.escalate.after_days", escalate.get("after_days"), 0, 60)
    annual = r.mapping(top.get("annual_report"), "annual_report")
    window = r.mapping(annual.get("window"), "annual_report.window")
    opens, closes = (r.month_day(f"annual_report.window.{k}", window.get(k)) for k in ("opens", "closes"))
    if opens > closes:
        raise r.error("annual_report.window", "opens must not be after closes (the window lies in one year)")
    annual_ms = []
    for i, item in enumerate(r.sequence(annual.get("milestones"), "annual_report.milestones")):
        key = f"annual_report.milestones[{i}]"
        m = r.mapping(item, key)
        name = r.string(m, "name", key)
        if not _NAME.match(name):
            raise r.error(f"{key}.name", "use 1-16 lower-case letters, digits or _ (it is part of a key)")
        md = r.month_day(f"{key}.date", m.get("date"))
        if not opens <= md <= closes:
            raise r.error(f"{key}.date", "must lie inside annual_report.window")
        annual_ms.append(AnnualMilestone(name, md[0], md[1], r.text_ref(m, key, texts, ANNUAL_FIELDS)))
    r.unique([m.name for m in annual_ms], "annual_report.milestones", "name")
    r.unique([(m.month, m.day) for m in annual_ms], "annual_report.milestones", "date")
    return Rules(tz=tz, quiet=quiet_hours, apply_days_before=apply_days,
                 renewal=tuple(sorted(milestones, key=lambda m: -m.days)), annual_opens=opens,
                 annual_closes=closes, annual=tuple(sorted(annual_ms, key=lambda m: (m.month, m.day))),
                 texts=texts, escalate_days=escalate_days, escalate_after_days=escalate_after)


def _texts(r: _Reader, top: dict[str, Any]) -> dict[str, Text]:
    out: dict[str, Text] = {}
    for name, item in r.mapping(top.get("texts"), "texts").items():
        key = f"texts.{name}"
        m = r.mapping(item, key)
        zh, en = r.string(m, "zh", key), r.string(m, "en", key)
        out[str(name)] = Text(_CJK_GAP.sub("", zh.strip()), en.strip())
    return out


class _Reader:
    """Small typed accessors that raise RulesError naming the file and the key."""

    def __init__(self, where: str) -> None:
        self.where = where

    def error(self, key: str, message: str) -> RulesError:
        return RulesError(f"{self.where}: {key or '(top level)'}: {message}")

    def mapping(self, value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(key, f"expected a mapping, got {type(value).__name__}")
        return value

    def sequence(self, value: Any, key: str) -> list[Any]:
        if not isinstance(value, list) or not value:
            raise self.error(key, "expected a non-empty list")
        return value

    def string(self, m: dict[str, Any], name: str, parent: str = "") -> str:
        value = m.get(name)
        key = f"{parent}.{name}" if parent else name
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, "expected a non-empty string")
        return value

    def integer(self, key: str, value: Any, lo: int, hi: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"expected a whole number, got {value!r}")
        if not lo <= value <= hi:
            raise self.error(key, f"{value} is out of range {lo}..{hi}")
        return value

    def clock(self, m: dict[str, Any], parent: str, name: str) -> time:
        value = m.get(name)
        try:
            hh, mm = str(value).split(":")
            return time(int(hh), int(mm))
        except ValueError:
            raise self.error(f"{parent}.{name}", f"expected HH:MM, got {value!r}") from None

    def month_day(self, key: str, value: Any) -> tuple[int, int]:
        try:
            mm, dd = str(value).split("-")
            date(2001, int(mm), int(dd))  # a year without 29 February: the date exists every year
            return int(mm), int(dd)
        except ValueError:
            raise self.error(key, f"expected MM-DD that exists every year, got {value!r}") from None

    def text_ref(self, m: dict[str, Any], key: str, texts: dict[str, Text], allowed: frozenset[str]) -> str:
        name = self.string(m, "text", key)
        if name not in texts:
            raise self.error(f"{key}.text", f"no entry {name!r} under texts")
        for lang in ("zh", "en"):
            try:
                fields = [f for _, f, _, _ in string.Formatter().parse(getattr(texts[name], lang))]
            except ValueError as exc:
                raise self.error(f"texts.{name}.{lang}", f"broken placeholder: {exc}") from None
            for field in fields:
                if field is not None and field not in allowed:
                    raise self.error(f"texts.{name}.{lang}", f"unknown placeholder {{{field}}}; "
                                     f"allowed here: {', '.join(sorted(allowed))}")
        return name

    def unique(self, values: list[Any], key: str, what: str) -> None:
        seen = set()
        for v in values:
            if v in seen:
                raise self.error(key, f"{what} {v!r} appears twice")
            seen.add(v)
