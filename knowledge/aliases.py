"""The synonyms of aliases.yaml: loading with validation, and finding them in a normalised text.

Every error names the file and the key. Aliases are normalised with the same Normalizer as the
questions, then matched longest first in one pass, so spans never overlap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from bot.yamlfile import read_yaml
from knowledge.codes import LICENSES, TOPICS
from knowledge.entries import KnowledgeError
from knowledge.normalize import Normalizer

ALIASES_FILE = Path(__file__).resolve().parent / "aliases.yaml"

SpanKind = Literal["license", "business", "hint", "topic", "oos", "domain"]
_SECTIONS = ("licenses", "topics", "out_of_scope", "domain", "neutral", "typos", "fillers")


@dataclass(frozen=True)
class Aliases:
    names: dict[str, tuple[str, ...]]  # licence code → its names (ICP证, B25 …)
    business: dict[str, tuple[str, ...]]  # licence code → the business that names it (机房 → idc)
    hints: dict[str, tuple[str, ...]]  # licence code → looser words about its business
    topics: dict[str, tuple[str, ...]]  # topic code → words, in priority order
    out_of_scope: dict[str, tuple[str, ...]]  # kind → names of licences outside the field
    domain: tuple[str, ...] = ()
    neutral: tuple[str, ...] = ()
    typos: Mapping[str, str] | None = None
    fillers: tuple[str, ...] | None = None

    def normalizer(self) -> Normalizer:
        return Normalizer(self.typos, self.fillers)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: SpanKind
    code: str  # licence, topic or out-of-scope kind; the word itself for domain words
    domain: bool = False  # the word marks a telecom-licence question (a domain word, or a topic
    #                       word also listed under `domain`, like 年报 or 工信部)


def _words(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str | int) and str(v).strip() for v in value):
        raise KnowledgeError(f"{where}: expected a list of non-empty strings")
    return tuple(str(v).strip() for v in value)


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise KnowledgeError(f"{where}: expected a mapping")
    return value


def parse_aliases(data: Any, source: str = "aliases.yaml") -> Aliases:
    """Validate the YAML document of aliases.yaml and build an Aliases."""
    top = _mapping(data, source)
    unknown = set(top) - set(_SECTIONS)
    if unknown:
        raise KnowledgeError(f"{source}: unknown sections {sorted(unknown)}")
    names: dict[str, tuple[str, ...]] = {}
    business: dict[str, tuple[str, ...]] = {}
    hints: dict[str, tuple[str, ...]] = {}
    for code, spec in _mapping(top.get("licenses"), f"{source}: licenses").items():
        where = f"{source}: licenses.{code}"
        if code not in LICENSES:
            raise KnowledgeError(f"{where}: unknown licence code (see codes.py)")
        spec = _mapping(spec, where)
        if set(spec) - {"names", "business", "hints"}:
            raise KnowledgeError(f"{where}: only 'names', 'business' and 'hints' are allowed")
        names[code] = _words(spec.get("names"), f"{where}.names")
        business[code] = _words(spec.get("business") or [], f"{where}.business")
        hints[code] = _words(spec.get("hints") or [], f"{where}.hints")
    missing = [code for code in LICENSES if code not in names]
    if missing:
        raise KnowledgeError(f"{source}: licenses: no names for {missing}")
    topics: dict[str, tuple[str, ...]] = {}
    for code, words in _mapping(top.get("topics"), f"{source}: topics").items():
        if code not in TOPICS:
            raise KnowledgeError(f"{source}: topics.{code}: unknown topic code (see codes.py)")
        topics[code] = _words(words, f"{source}: topics.{code}")
    oos = {str(kind): _words(words, f"{source}: out_of_scope.{kind}")
           for kind, words in _mapping(top.get("out_of_scope") or {}, f"{source}: out_of_scope").items()}
    typos = _mapping(top.get("typos") or {}, f"{source}: typos")
    for wrong, right in typos.items():
        if not isinstance(right, str) or not right.strip():
            raise KnowledgeError(f"{source}: typos.{wrong}: the correction must be a non-empty string")
    fillers = top.get("fillers")
    aliases = Aliases(
        names=names, business=business, hints=hints, topics=topics, out_of_scope=oos,
        domain=_words(top.get("domain") or [], f"{source}: domain"),
        neutral=_words(top.get("neutral") or [], f"{source}: neutral"),
        typos={str(k): str(v) for k, v in typos.items()},
        fillers=_words(fillers, f"{source}: fillers") if fillers is not None else None,
    )
    AliasMatcher(aliases, source=source)  # reports words claimed twice
    return aliases


def load_aliases(path: Path | None = None) -> Aliases:
    """Load and validate aliases.yaml (the shipped one by default)."""
    path = path or ALIASES_FILE
    return parse_aliases(read_yaml(path, KnowledgeError), path.name)


class AliasMatcher:
    """Finds licence names, business words, topic words, out-of-scope kinds and domain words."""

    def __init__(self, aliases: Aliases, normalizer: Normalizer | None = None,
                 source: str = "aliases.yaml") -> None:
        self.normalize = normalizer or aliases.normalizer()
        self._meaning: dict[str, tuple[SpanKind, str]] = {}
        self._where: dict[str, str] = {}
        groups: list[tuple[SpanKind, str, str, tuple[str, ...]]] = [
            *(("license", code, f"licenses.{code}.names", ws) for code, ws in aliases.names.items()),
            *(("business", code, f"licenses.{code}.business", ws) for code, ws in aliases.business.items()),
            *(("hint", code, f"licenses.{code}.hints", ws) for code, ws in aliases.hints.items()),
            *(("topic", code, f"topics.{code}", words) for code, words in aliases.topics.items()),
            *(("oos", kind, f"out_of_scope.{kind}", words) for kind, words in aliases.out_of_scope.items()),
        ]
        for kind, code, key, words in groups:
            for word in words:
                where = f"{source}: {key}: '{word}'"
                norm = self.normalize(word)
                if norm != self.normalize(word, fillers=False):
                    raise KnowledgeError(f"{where}: filler words would remove part of it ('{norm}' is left)")
                self._add(norm, kind, code, where)
        self._domain: set[str] = set()
        for word in aliases.domain:
            norm = self.normalize(word)
            self._domain.add(norm)
            if self._meaning.get(norm, ("", ""))[0] != "topic":  # a topic word may also be a domain word
                self._add(norm, "domain", norm, f"{source}: domain: '{word}'")
        self._trie: dict[str, Any] = {}
        for word in self._meaning:
            node = self._trie
            for ch in word:
                node = node.setdefault(ch, {})
            node[""] = word
        self._end_rule = {word: _end_rule(word) for word in self._meaning}

    def _add(self, word: str, kind: SpanKind, code: str, where: str) -> None:
        if not word:
            raise KnowledgeError(f"{where}: nothing left after normalisation")
        if word in self._meaning and self._meaning[word] != (kind, code):
            raise KnowledgeError(f"{where}: already used at {self._where[word]}")
        self._meaning.setdefault(word, (kind, code))
        self._where.setdefault(word, where)

    def find(self, text: str) -> list[Span]:
        """Non-overlapping alias spans in a normalised text, left to right, longest first.

        Latin and digit words match whole words only (sp is not found in isp, 95 not in 1995);
        a digit word of 3 or more digits may be followed by more digits (106 in 10690…).
        """
        spans: list[Span] = []
        trie, n, i = self._trie, len(text), 0
        while i < n:
            node = trie.get(text[i])
            if node is None or (i > 0 and _is_latin_digit(text[i]) and _is_latin_digit(text[i - 1])):
                i += 1
                continue
            best, j = None, i + 1
            while node is not None:
                word = node.get("")
                if word is not None and (j >= n or _ends_cleanly(self._end_rule[word], text[j])):
                    best = word
                node = node.get(text[j]) if j < n else None
                j += 1
            if best is None:
                i += 1
                continue
            kind, code = self._meaning[best]
            spans.append(Span(i, i + len(best), kind, code, kind == "domain" or best in self._domain))
            i += len(best)
        return spans


def _is_latin_digit(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _end_rule(word: str) -> str:
    """What may not follow the word: nothing after Chinese; a letter after 106; else a letter or digit."""
    if not _is_latin_digit(word[-1]):
        return ""
    return "a" if word.isdigit() and len(word) >= 3 else "a0"


def _ends_cleanly(rule: str, nxt: str) -> bool:
    if not rule or not nxt.isascii():
        return True
    return not (nxt.isalpha() or ("0" in rule and nxt.isdigit()))
