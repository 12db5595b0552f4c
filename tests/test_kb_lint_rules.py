"""The content rules of `kb lint` (issue 19), on the fixture knowledge bases in tests/fixtures/kb/lint."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from knowledge.entries import KnowledgeError, load_entries
from knowledge.lint import english_coverage, lint

FIXTURES = Path(__file__).parent / "fixtures" / "kb" / "lint"
TODAY = date(2026, 11, 27)


def errors(folder: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for f in lint(load_entries(folder), TODAY):
        if f.level == "error":
            found.setdefault(f.where.split(": ")[1], []).append(f.message)
    return found


def test_a_knowledge_base_that_follows_the_rules_has_no_errors():
    assert errors(FIXTURES / "good") == {}


@pytest.mark.parametrize(("entry", "message"), [
    ("general-no-english", "no English version"),
    ("general-foreign-unsourced", "mentions foreign investment but has no 'source'"),
    ("general-scope-unsourced", "mentions scope across provinces but has no 'source'"),
    ("general-fee-unsourced", "mentions a fee but has no 'source'"),
    ("general-annual-report-chongqing", "gives '1月10日' without naming the province"),
    ("general-annual-report-chongqing", "gives '10 January' without naming the province"),
])
def test_each_broken_rule_is_an_error_naming_file_and_entry(entry, message):
    found = errors(FIXTURES / "bad")
    assert any(message in m for m in found.get(entry, [])), found.get(entry)
    assert set(found) == {"general-no-english", "general-foreign-unsourced", "general-scope-unsourced",
                          "general-fee-unsourced", "general-annual-report-chongqing"}


def test_a_province_named_beside_its_date_and_a_law_coming_into_force_pass():
    # the good fixture says 重庆 / Chongqing beside 1月10日 and gives 74号令's date of 2026-05-01
    entries = {e.id: e for e in load_entries(FIXTURES / "good")}
    assert "重庆" in entries["general-annual-report-when"].zh.answer
    assert "5月1日" in entries["general-sms-rules"].zh.answer


def test_varies_by_province_is_read_and_checked(tmp_path):
    entries = {e.id: e for e in load_entries(FIXTURES / "good")}
    assert entries["general-annual-report-when"].varies_by_province
    assert not entries["general-foreign-cap"].varies_by_province
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "x.yaml").write_text(
        "- id: x\n  license: icp\n  topic: renewal\n  question: q\n  answer: a\n  varies_by_province: maybe\n",
        encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"x\.yaml: entry #1 \(x\): 'varies_by_province' must be true or false"):
        load_entries(tmp_path)


def test_english_coverage_counts_entries_per_licence():
    assert english_coverage(load_entries(FIXTURES / "bad")) == {"general": (4, 5)}


def test_kb_coverage_prints_english_coverage_and_fails_while_some_entries_lack_it():
    env = {**os.environ, "KNOWLEDGE_DIR": str(FIXTURES / "bad")}
    done = subprocess.run([sys.executable, "-m", "licensebot.cli.main", "kb", "coverage"], capture_output=True,
                          text=True, env=env, cwd=Path(__file__).parent.parent)
    assert "English: 4 of 5 entries (80%); 1 Chinese only" in done.stdout, done.stdout + done.stderr
    assert done.returncode == 1
