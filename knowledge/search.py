"""FAQ retrieval: a question in, a decision (answer / clarify / fallback) and ranked entries out.

How a question is scored against an entry (see README.md in this folder for the reasoning):
1. Understanding (analyze.py): the licence and topic the question names, from aliases.yaml; other
   kinds of licence (食品经营, 驾驶证 …) and questions with nothing of the domain in them are
   turned away before any ranking.
2. Candidates: the best entries by BM25 over jieba words (bm25.py), plus the entries whose licence
   and topic are exactly the ones named — so a question phrased unlike any alternate still finds them.
3. Each candidate gets a score from word coverage (how much of the question's idf mass the entry
   contains), character-level similarity to its closest question/alternate (rapidfuzz), and the
   licence and topic agreement. An entry about another licence than the one named is pushed far
   down; a question naming no licence prefers `general` entries.
4. The score becomes a confidence in [0, 1]; answer when it is high and clearly ahead, clarify when
   a few candidates are close, fallback otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rapidfuzz import fuzz

from knowledge.aliases import Aliases
from knowledge.analyze import Analysis, Analyzer
from knowledge.bm25 import BM25
from knowledge.entries import Entry, load_entries

Decision = Literal["answer", "clarify", "fallback"]
HOLDER_TOPICS = ("cancel", "change", "renewal", "annual_report")


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


@dataclass(frozen=True)
class Weights:
    """How the evidence adds up. Tuned on the FAQ's own alternates and the evaluation set."""

    coverage: float = 0.30  # share of the question's idf mass found in the entry
    fuzzy: float = 0.45  # character similarity to the closest question/alternate
    bm25: float = 0.10  # BM25 relative to the best candidate
    named_match: float = 0.30  # the entry is about the licence the question names
    named_general: float = -0.15  # a general entry when a specific licence is named
    named_other: float = -0.60  # an entry about another licence than the one named
    hint_match: float = 0.12  # the entry's licence matches a business word (机柜, 短信 …)
    hint_other: float = -0.05
    none_general: float = 0.15  # no licence named: general entries first
    none_other: float = -0.35
    topic_main: float = 0.25  # the entry's topic is the question's main topic
    topic_other: float = 0.08  # … one of the other topics it names
    topic_miss: float = -0.08  # the question names topics, none of them the entry's
    no_domain: float = -0.15  # nothing of the domain in the question (only topic words)
    unknown_word: float = 0.5  # weight of a word the FAQ never uses, as a share of the max idf
    midpoint: float = 0.62  # score at which confidence is 0.5
    slope: float = 7.0  # steepness of the score → confidence curve


class Searcher:
    """Ranks FAQ entries for a question. Built once at start-up; `search` is read-only."""

    answer_at = 0.60
    clarify_at = 0.42
    margin = 0.08  # the best hit must lead the next one by this much to be answered outright
    candidates = 30

    def __init__(self, entries: Sequence[Entry], aliases: Aliases | None = None,
                 weights: Weights | None = None) -> None:
        self.entries = list(entries)
        self.weights = weights or Weights()
        self.analyzer = Analyzer(aliases)
        self._texts: list[dict[str, list[tuple[str, str]]]] = []
        self._pairs: dict[tuple[str, str], list[int]] = {}
        docs: list[dict[str, float]] = []
        for i, entry in enumerate(self.entries):
            doc: dict[str, float] = {}
            texts: dict[str, list[tuple[str, str]]] = {}
            for lang, loc in (("zh", entry.zh), ("en", entry.en)):
                if loc is None:
                    continue
                for text in (loc.question, *loc.alternates):
                    analysis = self.analyzer(text, lang)
                    texts.setdefault(lang, []).append((analysis.fuzzy, " ".join(analysis.tokens)))
                    for token in analysis.tokens:
                        doc[token] = doc.get(token, 0.0) + 1.0
            docs.append(doc)
            self._texts.append(texts)
            self._pairs.setdefault((entry.license, entry.topic), []).append(i)
        self.index = BM25(docs)

    @classmethod
    def from_folder(cls, folder: Path | None = None) -> Searcher:
        return cls(load_entries(folder))

    def search(self, query: str, lang: str = "zh") -> SearchOutcome:
        q = self.analyzer(query, lang)
        licence, topics = q.licence, self._topics(q)
        topic = topics[0] if topics else None
        if not q.tokens or (q.oos and not q.domain) or not (q.domain or topics):
            return SearchOutcome(query, "fallback", (), licence, topic)
        raw = self._score(q, topics)
        ranked = sorted(raw.items(), key=lambda kv: kv[1], reverse=True)[:5]
        hits = tuple(Hit(self.entries[i], round(self._confidence(s), 4)) for i, s in ranked)
        decision, hits = decide(hits, self.answer_at, self.clarify_at, self.margin)
        return SearchOutcome(query, decision, hits, licence, topic)

    def analyze(self, query: str, lang: str = "zh") -> Analysis:
        return self.analyzer(query, lang)

    @staticmethod
    def _topics(q: Analysis) -> tuple[str, ...]:
        """The question's topics, main first. A question naming two licences asks which one it needs
        (办EDI还是ICP, SP和ICP的区别), unless it is about doing something to a licence it holds."""
        if len(q.specific) >= 2 and not (q.topics and q.topics[0] in HOLDER_TOPICS):
            return ("need", *(t for t in q.topics if t != "need"))
        return q.topics

    def _query_weights(self, q: Analysis) -> dict[str, float]:
        unknown = self.weights.unknown_word * self.index.unseen_idf
        weights: dict[str, float] = {}
        for token in q.tokens:
            if token in self.index.idf:
                weights[token] = self.index.idf[token]
            elif token not in self.analyzer.neutral and not token.isdigit():
                weights[token] = unknown
        return weights

    def _score(self, q: Analysis, topics: tuple[str, ...]) -> dict[int, float]:
        w = self.weights
        q_weights = self._query_weights(q)
        total = sum(q_weights.values()) or 1.0
        bm25, covered = self.index.scores_and_coverage(q_weights)
        # An entry without text in the question's language is judged on the aliases alone
        # (L:icp, T:renewal …), which are the same in every language.
        codes = {t: v for t, v in q_weights.items() if t[1:2] == ":"}
        codes_total = sum(codes.values()) or 1.0
        codes_covered = self.index.scores_and_coverage(codes)[1] if q.lang != "zh" else {}
        pool = sorted(bm25, key=bm25.__getitem__, reverse=True)[: self.candidates]
        pool.extend(self._exact(q, topics))
        best_bm25 = max(bm25.values(), default=0.0) or 1.0
        texts_q = (q.fuzzy, " ".join(q.tokens))
        domain_term = 0.0 if q.domain else w.no_domain
        scores: dict[int, float] = {}
        for i in dict.fromkeys(pool):
            entry = self.entries[i]
            if q.lang in self._texts[i]:
                coverage = min(1.0, covered.get(i, 0.0) / total)
                similarity = self._similarity(texts_q, self._texts[i][q.lang])
            else:
                coverage = similarity = min(1.0, codes_covered.get(i, 0.0) / codes_total)
            scores[i] = (w.coverage * coverage + w.fuzzy * similarity + w.bm25 * bm25.get(i, 0.0) / best_bm25
                         + self._licence_term(q, entry.license) + self._topic_term(topics, entry.topic)
                         + domain_term)
        return scores

    def _exact(self, q: Analysis, topics: tuple[str, ...]) -> list[int]:
        """Entries whose licence and topic are exactly the ones the question names."""
        if not topics:
            return []
        licence = q.licence or "general"
        return self._pairs.get((licence, topics[0]), [])[:20]

    @staticmethod
    def _similarity(texts_q: tuple[str, str], texts: list[tuple[str, str]]) -> float:
        """Best similarity to one of the entry's texts: characters, or words in any order."""
        fuzzy_q, tokens_q = texts_q
        best = 0.0
        for fuzzy_t, tokens_t in texts:
            score = max(fuzz.ratio(fuzzy_q, fuzzy_t), fuzz.token_sort_ratio(tokens_q, tokens_t))
            best = max(best, score)
        return best / 100.0

    def _licence_term(self, q: Analysis, licence: str) -> float:
        w = self.weights
        specific = q.specific
        if specific:
            if licence == specific[0]:
                return w.named_match
            if licence in specific or licence == "general":
                return w.named_general
            return w.named_other
        if "general" in q.names:
            return w.named_match if licence == "general" else w.named_other
        if q.hints:
            return w.hint_match if licence in q.hints else (0.0 if licence == "general" else w.hint_other)
        return w.none_general if licence == "general" else w.none_other

    def _topic_term(self, topics: tuple[str, ...], topic: str) -> float:
        if not topics:
            return 0.0
        if topic == topics[0]:
            return self.weights.topic_main
        return self.weights.topic_other if topic in topics else self.weights.topic_miss

    def _confidence(self, raw: float) -> float:
        return 1.0 / (1.0 + math.exp(-self.weights.slope * (raw - self.weights.midpoint)))


def decide(hits: tuple[Hit, ...], answer_at: float, clarify_at: float,
           margin: float) -> tuple[Decision, tuple[Hit, ...]]:
    """Answer a clear winner; offer up to 3 close candidates; fall back when nothing is good enough."""
    if not hits or hits[0].score < clarify_at:
        return "fallback", hits
    top = hits[0].score
    if top >= answer_at and (len(hits) == 1 or top - hits[1].score >= margin):
        return "answer", hits
    close = tuple(h for h in hits[:3] if top - h.score < margin)
    return "clarify", close
