"""Homophone typos from pinyin keyboards: `呼叫中心许可怎么申清` means 申请. A stretch of the question
that is no known word but sounds like a word of the FAQ (same pinyin, tones ignored) and shares a
character with it is replaced by that word — changing only characters the word cutter left on their
own (申 清), never a character of a word it found (the 么 of 怎么 stays).

FAQ words are read with the usual (first) reading of each character in pypinyin's table; a typed
character the cutter left alone, by its first two readings (调 is diao or tiao: 调件 → 条件).
Reading FAQ words by every reading of their characters, and merging the southern mix-ups (zh/z,
n/l, -ng/-n), were tried and dropped: with them 能 reads tai and 证的 sounds like 真的, and many
correct questions changed. A
stretch starts and ends where the cutter's words do (以后过 is not read as 以后果).

The readings come from pypinyin (every reading of a character, so 行 is xing and hang). Importing
pypinyin takes ~0.4 s, so the readings are kept in a marshal file in the user's cache folder, keyed by
pypinyin's version, and pypinyin is imported only to build that file.
"""

from __future__ import annotations

import importlib.metadata
import itertools
import marshal
import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache

from knowledge.analyze import STOPWORDS, cache_dir

MIN_WORD, MAX_WORD = 2, 4  # lengths of the words corrected
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_TONE_MARKS = re.compile(r"[\u0300-\u036f]")
Sound = tuple[str, ...]


def plain_syllable(reading: str) -> str:
    """A pinyin reading without its tone: zhōng → zhong, lǜ → lv."""
    s = unicodedata.normalize("NFD", reading).replace("u\u0308", "v")
    return _TONE_MARKS.sub("", s)


_FIRST, _LAST = 0x4E00, 0x9FFF  # the CJK characters a question is corrected in
_NONE = 0xFFFF


class Readings:
    """The first two readings of each CJK character: two 16-bit syllable numbers per character, so
    the whole table is an 84 kB string of bytes and ~400 syllables (loads in about 2 ms)."""

    def __init__(self, syllables: list[str], codes: bytes) -> None:
        self.syllables = syllables
        self.codes = codes

    def all(self, char: str) -> tuple[str, ...]:
        """The character's usual reading and its second one, if any; () for a non-CJK character."""
        offset = ord(char) - _FIRST
        if not 0 <= offset <= _LAST - _FIRST:
            return ()
        first = int.from_bytes(self.codes[4 * offset:4 * offset + 2], "little")
        second = int.from_bytes(self.codes[4 * offset + 2:4 * offset + 4], "little")
        return tuple(self.syllables[c] for c in (first, second) if c != _NONE)

    def get(self, char: str) -> str | None:
        """The character's usual reading."""
        found = self.all(char)
        return found[0] if found else None


@lru_cache(maxsize=1)
def readings() -> Readings:
    """Every CJK character → its usual reading without tone (from pypinyin; cached on disk)."""
    version = importlib.metadata.version("pypinyin")
    path = cache_dir() / f"pinyin-{version}-4.marshal"
    try:
        with path.open("rb") as f:
            syllables, codes = marshal.load(f)
        return Readings(syllables, codes)
    except (OSError, EOFError, ValueError, TypeError):
        pass
    from pypinyin.pinyin_dict import pinyin_dict

    numbers: dict[str, int] = {}
    table = bytearray(_NONE.to_bytes(2, "little") * 2 * (_LAST - _FIRST + 1))
    for code, raw in pinyin_dict.items():
        if _FIRST <= code <= _LAST:
            plain = list(dict.fromkeys(plain_syllable(r) for r in raw.split(",")))[:2]
            for k, syllable in enumerate(plain):
                number = numbers.setdefault(syllable, len(numbers))
                start = 4 * (code - _FIRST) + 2 * k
                table[start:start + 2] = number.to_bytes(2, "little")
    syllables = list(numbers)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(marshal.dumps((syllables, bytes(table))))
        partial.replace(path)
    except OSError:
        pass  # a read-only home: build it again next time
    return Readings(syllables, bytes(table))


def sound(word: str, table: Readings) -> Sound | None:
    """The word read with the usual reading of each character; None if one has no reading."""
    out = []
    for ch in word:
        syllable = table.get(ch)
        if syllable is None:
            return None
        out.append(syllable)
    return tuple(out)


class Homophones:
    """Replaces sound-alike typos in a question by words of the FAQ; read-only after construction."""

    def __init__(self, vocabulary: Iterable[str], is_word: Callable[[str], bool],
                 cut: Callable[[str], list[str]]) -> None:
        self.table = readings()
        self.is_word = is_word  # a word as typed (jieba's dictionary or the FAQ's): never corrected
        self.cut = cut  # the word cutter: characters it leaves alone are the ones that may be typos
        self.by_sound: dict[Sound, list[str]] = {}
        for word in sorted(set(vocabulary)):
            key = sound(word, self.table) if MIN_WORD <= len(word) <= MAX_WORD and _CJK_RUN.fullmatch(word) else None
            if key is not None:
                self.by_sound.setdefault(key, []).append(word)

    def correct(self, text: str) -> str:
        """The text with each sound-alike typo replaced; unchanged when there is none."""
        return _CJK_RUN.sub(lambda m: self._run(m.group(0)), text)

    def _run(self, run: str) -> str:
        loose: list[bool] = []  # per character: left alone by the word cutter
        bounds = {0}  # where the cutter's words start and end
        for word in self.cut(run):
            loose += [len(word) == 1] * len(word)
            bounds.add(len(loose))
        if not any(loose):
            return run
        out: list[str] = []
        i = 0
        while i < len(run):
            step, replacement = self._at(run, i, loose, bounds)
            out.append(replacement)
            i += step
        return "".join(out)

    def _at(self, run: str, i: int, loose: list[bool], bounds: set[int]) -> tuple[int, str]:
        """(characters consumed, what they become) at position i: a sound-alike of a FAQ word
        becomes that word, anything else moves on by one character."""
        if i not in bounds:
            return 1, run[i]
        for n in range(min(MAX_WORD, len(run) - i), MIN_WORD - 1, -1):
            piece = run[i:i + n]
            if i + n not in bounds or not any(loose[i:i + n]) or self.is_word(piece):
                continue
            match = self._match(piece, loose[i:i + n])
            if match is not None:
                return n, match
        return 1, run[i]

    def _match(self, piece: str, loose: list[bool]) -> str | None:
        """The one FAQ word that sounds like `piece` and differs from it in one character (two in
        a four-character word), each of them a loose one and no function word (有 of 有什么 is
        not 为 of 为什么); None when there is none or several."""
        allowed = 2 if len(piece) == MAX_WORD else 1
        options = [self.table.all(ch) if free else self.table.all(ch)[:1] for ch, free in zip(piece, loose, strict=True)]
        found = set()
        for key in itertools.product(*options):
            for word in self.by_sound.get(key, ()):
                differ = [k for k, (a, b) in enumerate(zip(word, piece, strict=True)) if a != b]
                if 0 < len(differ) <= allowed and all(loose[k] and piece[k] not in STOPWORDS for k in differ):
                    found.add(word)
        return found.pop() if len(found) == 1 else None
