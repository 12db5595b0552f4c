"""What the searcher keeps about each FAQ entry, built once from the entries' questions and alternates.

- a BM25 index over the words of all of an entry's texts (Chinese and English together);
- each text's normalised form (aliases folded into one symbol each) and its words sorted, for the
  character-level similarity (one rapidfuzz extractOne per entry and form: the loop over the
  entry's texts runs in C);
- the entry's distinct words, to tell how much of a question an entry covers (only ever asked for
  the few candidates of a question, so a tuple is fast enough and a third of a frozenset's size);
- the entries of each (licence, topic) pair.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from rapidfuzz import fuzz, process

from knowledge.analyze import Analyzer
from knowledge.bm25 import BM25
from knowledge.entries import Entry


class FaqIndex:
    def __init__(self, entries: Sequence[Entry], analyzer: Analyzer) -> None:
        self.entries = list(entries)
        self.terms: list[tuple[str, ...]] = []  # distinct (interned) words; smaller than frozensets
        self.pairs: dict[tuple[str, str], list[int]] = {}
        self._texts: list[dict[str, tuple[list[str], list[str]]]] = []  # lang → (chars, words)
        docs: list[dict[str, float]] = []
        for i, entry in enumerate(self.entries):
            doc: dict[str, float] = {}
            texts: dict[str, tuple[list[str], list[str]]] = {}
            for lang, loc in (("zh", entry.zh), ("en", entry.en)):
                if loc is None:
                    continue
                chars, words = texts.setdefault(lang, ([], []))
                for text in (loc.question, *loc.alternates):
                    analysis = analyzer(text, lang)
                    chars.append(analysis.fuzzy)
                    words.append(sorted_words(analysis.tokens))
                    for token in analysis.tokens:
                        doc[token] = doc.get(token, 0.0) + 1.0
            docs.append(doc)
            self.terms.append(tuple(doc))
            self._texts.append(texts)
            self.pairs.setdefault((entry.license, entry.topic), []).append(i)
        self.bm25 = BM25(docs)

    def coverage(self, weights: Mapping[str, float], ids: Iterable[int]) -> dict[int, float]:
        """For each entry, the share of the question's word weights that its words cover."""
        total = sum(weights.values()) or 1.0
        return {i: sum(w for t, w in weights.items() if t in self.terms[i]) / total for i in ids}

    def similarity(self, chars: str, words: str, ids: Iterable[int], lang: str) -> dict[int, float]:
        """For each entry with texts in `lang`, the best similarity (0–1) of one of its texts to the
        question: as characters, or as words in any order."""
        best: dict[int, float] = {}
        for i in ids:
            texts = self._texts[i].get(lang)
            if texts is not None:
                by_chars = process.extractOne(chars, texts[0], scorer=fuzz.ratio)[1]
                by_words = process.extractOne(words, texts[1], scorer=fuzz.ratio)[1]
                best[i] = max(by_chars, by_words) / 100.0
        return best


def sorted_words(tokens: Iterable[str]) -> str:
    """Words in a fixed order, so that comparing two of these ignores word order."""
    return " ".join(sorted(tokens))
