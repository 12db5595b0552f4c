"""Loading and linting the FAQ YAML: every error names the file and the entry."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase
from knowledge.entries import KnowledgeError, load_entries
from knowledge.lint import lint

GOOD = """
- id: icp-renewal-a
  license: icp
  topic: renewal
  question: ICP证怎么续期
  alternates: [ICP续期流程, 经营性ICP续证, ICP证到期怎么办, ICP许可证延续]
  answer: 答案
  related: [{related}]
  reviewed: {reviewed}
"""


def write(folder: Path, name: str, text: str) -> Path:
    (folder / "faq").mkdir(parents=True, exist_ok=True)
    path = folder / "faq" / name
    path.write_text(text, encoding="utf-8")
    return folder


def test_shipped_knowledge_base_loads_and_lints_without_errors():
    entries = load_entries()
    assert entries
    assert [f for f in lint(entries, date(2026, 12, 4)) if f.level == "error"] == []  # the 2026-12 review date


@pytest.mark.parametrize(("text", "message"), [
    ("- id: x\n  license: food\n  topic: renewal\n  question: q\n  answer: a\n", "unknown license code 'food'"),
    ("- id: x\n  license: icp\n  topic: weather\n  question: q\n  answer: a\n", "unknown topic code 'weather'"),
    ("- id: x\n  license: icp\n  topic: renewal\n  question: q\n  answer: '  '\n", "'answer' must be a non-empty"),
    ("- id: x\n  license: icp\n  topic: renewal\n  question: q\n  answer: a\n  colour: red\n", "unknown keys"),
    ("- id: x\n  license: icp\n  topic: renewal\n  question: q\n  answer: a\n  reviewed: soon\n", "'reviewed'"),
    ("- id: x\n  license: [icp\n", "not valid YAML"),
    ("id: x\n", "expected a list"),
])
def test_schema_errors_name_file_and_entry(tmp_path, text, message):
    write(tmp_path, "bad.yaml", text)
    with pytest.raises(KnowledgeError) as err:
        load_entries(tmp_path)
    assert "bad.yaml" in str(err.value) and message in str(err.value)


def test_duplicate_ids_across_files_are_refused(tmp_path):
    write(tmp_path, "a.yaml", GOOD.format(related="", reviewed="2026-11-01"))
    write(tmp_path, "b.yaml", GOOD.format(related="", reviewed="2026-11-01"))
    with pytest.raises(KnowledgeError, match=r"icp-renewal-a: id already used in a\.yaml"):
        load_entries(tmp_path)


def test_lint_finds_dangling_links_stale_entries_and_near_duplicates(tmp_path):
    write(tmp_path, "a.yaml", GOOD.format(related="nowhere", reviewed="2025-01-01")
          + GOOD.replace("icp-renewal-a", "icp-renewal-b").format(related="", reviewed="2026-11-01"))
    findings = [str(f) for f in lint(load_entries(tmp_path), date(2026, 11, 27))]
    assert any("related id 'nowhere' does not exist" in f for f in findings)
    assert any("not reviewed since 2025-01-01" in f and f.startswith("warning") for f in findings)
    assert any("nearly repeats" in f and "icp-renewal-b" in f for f in findings)


def test_broken_reload_keeps_the_old_knowledge_in_service(tmp_path):
    write(tmp_path, "a.yaml", GOOD.format(related="", reviewed="2026-11-01"))
    kb = KnowledgeBase(tmp_path)
    write(tmp_path, "a.yaml", "- id: [broken\n")
    error = kb.reload()
    assert error is not None and "a.yaml" in error
    assert kb.get("icp-renewal-a") is not None
