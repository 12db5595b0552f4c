"""Okapi BM25 over weighted bags of words, with an inverted index.

Term weights per document are computed once at build time, so a query only walks the postings of
its own words. Postings are kept in compact arrays (about 8 bytes each) to stay small at 20,000
entries.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence


class BM25:
    def __init__(self, docs: Sequence[Mapping[str, float]], k1: float = 1.2, b: float = 0.5) -> None:
        self.size = len(docs)
        lengths = [sum(doc.values()) for doc in docs]
        average = (sum(lengths) / len(lengths)) if lengths else 1.0
        df = Counter(term for doc in docs for term in doc)
        self.idf: dict[str, float] = {term: self._idf(count) for term, count in df.items()}
        self._postings: dict[str, tuple[array[int], array[float]]] = {
            term: (array("i"), array("f")) for term in df
        }
        for i, doc in enumerate(docs):
            norm = k1 * (1 - b + b * lengths[i] / (average or 1.0))
            for term, tf in doc.items():
                ids, weights = self._postings[term]
                ids.append(i)
                weights.append(self.idf[term] * tf * (k1 + 1) / (tf + norm))

    def _idf(self, df: int) -> float:
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    @property
    def unseen_idf(self) -> float:
        """The idf a word would have if it appeared in no document."""
        return self._idf(0)

    def scores(self, terms: Iterable[str]) -> dict[int, float]:
        """BM25 score of every document sharing a word with the query (each word counted once)."""
        return self.scores_and_coverage({t: 0.0 for t in terms})[0]

    def scores_and_coverage(self, weights: Mapping[str, float]) -> tuple[dict[int, float], dict[int, float]]:
        """BM25 scores, and for each document the summed `weights` of the query words it contains."""
        acc: dict[int, float] = {}
        cov: dict[int, float] = {}
        for term, q_weight in weights.items():
            posting = self._postings.get(term)
            if posting is None:
                continue
            for i, w in zip(*posting, strict=True):
                acc[i] = acc.get(i, 0.0) + w
                cov[i] = cov.get(i, 0.0) + q_weight
        return acc, cov

    def weight(self, term: str, doc: int) -> float:
        """The BM25 weight of one word in one document (0 when absent); for tests and tuning."""
        posting = self._postings.get(term)
        if posting is None:
            return 0.0
        ids, weights = posting
        for i, w in zip(ids, weights, strict=True):
            if i == doc:
                return w
        return 0.0
