"""The project describes its interfaces in its own files: no pointer to a file outside the repository,
no talk of who grades it, and one name for each environment variable."""

from __future__ import annotations

import re
import tomllib

from knowledge.gaps import draft
from licensebot.cli.main import build_parser
from tests.test_cli import ROOT

MD_PATH = re.compile(r"[\w./-]*[\w-]+\.md\b")


def missing_md_files(text: str, base: str) -> list[str]:
    """The .md files `text` names that are in neither the repository root nor `base`."""
    return [name for name in MD_PATH.findall(text)
            if not (ROOT / name).is_file() and not (ROOT / base / name).is_file()]


def test_help_speaks_of_the_projects_own_interfaces():
    parser = build_parser()
    texts = [parser.format_help()] + [p.format_help() for p in parser._subparsers._group_actions[0].choices.values()]  # type: ignore[union-attr]
    for text in texts:
        assert "judge" not in text.lower()
        assert missing_md_files(text, ".") == [], text


def test_knowledge_docs_and_the_gaps_draft_point_only_to_files_in_the_repository():
    for doc in ("knowledge/README.md", "knowledge/SEARCH.md", "knowledge/eval/README.md"):
        text = (ROOT / doc).read_text(encoding="utf-8")
        assert "kb-contract" not in text
        assert missing_md_files(text, doc.rsplit("/", 1)[0]) == [], doc
    assert "kb-contract" not in (ROOT / "knowledge/aliases.yaml").read_text(encoding="utf-8")
    header = draft([])
    assert missing_md_files(header, ".") == [] and "knowledge/README.md" in header


def test_the_ask_json_format_is_documented_in_the_repository():
    text = (ROOT / "knowledge/README.md").read_text(encoding="utf-8")
    section = text.split("## `licensebot ask --json`", 1)[1]
    for word in ('"query"', '"decision"', '"results"', "answer", "clarify", "fallback", "score"):
        assert word in section


def test_the_postgres_marker_names_the_variable_the_fixtures_read():
    markers = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]["markers"]
    conftest = (ROOT / "tests/conftest.py").read_text(encoding="utf-8")
    used = set(re.findall(r'environ\.get\("([A-Z_]*POSTGRES[A-Z_]*|[A-Z_]*PG[A-Z_]*)"', conftest))
    named = set(re.findall(r"\(([A-Z_]+)\)", " ".join(markers)))
    assert named and named <= used, (named, used)
    assert "TEST_POSTGRES_URL" in (ROOT / "README.md").read_text(encoding="utf-8")
