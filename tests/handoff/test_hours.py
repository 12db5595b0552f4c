"""Business hours: opening times, holidays and make-up days, the next opening, and broken files."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from bot.hours import HoursError, business_hours, format_opening, load_hours, parse_hours
from tests.conftest import make_settings
from tests.handoff.conftest import shanghai

WEEKDAYS = {"weekly": {d: "09:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")}}


def test_open_only_inside_the_weekly_hours():
    hours = parse_hours(WEEKDAYS, "t.yaml")
    assert hours.is_open(shanghai(2026, 11, 27, 9, 0))
    assert hours.is_open(shanghai(2026, 11, 27, 17, 59))
    assert not hours.is_open(shanghai(2026, 11, 27, 18, 0))
    assert not hours.is_open(shanghai(2026, 11, 27, 8, 59))
    assert not hours.is_open(shanghai(2026, 11, 28, 10, 0))  # Saturday


def test_next_opening_skips_nights_weekends_and_holidays():
    hours = parse_hours({**WEEKDAYS, "holidays": ["2026-11-30..2026-12-01"], "workdays": ["2026-11-29"]}, "t.yaml")
    at = shanghai(2026, 11, 27, 10, 0)
    assert hours.next_opening(at) == at  # open now
    assert hours.next_opening(shanghai(2026, 11, 27, 7, 0)) == shanghai(2026, 11, 27, 9, 0)
    assert hours.next_opening(shanghai(2026, 11, 27, 18, 0)) == shanghai(2026, 11, 29, 9, 0)  # make-up Sunday
    assert hours.next_opening(shanghai(2026, 11, 29, 18, 30)) == shanghai(2026, 12, 2, 9, 0)


def test_no_opening_at_all_gives_none():
    assert parse_hours({"weekly": {}}, "t.yaml").next_opening(shanghai(2026, 11, 27, 10, 0)) is None


def test_open_seconds_between_counts_business_time_only():
    hours = parse_hours(WEEKDAYS, "t.yaml")
    assert hours.open_seconds_between(shanghai(2026, 11, 27, 17, 0), shanghai(2026, 11, 30, 10, 0)) == 2 * 3600
    assert hours.open_seconds_between(shanghai(2026, 11, 28, 0, 0), shanghai(2026, 11, 29, 23, 0)) == 0
    assert hours.open_seconds_between(shanghai(2026, 11, 30, 10, 0), shanghai(2026, 11, 30, 9, 0)) == 0


def test_describe_and_format_in_both_languages():
    hours = parse_hours({"weekly": {**WEEKDAYS["weekly"], "sat": "10:00-12:00"}}, "t.yaml")
    assert hours.describe("zh") == "周一至周五 09:00–18:00，周六 10:00–12:00（北京时间，法定节假日除外）"
    assert hours.describe("en").startswith("Mon–Fri 09:00–18:00; Sat 10:00–12:00")
    assert format_opening(shanghai(2026, 12, 1, 9, 0), "zh") == "12月1日（周二）09:00"
    assert format_opening(shanghai(2026, 12, 1, 9, 0), "en") == "Tue 1 Dec, 09:00 (China time)"


def test_shipped_file_has_the_2026_public_holidays():
    hours = business_hours(make_settings("sqlite://"))
    assert not hours.problem
    assert not hours.is_open(shanghai(2026, 10, 5, 10, 0))  # National Day week
    assert hours.is_open(shanghai(2026, 9, 20, 10, 0))  # a Sunday worked instead
    assert not hours.is_open(shanghai(2026, 2, 18, 10, 0))  # Spring Festival


@pytest.mark.parametrize("data, message", [
    ({"weekly": {"mon": "9-18"}}, "weekly.mon"),
    ({"weekly": {"mon": 540}}, "quoted"),
    ({"weekly": {"mon": "18:00-09:00"}}, "open before it closes"),
    ({"weekly": {"mon": "09:00-25:00"}}, "not a time of day"),
    ({"weekly": {"funday": "09:00-18:00"}}, "unknown day"),
    ({"weekly": {}, "holidays": ["2026-13-01"]}, "holidays item 1"),
    ({"weekly": {}, "holidays": "2026-01-01"}, "holidays: expected a list"),
    ({"weekly": {}, "workdays": ["2026-02-01..2026-01-01"]}, "run forwards"),
    ({"weekly": {}, "hollidays": []}, "unknown field"),
    (["not", "a", "mapping"], "expected a mapping"),
])
def test_errors_name_the_file_and_the_field(data, message):
    with pytest.raises(HoursError, match=message) as err:
        parse_hours(data, "hours.yaml")
    assert str(err.value).startswith("hours.yaml")


def test_a_broken_file_keeps_the_bot_answering(tmp_path: Path):
    (tmp_path / "hours.yaml").write_text("weekly: [oops\n", encoding="utf-8")
    with pytest.raises(HoursError, match=r"hours\.yaml"):
        load_hours(tmp_path / "hours.yaml")
    hours = business_hours(replace(make_settings("sqlite://"), knowledge_dir=str(tmp_path)))
    assert "hours.yaml" in hours.problem and hours.is_open(shanghai(2026, 11, 28, 3, 0))


def test_a_missing_year_of_holidays_is_reported_from_november():
    hours = parse_hours({"weekly": {"mon": "09:00-18:00"}, "holidays": ["2026-10-01..2026-10-07"]}, "t.yaml")
    assert hours.calendar_gaps(date(2026, 6, 1)) == []  # this year is there; next year's is not out yet
    assert hours.calendar_gaps(date(2026, 11, 27)) == [2027]  # published in November: now it is missing
    assert hours.calendar_gaps(date(2027, 1, 5)) == [2027]
    assert hours.calendar_gaps(date(2028, 11, 1)) == [2028, 2029]
