"""Reminder rules: the shipped file loads; every mistake names the file and the key."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from scheduler.milestones import current_annual, latest_renewal, renewal_bands, upcoming
from scheduler.rules import DEFAULT_PATH, RulesError, load_rules

RULES = load_rules()


def test_shipped_rules_have_the_default_milestones_and_quiet_hours():
    assert [m.days for m in RULES.renewal] == [180, 120, 90, 60, 30, 14, 7, 1, 0, -1, -8, -15, -22, -29, -36, -43, -50, -57]
    assert [m.name for m in RULES.annual] == ["early_jan", "mid_feb", "mid_mar", "last_call"]
    assert RULES.quiet.is_quiet(datetime(2027, 1, 1, 13, 30, tzinfo=UTC))  # 21:30 in Shanghai
    assert RULES.quiet.is_quiet(datetime(2027, 1, 1, 0, 59, tzinfo=UTC))  # 08:59
    assert not RULES.quiet.is_quiet(datetime(2027, 1, 1, 1, 0, tzinfo=UTC))  # 09:00
    assert RULES.quiet.next_open(datetime(2027, 1, 1, 13, 30, tzinfo=UTC)) == datetime(2027, 1, 2, 1, 0, tzinfo=UTC)


def test_renewal_texts_cite_the_90_day_rule_in_both_languages():
    for m in RULES.renewal:
        if m.days >= 1:
            text = RULES.texts[m.text]
            assert "第二十七条" in text.zh and "90" in text.zh
            assert "Article 27" in text.en and "90" in text.en
    assert " " not in RULES.texts["renewal_prepare"].zh.replace("{", "").split("（")[0]  # folded lines joined


def _write(tmp_path: Path, mutate) -> Path:
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(("mutate", "key"), [
    (lambda r: r["renewal"]["milestones"][2].update(days="ninety"), "renewal.milestones[2].days"),
    (lambda r: r["renewal"]["milestones"][1].update(days=180), "renewal.milestones"),
    (lambda r: r["renewal"]["milestones"][0].update(text="nope"), "renewal.milestones[0].text"),
    (lambda r: r["texts"]["renewal_prepare"].update(en="{company} {oops}"), "texts.renewal_prepare.en"),
    (lambda r: r["texts"]["annual_open"].update(zh="{company"), "texts.annual_open.zh"),
    (lambda r: r["texts"]["renewal_expired"].pop("en"), "texts.renewal_expired.en"),
    (lambda r: r["quiet_hours"].update(start="9pm"), "quiet_hours.start"),
    (lambda r: r["annual_report"]["milestones"][0].update(date="04-10"), "annual_report.milestones[0].date"),
    (lambda r: r["annual_report"]["milestones"][0].update(date="02-30"), "annual_report.milestones[0].date"),
    (lambda r: r["annual_report"]["milestones"][1].update(name="Mid Feb"), "annual_report.milestones[1].name"),
    (lambda r: r.update(timezone="Mars/Olympus"), "timezone"),
    (lambda r: r.pop("renewal"), "renewal"),
])
def test_a_broken_rule_names_the_file_and_key(tmp_path: Path, mutate, key):
    path = _write(tmp_path, mutate)
    with pytest.raises(RulesError) as err:
        load_rules(path)
    assert str(err.value).startswith(f"{path}: {key}:"), str(err.value)


def test_broken_yaml_and_missing_file_are_reported(tmp_path: Path):
    bad = tmp_path / "rules.yaml"
    bad.write_text("renewal: [unclosed\n", encoding="utf-8")
    with pytest.raises(RulesError, match="not valid YAML"):
        load_rules(bad)
    with pytest.raises(RulesError, match="cannot read"):
        load_rules(tmp_path / "missing.yaml")


def test_latest_due_milestone_and_bands_agree():
    today = date(2027, 5, 10)
    bands = renewal_bands(RULES, today)
    for days_left in range(-30, 400):
        expires = date.fromordinal(today.toordinal() + days_left)
        due = latest_renewal(RULES, expires, 1, date(2020, 1, 1), today)
        band = next((b for b in bands if (b.after is None or expires > b.after) and expires <= b.upto), None)
        assert (due.milestone if due else None) == (band.milestone.name if band else None), days_left


def test_registered_inside_a_window_gets_that_milestone_at_once_and_no_earlier_one():
    # registered 100 days before expiry: 120 is the window it is in (sent at once), 180 never is
    expires = date(2027, 8, 18)
    got = upcoming(RULES, expires_on=expires, cycle=1, tracked_from=date(2027, 5, 10), created_on=date(2027, 5, 10),
                   issued_on=None, annual_done_year=None, start=date(2027, 5, 10), end=date(2027, 12, 31))
    assert [d.milestone for d in got] == ["d120", "d90", "d60", "d30", "d14", "d7", "d1", "d0", "d-1",
                                          "d-8", "d-15", "d-22", "d-29", "d-36", "d-43", "d-50", "d-57"]


def test_annual_window_only_in_the_first_quarter():
    assert current_annual(RULES, date(2027, 1, 9)) is None
    assert current_annual(RULES, date(2027, 1, 10)).milestone == "early_jan"
    assert current_annual(RULES, date(2027, 3, 20)).milestone == "mid_mar"
    assert current_annual(RULES, date(2027, 3, 31)).milestone == "last_call"
    assert current_annual(RULES, date(2027, 4, 1)) is None
