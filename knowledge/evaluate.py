"""Retrieval evaluation: the search against a labelled question set, beside a naive baseline.

The set (knowledge/eval/questions.yaml) is a list of `{q, license, topic}` (in scope) and
`{q, oos: true}` (out of scope). An in-scope question counts as right when the first result has the
right licence and topic and the decision is not `fallback`; an out-of-scope one when the decision is
`fallback`. The baseline is what a first version would do: rapidfuzz `extractOne` with WRatio over
every question and alternate, below a fixed threshold → fallback.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from rapidfuzz import fuzz, process, utils

from bot.yamlfile import read_yaml
from knowledge.codes import LICENSES, TOPICS
from knowledge.entries import Entry, KnowledgeError
from knowledge.search import SearchOutcome


class SearchesFAQ(Protocol):
    entries: list[Entry]

    def search(self, query: str, lang: str = "zh") -> SearchOutcome: ...


@dataclass(frozen=True)
class Item:
    q: str
    license: str | None = None  # None for an out-of-scope question
    topic: str | None = None

    @property
    def oos(self) -> bool:
        return self.license is None


@dataclass(frozen=True)
class Figures:
    top1: float  # in scope: first result has the right licence and topic, not a fallback
    top3: float  # in scope: one of the first three results is right, not a fallback
    oos_fallback: float  # out of scope: decision is fallback
    in_scope: int
    out_of_scope: int
    decisions: dict[str, int] = field(default_factory=dict)  # in-scope decisions


@dataclass(frozen=True)
class Miss:
    item: Item
    decision: str
    got: str  # "license/topic" of the first result, or "-"


@dataclass(frozen=True)
class EvalReport:
    system: Figures
    baseline: Figures
    misses: tuple[Miss, ...]
    seconds: float  # time the system took for the whole set


def load_items(path: Path) -> list[Item]:
    """Read and validate the labelled questions; errors name the file and the item."""
    data = read_yaml(path, KnowledgeError)
    if not isinstance(data, list):
        raise KnowledgeError(f"{path.name}: expected a list of questions")
    return [_item(raw, f"{path.name}: item #{n + 1}") for n, raw in enumerate(data)]


def _item(raw: Any, where: str) -> Item:
    if not isinstance(raw, dict) or not isinstance(raw.get("q"), str) or not raw["q"].strip():
        raise KnowledgeError(f"{where}: expected a mapping with a non-empty 'q'")
    if raw.get("oos") is True:
        return Item(raw["q"])
    if raw.get("license") not in LICENSES or raw.get("topic") not in TOPICS:
        raise KnowledgeError(f"{where} ({raw['q']}): needs a known 'license' and 'topic', or 'oos: true'")
    return Item(raw["q"], raw["license"], raw["topic"])


class Baseline:
    """rapidfuzz extractOne (WRatio) over all questions and alternates; below `threshold` → fallback."""

    def __init__(self, entries: Sequence[Entry], threshold: float = 80.0) -> None:
        self.threshold = threshold
        self.texts: list[str] = []
        self.owner: list[Entry] = []
        for entry in entries:
            for loc in (entry.zh, entry.en):
                for text in (loc.question, *loc.alternates) if loc else ():
                    self.texts.append(text)
                    self.owner.append(entry)

    def ranked(self, query: str) -> tuple[bool, list[Entry]]:
        """(fell back, entries best first, at most 3)."""
        found = process.extract(query, self.texts, scorer=fuzz.WRatio, processor=utils.default_process,
                                limit=30)
        entries: list[Entry] = []
        for _text, _score, idx in found:
            if self.owner[idx] not in entries:
                entries.append(self.owner[idx])
        fell_back = not found or found[0][1] < self.threshold
        return fell_back, entries[:3]


def _right(entry: Entry, item: Item) -> bool:
    return entry.license == item.license and entry.topic == item.topic


def _figures(results: list[tuple[Item, bool, list[Entry], str]]) -> Figures:
    inside = [r for r in results if not r[0].oos]
    outside = [r for r in results if r[0].oos]
    decisions: dict[str, int] = {}
    for _item, _fb, _entries, decision in inside:
        decisions[decision] = decisions.get(decision, 0) + 1
    top1 = sum(1 for it, fb, es, _d in inside if not fb and es and _right(es[0], it))
    top3 = sum(1 for it, fb, es, _d in inside if not fb and any(_right(e, it) for e in es[:3]))
    oos_ok = sum(1 for _it, fb, _es, _d in outside if fb)
    return Figures(
        top1=top1 / len(inside) if inside else 0.0,
        top3=top3 / len(inside) if inside else 0.0,
        oos_fallback=oos_ok / len(outside) if outside else 0.0,
        in_scope=len(inside),
        out_of_scope=len(outside),
        decisions=decisions,
    )


def evaluate(searcher: SearchesFAQ, items: Sequence[Item], lang: str = "zh") -> EvalReport:
    """Run the searcher (as for a user whose language is `lang`) and the baseline over the items."""
    system: list[tuple[Item, bool, list[Entry], str]] = []
    misses: list[Miss] = []
    started = time.perf_counter()
    for item in items:
        outcome = searcher.search(item.q, lang)
        entries = [h.entry for h in outcome.hits]
        fell_back = outcome.decision == "fallback"
        system.append((item, fell_back, entries, outcome.decision))
        right = (fell_back if item.oos else (not fell_back and bool(entries) and _right(entries[0], item)))
        if not right:
            got = f"{entries[0].license}/{entries[0].topic}" if entries else "-"
            misses.append(Miss(item, outcome.decision, got))
    seconds = time.perf_counter() - started
    baseline = Baseline(searcher.entries)
    base: list[tuple[Item, bool, list[Entry], str]] = []
    for item in items:
        fell_back, entries = baseline.ranked(item.q)
        base.append((item, fell_back, entries, "fallback" if fell_back else "answer"))
    return EvalReport(_figures(system), _figures(base), tuple(misses), seconds)


def run_eval(path: Path, searcher: SearchesFAQ, lang: str = "zh") -> EvalReport:
    """Evaluate a searcher on a labelled question file (knowledge/eval/questions.yaml format),
    searching as for a user whose language is `lang` (zh or en)."""
    return evaluate(searcher, load_items(path), lang)


def format_report(report: EvalReport, show_misses: int = 20) -> str:
    """The figures of the search and the baseline side by side, then the first misses."""
    s, b = report.system, report.baseline
    rows = [
        ("top-1 accuracy", s.top1, b.top1),
        ("top-3 accuracy", s.top3, b.top3),
        ("out-of-scope fallback", s.oos_fallback, b.oos_fallback),
    ]
    lines = [f"{s.in_scope} in-scope and {s.out_of_scope} out-of-scope questions",
             f"{'':24}{'search':>10}{'baseline':>10}{'diff':>8}"]
    for name, mine, theirs in rows:
        lines.append(f"{name:24}{mine:>10.3f}{theirs:>10.3f}{(mine - theirs) * 100:>+7.1f}p")
    decisions = ", ".join(f"{k} {v}" for k, v in sorted(s.decisions.items()))
    per_query = report.seconds / max(1, s.in_scope + s.out_of_scope) * 1000
    lines.append(f"in-scope decisions: {decisions}; {per_query:.2f} ms per question")
    if report.misses and show_misses:
        lines.append(f"misses ({len(report.misses)}, first {min(show_misses, len(report.misses))}):")
        for miss in report.misses[:show_misses]:
            want = "fallback" if miss.item.oos else f"{miss.item.license}/{miss.item.topic}"
            lines.append(f"  {miss.item.q}  want {want}  got {miss.decision} {miss.got}")
    return "\n".join(lines)
