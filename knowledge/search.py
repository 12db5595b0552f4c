"""FAQ retrieval: a question in, a decision (answer / clarify / fallback) and ranked entries out.

First version: character-level fuzzy similarity over questions and alternates (rapidfuzz).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from rapidfuzz import fuzz, process

from knowledge.entries import Entry, load_entries

Decision = Literal["answer", "clarify", "fallback"]
CACHE_SIZE = 4096  # questions whose outcome a Searcher remembers (a few MB at most)


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float  # confidence in [0, 1]


@dataclass(frozen=True)
class SearchOutcome:
    query: str
    decision: Decision
    hits: tuple[Hit, ...]  # best first, at most 5
    license: str | None = None  # licence the question names, if detected
    topic: str | None = None  # topic the question names, if detected


class Searcher:
    """Ranks FAQ entries for a question. Built once at start-up; `search` is read-only."""

    answer_at = 0.72
    clarify_at = 0.55

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.entries = list(entries)
        self._texts: list[str] = []
        self._owner: list[int] = []
        for i, entry in enumerate(self.entries):
            for loc in (entry.zh, entry.en):
                if loc is None:
                    continue
                for text in (loc.question, *loc.alternates):
                    self._texts.append(text.lower())
                    self._owner.append(i)
        self._rank = functools.lru_cache(maxsize=CACHE_SIZE)(self._rank)  # type: ignore[method-assign]

    @classmethod
    def from_folder(cls, folder: Path | None = None) -> Searcher:
        return cls(load_entries(folder))

    def search(self, query: str, lang: str = "zh") -> SearchOutcome:
        """Rank the entries for `query`. The same question (case and outer spaces aside) gets the same
        outcome, so the last CACHE_SIZE ones are remembered: a fuzzy pass over every text costs ~10 ms."""
        q = query.strip().lower()
        if not q or not self._texts:
            return SearchOutcome(query, "fallback", ())
        outcome = self._rank(q)
        return outcome if outcome.query == query else replace(outcome, query=query)

    def _rank(self, q: str) -> SearchOutcome:
        best: dict[int, float] = {}
        for _text, score, idx in process.extract(q, self._texts, scorer=fuzz.WRatio, limit=40):
            owner = self._owner[idx]
            best[owner] = max(best.get(owner, 0.0), score / 100.0)
        ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=True)[:5]
        hits = tuple(Hit(self.entries[i], round(s, 4)) for i, s in ranked)
        return SearchOutcome(q, decide(hits, self.answer_at, self.clarify_at), hits)


def decide(hits: Sequence[Hit], answer_at: float, clarify_at: float) -> Decision:
    if not hits or hits[0].score < clarify_at:
        return "fallback"
    if hits[0].score >= answer_at and (len(hits) == 1 or hits[0].score - hits[1].score >= 0.05):
        return "answer"
    return "clarify"
