"""FAQ retrieval: a question in, a decision (answer / clarify / fallback) and ranked entries out.

How a question is scored against an entry (SEARCH.md in this folder has the details):
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

import heapq
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Literal

from knowledge.aliases import Aliases, load_aliases
from knowledge.analyze import Analysis, Analyzer, cache_dir, word_frequencies
from knowledge.entries import Entry, load_entries
from knowledge.homophones import Homophones
from knowledge.index import FaqIndex, sorted_words
from knowledge.normalize import to_simplified

Decision = Literal["answer", "clarify", "fallback"]
HOLDER_TOPICS = ("cancel", "change", "renewal", "annual_report")
MIN_ENTRIES_FOR_TYPOS = 1  # a word of the FAQ a typo may be read as: used by at least this many entries


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

    def in_language(self, lang: str) -> SearchOutcome:
        """The outcome as offered to a user of `lang`: entries without a version in that language
        are never offered (clarify options). An outright answer keeps its entry; a clarify left with
        no option falls back."""
        if all(h.entry.has(lang) for h in self.hits):
            return self
        keep = self.hits[:1] if self.decision == "answer" else ()
        hits = keep + tuple(h for h in self.hits[len(keep):] if h.entry.has(lang))
        decision: Decision = self.decision if hits else "fallback"
        return SearchOutcome(self.query, decision, hits, self.license, self.topic)


@dataclass(frozen=True)
class Weights:
    """How the evidence adds up. Tuned on held-out FAQ alternates (see SEARCH.md)."""

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
    topic_default: float = 0.05  # no topic named ("ICP证"): what it is and who needs it
    no_domain: float = -0.15  # nothing of the domain in the question (only topic words)
    unknown_word: float = 0.5  # weight of a word the FAQ never uses, as a share of the max idf
    midpoint: float = 0.62  # score at which confidence is 0.5
    slope: float = 7.0  # steepness of the score → confidence curve


class Searcher:
    """Ranks FAQ entries for a question. Built once at start-up; `search` is read-only."""

    answer_at = 0.60  # confidence to answer outright …
    clarify_at = 0.42  # … to offer candidates; below it, fall back
    margin = 0.08  # score lead over the next hit needed to answer outright (else clarify)
    candidates = 20  # BM25 candidates that get the full scoring

    def __init__(self, entries: Sequence[Entry], aliases: Aliases | None = None,
                 weights: Weights | None = None, cache_dir: Path | None = None) -> None:
        self.entries = list(entries)
        self.weights = weights or Weights()
        self.analyzer = Analyzer(aliases)
        self.index = FaqIndex(self.entries, self.analyzer, cache_dir)

    @cached_property
    def homophones(self) -> Homophones:
        """Sound-alike typos are corrected towards the FAQ's words and the aliases; a word of jieba's
        dictionary, the FAQ or the aliases is taken as typed. Built at the first question (~25 ms),
        not at start-up."""
        a = self.analyzer.aliases
        alias_words = [w for group in (a.names, a.business, a.hints, a.topics) for words in group.values()
                       for w in words]
        in_entries = Counter(word for words in self.index.terms for word in words)
        vocabulary = ({self.analyzer.normalize(w) for w in (*alias_words, *a.domain)}
                      | {w for w, n in in_entries.items() if n >= MIN_ENTRIES_FOR_TYPOS})
        freq = word_frequencies()
        tokenizer = self.analyzer.tokenizer
        return Homophones(vocabulary, lambda w: freq.get(w, 0) > 0 or w in vocabulary,
                          lambda text: tokenizer.lcut(text, HMM=False))

    @classmethod
    def from_folder(cls, folder: Path | None = None, cache: bool = True, approved: Path | None = None) -> Searcher:
        """A searcher over `folder`/faq/*.yaml (and the entries approved in the web console), with
        `folder`/aliases.yaml when it has one; the analysed texts are cached in ~/.cache/licensebot so
        that a restart is quick."""
        aliases_file = folder / "aliases.yaml" if folder is not None else None
        aliases = load_aliases(aliases_file) if aliases_file is not None and aliases_file.exists() else None
        return cls(load_entries(folder, approved), aliases, cache_dir=cache_dir() if cache else None)

    def search(self, query: str, lang: str = "zh") -> SearchOutcome:
        """The outcome for the question as typed, or for it with sound-alike typos corrected
        (申清 → 申请) when that finds a better entry."""
        outcome = self._search(query, lang)
        typed = to_simplified(query)
        fixed = self.homophones.correct(typed)
        if fixed != typed:
            other = self._search(fixed, lang)
            if _best(other) > _best(outcome):
                return replace(other, query=query)
        return outcome

    def _search(self, query: str, lang: str) -> SearchOutcome:
        q = self.analyzer(query, lang)
        licence, topics = q.licence, self._topics(q)
        topic = topics[0] if topics else None
        if not q.tokens or (q.oos and not q.domain) or not (q.domain or topics) or self._other_kind(q):
            return SearchOutcome(query, "fallback", (), licence, topic)
        raw = self._score(q, topics)
        ranked = sorted(raw.items(), key=lambda kv: kv[1], reverse=True)[:5]
        hits = tuple(Hit(self.entries[i], round(self._confidence(s), 4)) for i, s in ranked)
        decision, hits = decide(hits, self.answer_at, self.clarify_at, self.margin * self.weights.slope)
        if decision == "answer" and not topics:  # "许可证", "呼叫中心": which question about it?
            decision, hits = "clarify", hits[:3]
        return SearchOutcome(query, decision, hits, licence, topic)

    def analyze(self, query: str, lang: str = "zh") -> Analysis:
        return self.analyzer(query, lang)

    def _other_kind(self, q: Analysis) -> bool:
        """A licence of a kind the FAQ never mentions (兽药经营许可证, 快递业务经营许可证): the
        word before 许可证 is unknown to the FAQ, and no telecom licence is named."""
        if q.names or q.business or q.hints:
            return False
        return any(word not in self.index.bm25.idf for word in q.kinds)

    @staticmethod
    def _topics(q: Analysis) -> tuple[str, ...]:
        """The question's topics, main first. A question naming two licences asks which one it needs
        (办EDI还是ICP, SP和ICP的区别), unless it is about doing something to a licence it holds."""
        if len(q.specific) >= 2 and not (q.topics and q.topics[0] in HOLDER_TOPICS):
            return ("need", *(t for t in q.topics if t != "need"))
        return q.topics

    def _query_weights(self, q: Analysis) -> dict[str, float]:
        idf = self.index.bm25.idf
        unknown = self.weights.unknown_word * self.index.bm25.unseen_idf
        weights: dict[str, float] = {}
        for token in q.tokens:
            if token in idf:
                weights[token] = idf[token]
            elif token not in self.analyzer.neutral and not token.isdigit():
                weights[token] = unknown
        return weights

    def _score(self, q: Analysis, topics: tuple[str, ...]) -> dict[int, float]:
        w, index = self.weights, self.index
        q_weights = self._query_weights(q)
        bm25 = index.bm25.scores(q_weights)
        pool = list(dict.fromkeys([*heapq.nlargest(self.candidates, bm25, key=bm25.__getitem__),
                                   *self._exact(q, topics)])) or index.nearest(q.fuzzy, q.lang, 5)
        best_bm25 = max(bm25.values(), default=0.0) or 1.0
        coverage = index.coverage(q_weights, pool)
        similarity = index.similarity(q.fuzzy, sorted_words(q.tokens), pool, q.lang)
        # An entry without text in the question's language is judged on the aliases alone
        # (L:icp, T:renewal …), which are the same in every language.
        codes = {t: v for t, v in q_weights.items() if t[1:2] == ":"}
        by_codes = index.coverage(codes, [i for i in pool if i not in similarity])
        domain_term = 0.0 if q.domain else w.no_domain
        scores: dict[int, float] = {}
        for i in pool:
            entry = self.entries[i]
            cov = coverage[i] if i in similarity else by_codes[i]
            sim = similarity.get(i, cov)
            scores[i] = (w.coverage * cov + w.fuzzy * sim + w.bm25 * bm25.get(i, 0.0) / best_bm25
                         + self._licence_term(q, entry.license) + self._topic_term(topics, entry.topic)
                         + domain_term)
        return scores

    def _exact(self, q: Analysis, topics: tuple[str, ...]) -> list[int]:
        """Entries whose licence and topic are exactly the ones the question names."""
        if not topics:
            return []
        return self.index.pairs.get((q.licence or "general", topics[0]), [])[:20]

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
            return self.weights.topic_default if topic == "need" else 0.0
        if topic == topics[0]:
            return self.weights.topic_main
        return self.weights.topic_other if topic in topics else self.weights.topic_miss

    def _confidence(self, raw: float) -> float:
        return 1.0 / (1.0 + math.exp(-self.weights.slope * (raw - self.weights.midpoint)))


def decide(hits: tuple[Hit, ...], answer_at: float, clarify_at: float,
           lead: float) -> tuple[Decision, tuple[Hit, ...]]:
    """Answer a clear winner; offer up to 3 close candidates; fall back when nothing is good enough.

    `lead` is how far (in log-odds) the best hit must be ahead of the next to be answered outright.
    """
    if not hits or hits[0].score < clarify_at:
        return "fallback", hits
    top = _logit(hits[0].score)
    close = tuple(h for h in hits[1:3] if top - _logit(h.score) < lead)
    if hits[0].score >= answer_at and not close:
        return "answer", hits
    return "clarify", (hits[0], *close)


def _best(outcome: SearchOutcome) -> float:
    return outcome.hits[0].score if outcome.hits and outcome.decision != "fallback" else 0.0


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))
