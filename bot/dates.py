"""Parse a date a user types, with `today` injected (a business date in Asia/Shanghai).

Accepted: 2027-03-15, 2027/3/15, 2027.3.15, 20270315, 2027年3月15日 (or 号/號), 明年3月15日, 今年/后年,
3月15日 and 3/15 (the next occurrence from today, today included), Chinese numerals
(二〇二七年三月十五日), full-width digits, Traditional script (明年3月15號), English month names
(15 March 2027, Mar 15, 2027), 15/03/2027 when the order is unambiguous. Anything else gets a Problem
saying precisely why (2027-02-30: February 2027 has 28 days).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date

from bot.problems import Problem

EXAMPLES_ZH = "例如 2027-03-15、2027年3月15日 或 明年3月15日"
EXAMPLES_EN = "e.g. 2027-03-15, 2027年3月15日 or 15 March 2027"
MAX_LENGTH = 40
YEAR_WINDOW = 30  # years before or after today that count as plausible

_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_RUN = re.compile(r"[〇○零一二两三四五六七八九十]+")
_TRADITIONAL = {"號": "日", "号": "日", "後": "后", "兩": "两", "歲": "岁"}
_RELATIVE_YEARS = {"今年": 0, "明年": 1, "后年": 2, "去年": -1}
_MONTHS = {name: i for i, full in enumerate(calendar.month_name) if full
           for name in (full.lower(), full.lower()[:3])} | {"sept": 9}
_LABELS = re.compile(r"^(?:到期日期?|到期时间|有效期至|有效期到|有效期|截止日期?|至|到)[:：]?")
_SUFFIXES = re.compile(r"(?:到期|截止|为止|止|前)$")

_YMD = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$")
_YMD_CN = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MD_CN = re.compile(r"^(\d{1,2})月(\d{1,2})日?$")
_MD = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})$")
_SHORT_YEAR = re.compile(r"^(\d{2})([-/.])(\d{1,2})\2(\d{1,2})$")
_YM_CN = re.compile(r"^(\d{4})年(\d{1,2})月$")
_ISO_TIME = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})T?\d{1,2}:\d{2}(?::\d{2})?\S*$")
_EN_DMY = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)? ([a-z]+)\.?,? ?(\d{4})?$")
_EN_MDY = re.compile(r"^([a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? ?(\d{4})?$")


def parse_date(text: str, today: date) -> date | Problem:
    """A date from what the user typed, or a Problem with the reason and an example."""
    raw = (text or "").strip()
    if not raw:
        return _problem("empty", f"没有填写日期，{EXAMPLES_ZH}。", f"The date is empty; {EXAMPLES_EN}.")
    if len(raw) > MAX_LENGTH:
        return _problem("too_long", f"这段文字太长，不像一个日期；{EXAMPLES_ZH}。",
                        f"That is too long to be a date; {EXAMPLES_EN}.")
    english = _parse_english(raw, today)
    if english is not None:
        return english
    s = _normalise(raw, today)
    if (m := _ISO_TIME.match(s)) is not None:
        s = m[1]
    for pattern in (_YMD, _YMD_CN, _COMPACT):
        if (m := pattern.match(s)) is not None:
            groups = [g for g in m.groups() if g not in ("-", "/", ".")]
            return _build(int(groups[0]), int(groups[1]), int(groups[2]), today)
    if (m := _MD_CN.match(s)) is not None or (m := _MD.match(s)) is not None:
        groups = [g for g in m.groups() if g not in ("-", "/", ".")]
        return _next_occurrence(int(groups[0]), int(groups[1]), today)
    if (m := _DMY.match(s)) is not None:
        return _day_first(int(m[1]), int(m[3]), int(m[4]), today)
    if _SHORT_YEAR.match(s):
        return _problem("two_digit_year", f"请写完整的四位年份，{EXAMPLES_ZH}。",
                        f"Please write the full four-digit year; {EXAMPLES_EN}.")
    if (m := _YM_CN.match(s)) is not None:
        return _problem("no_day", f"缺少日：请写到几号，例如 {m[1]}年{int(m[2])}月15日。",
                        f"The day is missing; e.g. {m[1]}年{int(m[2])}月15日.")
    return _problem("unrecognised", f"无法识别“{raw}”这个日期，{EXAMPLES_ZH}。",
                    f"I can't read “{raw}” as a date; {EXAMPLES_EN}.")


def _normalise(raw: str, today: date) -> str:
    s = unicodedata.normalize("NFKC", raw)
    s = re.sub(r"\s+", "", s)
    for trad, simp in _TRADITIONAL.items():
        s = s.replace(trad, simp)
    s = _LABELS.sub("", s)
    s = _SUFFIXES.sub("", s).rstrip("。.")
    for word, delta in _RELATIVE_YEARS.items():
        s = s.replace(word, f"{today.year + delta}年")
    return _CN_RUN.sub(lambda m: _cn_number(m[0]), s)


def _cn_number(run: str) -> str:
    """二〇二七 -> 2027 (digit by digit); 十五 -> 15, 三十一 -> 31 (positional). Unknown shapes stay."""
    if "十" not in run:
        return "".join(str(_CN_DIGITS[c]) for c in run)
    tens, _, ones = run.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return run
    return str((_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0))


def _parse_english(raw: str, today: date) -> date | Problem | None:
    s = re.sub(r"\s+", " ", raw.lower().replace(",", " ")).strip()
    m = _EN_DMY.match(s)
    day, month_name, year = (m[1], m[2], m[3]) if m else (None, None, None)
    if m is None and (m := _EN_MDY.match(s)) is not None:
        month_name, day, year = m[1], m[2], m[3]
    if m is None or month_name not in _MONTHS or day is None:
        return None
    if year is None:
        return _next_occurrence(_MONTHS[month_name], int(day), today)
    return _build(int(year), _MONTHS[month_name], int(day), today)


def _day_first(a: int, b: int, year: int, today: date) -> date | Problem:
    """15/03/2027 is day-first, 03/15/2027 month-first; 03/04/2027 could be either."""
    if a > 12 >= b:
        return _build(year, b, a, today)
    if b > 12 >= a:
        return _build(year, a, b, today)
    if a == b:
        return _build(year, a, a, today)
    return _problem("ambiguous_order",
                    f"“{a}/{b}/{year}”可能是{a}月{b}日，也可能是{b}月{a}日；请按“年-月-日”写，例如 {year}-{b:02d}-{a:02d}。",
                    f"“{a}/{b}/{year}” could be {calendar.month_name[b]} {a} or {calendar.month_name[a]} {b}; "
                    f"please write year-month-day, e.g. {year}-{b:02d}-{a:02d}.")


def _check(year: int, month: int, day: int) -> Problem | None:
    if not 1 <= month <= 12:
        return _problem("bad_month", f"月份应在1到12之间，这里是{month}。", f"The month must be 1–12, not {month}.")
    last = calendar.monthrange(year, month)[1]
    if 1 <= day <= last:
        return None
    if month == 2 and day == 29:
        return _problem("not_leap_year", f"{year}年不是闰年，2月只有28天。",
                        f"{year} is not a leap year: February has 28 days.")
    return _problem("bad_day", f"{year}年{month}月只有{last}天，没有{day}日。",
                    f"{calendar.month_name[month]} {year} has {last} days; there is no day {day}.")


def _build(year: int, month: int, day: int, today: date) -> date | Problem:
    if abs(year - today.year) > YEAR_WINDOW:
        return _problem("implausible_year", f"年份{year}不合理，请检查（{EXAMPLES_ZH}）。",
                        f"The year {year} is not plausible; please check ({EXAMPLES_EN}).")
    problem = _check(year, month, day)
    return problem if problem is not None else date(year, month, day)


def _next_occurrence(month: int, day: int, today: date) -> date | Problem:
    """Month and day without a year: the first such date on or after today."""
    if (problem := _check(2024, month, day)) is not None:  # 2024 is a leap year: 2月29日 is possible
        return problem
    for year in range(today.year, today.year + 9):
        if _check(year, month, day) is None and date(year, month, day) >= today:
            return date(year, month, day)
    raise AssertionError("unreachable: every valid month/day recurs within 8 years")


def _problem(code: str, zh: str, en: str) -> Problem:
    return Problem(code, zh, en)
