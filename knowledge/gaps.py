"""Unanswered questions grouped by similarity, most frequent first, and a YAML draft to fill them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

import yaml
from rapidfuzz import fuzz

SIMILAR = 72.0


class Asked(Protocol):
    """A logged question (the query log's rows: intents/unanswered.py reads the unanswered ones)."""

    query: str
    top_id: str | None
    chosen_id: str | None  # the entry the user picked among the candidates
    feedback: int | None  # -1: marked 👎


@dataclass
class Gap:
    representative: str
    questions: Counter[str] = field(default_factory=Counter)
    candidates: Counter[str] = field(default_factory=Counter)  # entries users picked or the bot tried

    @property
    def count(self) -> int:
        return sum(self.questions.values())


def group(rows: Iterable[Asked]) -> list[Gap]:
    """Greedy single pass: a question joins the first group whose representative it resembles."""
    gaps: list[Gap] = []
    for row in rows:
        text = row.query.strip()
        if not text:
            continue
        gap = next((g for g in gaps if fuzz.token_set_ratio(g.representative, text) >= SIMILAR), None)
        if gap is None:
            gap = Gap(text)
            gaps.append(gap)
        gap.questions[text] += 1
        if row.chosen_id:
            gap.candidates[row.chosen_id] += 2  # a user's pick says more than the bot's guess
        elif row.top_id and row.feedback != -1:
            gap.candidates[row.top_id] += 1
    return sorted(gaps, key=lambda g: (-g.count, g.representative))


def draft(gaps: list[Gap]) -> str:
    """YAML for a consultant: new alternates where users point at an entry, new entries elsewhere."""
    alternates, entries = [], []
    for i, gap in enumerate(gaps, 1):
        questions = [q for q, _ in gap.questions.most_common()]
        picked = [c for c, n in gap.candidates.most_common(1) if n >= 2]
        if picked:
            alternates.append({"entry": picked[0], "add_alternates": questions, "asked": gap.count})
        else:
            entries.append({"id": f"draft-{i}", "license": "general", "topic": "need", "question": questions[0],
                            "alternates": questions[1:], "answer": "TODO: write the answer", "asked": gap.count})
    header = ("# Draft from `licensebot kb gaps`: edit, then move into knowledge/faq/*.yaml.\n"
              "# Remove the 'asked' counts; check licence and topic codes (knowledge/README.md).\n")
    return header + yaml.safe_dump({"new_alternates": alternates, "new_entries": entries}, allow_unicode=True,
                                   sort_keys=False)
