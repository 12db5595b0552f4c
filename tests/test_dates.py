"""Table tests: dates as users type them, good and bad, with today injected."""

from __future__ import annotations

from datetime import date

import pytest

from bot.dates import parse_date
from bot.problems import Problem

TODAY = date(2026, 11, 27)

GOOD: list[tuple[str, date]] = [
    ("2027-03-15", date(2027, 3, 15)),
    ("2027-3-15", date(2027, 3, 15)),
    ("2027/3/15", date(2027, 3, 15)),
    ("2027.3.15", date(2027, 3, 15)),
    ("20270315", date(2027, 3, 15)),
    ("2027年3月15日", date(2027, 3, 15)),
    ("2027年03月15日", date(2027, 3, 15)),
    ("2027年3月15号", date(2027, 3, 15)),
    ("2027年3月15", date(2027, 3, 15)),
    ("2027 年 3 月 15 日", date(2027, 3, 15)),
    ("明年3月15日", date(2027, 3, 15)),
    ("明年3月15號", date(2027, 3, 15)),
    ("今年12月31日", date(2026, 12, 31)),
    ("后年1月1日", date(2028, 1, 1)),
    ("後年1月1日", date(2028, 1, 1)),
    ("3月15日", date(2027, 3, 15)),  # already past this year: next occurrence
    ("12月31日", date(2026, 12, 31)),  # still ahead this year
    ("11月27日", date(2026, 11, 27)),  # today counts
    ("3/15", date(2027, 3, 15)),
    ("2月29日", date(2028, 2, 29)),  # next leap year
    ("二〇二七年三月十五日", date(2027, 3, 15)),
    ("二零二七年十二月三十一日", date(2027, 12, 31)),
    ("二〇二七年十月十日", date(2027, 10, 10)),
    ("明年三月二十号", date(2027, 3, 20)),
    ("２０２７－０３－１５", date(2027, 3, 15)),
    ("２０２７年３月１５日", date(2027, 3, 15)),
    ("２０２７／３／１５", date(2027, 3, 15)),
    ("2027-03-15 00:00:00", date(2027, 3, 15)),
    ("2027-03-15T08:00", date(2027, 3, 15)),
    ("有效期至2027年3月15日", date(2027, 3, 15)),
    ("2027年3月15日到期", date(2027, 3, 15)),
    ("15 March 2027", date(2027, 3, 15)),
    ("March 15, 2027", date(2027, 3, 15)),
    ("Mar 15 2027", date(2027, 3, 15)),
    ("15th Mar 2027", date(2027, 3, 15)),
    ("15/03/2027", date(2027, 3, 15)),  # day first, unambiguous
    ("03/15/2027", date(2027, 3, 15)),  # month first, unambiguous
    ("2024-02-29", date(2024, 2, 29)),
    ("2025-06-30", date(2025, 6, 30)),  # past dates are fine (an expired licence)
]

BAD: list[tuple[str, str]] = [
    ("", "empty"),
    ("   ", "empty"),
    ("2027-02-30", "bad_day"),
    ("2027年2月30日", "bad_day"),
    ("2027-04-31", "bad_day"),
    ("2027-02-29", "not_leap_year"),
    ("明年2月29日", "not_leap_year"),
    ("2027-13-01", "bad_month"),
    ("2027-00-10", "bad_month"),
    ("2027-03-00", "bad_day"),
    ("2027年13月1日", "bad_month"),
    ("2月30日", "bad_day"),
    ("13月1日", "bad_month"),
    ("27-03-15", "two_digit_year"),
    ("03/04/2027", "ambiguous_order"),
    ("2027年3月", "no_day"),
    ("1900-01-01", "implausible_year"),
    ("2999-01-01", "implausible_year"),
    ("下个月", "unrecognised"),
    ("不知道", "unrecognised"),
    ("😀", "unrecognised"),
    ("2027-03-15-01", "unrecognised"),
    ("2027315", "unrecognised"),
    ("abc", "unrecognised"),
    ("2027年3月15日" * 5, "too_long"),
    ("Smarch 15 2027", "unrecognised"),
    ("February 30 2027", "bad_day"),
    ("2027/3-15", "unrecognised"),
    ("三月三十二日", "bad_day"),
    ("2027-3-15-", "unrecognised"),
]


@pytest.mark.parametrize(("text", "expected"), GOOD)
def test_accepts(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(("text", "code"), BAD)
def test_rejects_with_reason(text: str, code: str) -> None:
    result = parse_date(text, TODAY)
    assert isinstance(result, Problem), result
    assert result.code == code
    assert result.zh and result.en and not result.ok


def test_reason_names_the_month_length() -> None:
    problem = parse_date("2027-02-30", TODAY)
    assert isinstance(problem, Problem)
    assert "2027年2月只有28天" in problem.zh
    assert "February 2027 has 28 days" in problem.en


def test_next_occurrence_depends_on_today() -> None:
    assert parse_date("3月15日", date(2027, 3, 15)) == date(2027, 3, 15)
    assert parse_date("3月15日", date(2027, 3, 16)) == date(2028, 3, 15)
