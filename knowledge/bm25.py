"""Okapi BM25 over weighted bags of words, with an inverted index.

Term weights per document are computed once at build time, so a query only walks the postings of
its own words. Postings are kept in compact arrays (about 8 bytes each) to stay small at 20,000
entries, and a word's postings keep only its `max_postings` heaviest documents: a word found in
thousands of entries (许可证, 怎么) cannot decide which few are best, and walking all of them is
what made queries slow on a large knowledge base. (At the shipped size nothing is cut.)
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence


class BM25:
    def __init__(self, docs: Sequence[Mapping[str, float]], k1: float = 1.2, b: float = 0.5,
                 max_postings: int = 1500) -> None:
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
        for term, (ids, weights) in self._postings.items():
            if len(ids) > max_postings:
                keep = sorted(range(len(ids)), key=weights.__getitem__, reverse=True)[:max_postings]
                self._postings[term] = (array("i", (ids[k] for k in keep)),
                                        array("f", (weights[k] for k in keep)))

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
        for term in dict.fromkeys(terms):  # in order, so that sums (and ties) are the same every run
            posting = self._postings.get(term)
            if posting is None:
                continue
            for i, w in zip(*posting, strict=True):
                acc[i] = get(i, 0.0) + w
        return acc
