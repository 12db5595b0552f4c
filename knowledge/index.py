"""What the searcher keeps about each FAQ entry, built once from the entries' questions and alternates.

- a BM25 index over the words of all of an entry's texts (Chinese and English together);
- each text's normalised form (aliases folded into one symbol each) and its words sorted, for the
  character-level similarity (one rapidfuzz extractOne per entry and form: the loop over the
  entry's texts runs in C);
- the entry's distinct words, to tell how much of a question an entry covers (only ever asked for
  the few candidates of a question, so a tuple is fast enough and a third of a frozenset's size);
- the entries of each (licence, topic) pair.

Analysing every text is most of the build (~0.4 s for the shipped FAQ, tens of seconds at 20,000
entries). With a cache folder, the analysed texts are kept in a marshal file named after a hash of
the entries' texts, the aliases and this code, so a restart with the same content skips it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import marshal
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from knowledge.analyze import Analyzer
from knowledge.bm25 import BM25
from knowledge.entries import Entry

Texts = dict[str, tuple[list[str], list[str]]]  # lang → (folded texts, sorted words), one per text
Prepared = tuple[Texts, dict[str, float]]  # an entry's texts and its BM25 document (word → count)
_CODE = ("normalize.py", "aliases.py", "analyze.py", "index.py")  # a change here changes the analysis


class FaqIndex:
    def __init__(self, entries: Sequence[Entry], analyzer: Analyzer, cache_dir: Path | None = None) -> None:
        self.entries = list(entries)
        prepared = _cached(cache_dir, self.entries, analyzer)
        self.terms: list[tuple[str, ...]] = [tuple(doc) for _texts, doc in prepared]  # distinct words
        self._texts: list[Texts] = [texts for texts, _doc in prepared]
        self.pairs: dict[tuple[str, str], list[int]] = {}
        for i, entry in enumerate(self.entries):
            self.pairs.setdefault((entry.license, entry.topic), []).append(i)
        self.bm25 = BM25([doc for _texts, doc in prepared])
        self._questions = {  # each entry's question, folded, per language ("" when it has none)
            lang: [texts[lang][0][0] if lang in texts else "" for texts in self._texts]
            for lang in ("zh", "en")
        }

    def nearest(self, chars: str, lang: str, limit: int) -> list[int]:
        """Entries whose question looks most like the text, character by character: candidates of
        last resort for a question that shares no word with the FAQ (so a fallback still shows
        what came closest)."""
        found = process.extract(chars, self._questions[lang], scorer=fuzz.ratio, limit=limit)
        return [i for _text, _score, i in found]

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


def prepare(entry: Entry, analyzer: Analyzer) -> Prepared:
    """Analyse an entry's questions and alternates in both languages."""
    doc: dict[str, float] = {}
    texts: Texts = {}
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
    return texts, doc


def _cached(cache_dir: Path | None, entries: list[Entry], analyzer: Analyzer) -> list[Prepared]:
    if cache_dir is None:
        return [prepare(e, analyzer) for e in entries]
    path = cache_dir / f"index-{_key(entries, analyzer)}.marshal"
    try:
        with path.open("rb") as f:
            prepared: Any = marshal.load(f)
        if isinstance(prepared, list) and len(prepared) == len(entries):
            return prepared
    except (OSError, EOFError, ValueError, TypeError):
        pass
    prepared = [prepare(e, analyzer) for e in entries]
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for old in cache_dir.glob("index-*.marshal"):
            old.unlink(missing_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(marshal.dumps(prepared))
        partial.replace(path)
    except OSError:
        pass  # no cache this time; the index is built all the same
    return prepared


def _key(entries: list[Entry], analyzer: Analyzer) -> str:
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for name in _CODE:
        digest.update((here / name).read_bytes())
    spec = importlib.util.find_spec("jieba")
    if spec is not None and spec.origin:
        stat = (Path(spec.origin).parent / "dict.txt").stat()
        digest.update(f"{stat.st_size}-{stat.st_mtime_ns}".encode())
    digest.update(repr((analyzer.aliases, analyzer.hmm)).encode())
    for e in entries:
        en = (e.en.question, e.en.alternates) if e.en else None
        digest.update(repr((e.zh.question, e.zh.alternates, en)).encode())
    return digest.hexdigest()[:24]
