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
        acc: dict[int, float] = {}
        get = acc.get
        for term in set(terms):
            posting = self._postings.get(term)
            if posting is None:
                continue
            for i, w in zip(*posting, strict=True):
                acc[i] = get(i, 0.0) + w
        return acc
