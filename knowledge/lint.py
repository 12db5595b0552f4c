"""Checks on the knowledge base that a loader cannot make one entry at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from rapidfuzz import fuzz, process

from knowledge.entries import Entry
from knowledge.lint_rules import local_dates, source_findings

MAX_ANSWER_CHARS = 350
MIN_ALTERNATES = 4
STALE_AFTER = timedelta(days=365)
NEAR_DUPLICATE = 95.0


@dataclass(frozen=True)
class Finding:
    level: str  # "error" or "warning"
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.where}: {self.message}"


def lint(entries: list[Entry], today: date) -> list[Finding]:
    findings: list[Finding] = []
    ids = {e.id for e in entries}
    for e in entries:
        where = f"{e.file}: {e.id}"
        for rel in e.related:
            if rel not in ids:
                findings.append(Finding("error", where, f"related id '{rel}' does not exist"))
            elif rel == e.id:
                findings.append(Finding("error", where, "an entry cannot be related to itself"))
        if len(e.zh.alternates) < MIN_ALTERNATES:
            findings.append(Finding("warning", where, f"only {len(e.zh.alternates)} alternates (want ≥ {MIN_ALTERNATES})"))
        if len(e.zh.answer) > MAX_ANSWER_CHARS:
            findings.append(Finding("warning", where, f"answer is {len(e.zh.answer)} characters (aim ≤ {MAX_ANSWER_CHARS})"))
        if e.en is None:
            findings.append(Finding("error", where, "no English version ('en'): every entry needs one"))
        findings += [Finding("error", where, message) for message in source_findings(e)]
        findings += [Finding("error", where, message) for message in local_dates(e)]
        if e.reviewed is None:
            findings.append(Finding("warning", where, "no 'reviewed' date"))
        elif today - e.reviewed > STALE_AFTER:
            findings.append(Finding("warning", where, f"not reviewed since {e.reviewed} (over 12 months)"))
        elif e.reviewed > today:
            findings.append(Finding("error", where, f"'reviewed' date {e.reviewed} is in the future"))
    findings += near_duplicates(entries)
    return findings


def near_duplicates(entries: list[Entry]) -> list[Finding]:
    """Questions or alternates of two different entries that read (almost) the same."""
    texts: list[str] = []
    owners: list[Entry] = []
    for e in entries:
        for t in (e.zh.question, *e.zh.alternates):
            texts.append(t.lower())
            owners.append(e)
    if not texts:
        return []
    found: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for i, text in enumerate(texts):
        for _match, _score, j in process.extract(text, texts, scorer=fuzz.ratio, score_cutoff=NEAR_DUPLICATE,
                                                 limit=None):
            a, b = owners[i], owners[j]
            if j <= i or a.id == b.id or (a.id, b.id) in seen:
                continue
            seen.add((a.id, b.id))
            found.append(Finding("error", f"{a.file}: {a.id}",
                                 f"'{texts[i]}' nearly repeats '{texts[j]}' of {b.id} ({b.file})"))
    return found


def english_coverage(entries: list[Entry]) -> dict[str, tuple[int, int]]:
    """Per licence code: (entries with an English version, all entries)."""
    counts: dict[str, tuple[int, int]] = {}
    for e in entries:
        done, total = counts.get(e.license, (0, 0))
        counts[e.license] = (done + (e.en is not None), total + 1)
    return counts


def coverage(entries: list[Entry]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for e in entries:
        counts[(e.license, e.topic)] = counts.get((e.license, e.topic), 0) + 1
    return counts
