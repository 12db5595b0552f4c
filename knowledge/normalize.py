"""Text normalisation shared by the FAQ index and the queries, so both sides compare like with like.

Steps, in order: full-width → half-width (NFKC), lower case, Traditional → Simplified, known typos,
filler words, punctuation and emoji → spaces, Chinese numerals → Arabic, light English stemming,
spaces kept only between two Latin words or numbers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

# Words that carry no meaning in a chat question. Particles are removed only at a clause end.
DEFAULT_FILLERS: tuple[str, ...] = (
    "请问一下", "请问", "想问一下", "想问下", "问一下", "问下", "咨询一下", "打扰一下", "打扰了",
    "您好", "你好", "老师好", "老师", "麻烦您", "麻烦", "谢谢您", "谢谢", "多谢", "感谢",
    "一下", "亲爱的",
)
_FINAL_PARTICLES = "吗呢啊呀吧哈嘛哦啦呐嘞哇噢喔嗯"
_PARTICLE_WORDS = ("网吧", "酒吧", "贴吧", "书吧", "水吧", "氧吧")  # words that end like a particle
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
# A Chinese numeral becomes digits when a measure word follows it, or when it is clearly a number.
_MEASURES = "年个月天日号周万千元块人名次家位条项份张本岁倍台套间期季"
_NUMERAL_RUN = re.compile(r"[零〇一二两三四五六七八九十百千]+")
_PUNCT = re.compile(r"[^\w]+|_+")
_SPACE_INSIDE = re.compile(r"(?<=[^a-z0-9]) +| +(?=[^a-z0-9])")
_LATIN_WORD = re.compile(r"[a-z]{4,}")
_STEM_SUFFIXES = (("ies", "y"), ("ied", "y"), ("ations", ""), ("ation", ""), ("ings", ""), ("ing", ""),
                  ("ed", ""), ("als", ""), ("al", ""), ("s", ""))
_KEEP_WORDS = frozenset({"process", "business", "address", "access", "class", "less", "this", "does",
                         "vats", "news", "status", "series", "analysis", "basis", "always", "various"})


def half_width(text: str) -> str:
    """Full-width letters, digits and punctuation to their ASCII forms."""
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=1)
def _t2s() -> tuple[Any, frozenset[str]]:
    import opencc  # lazy: only needed when a text has Traditional characters

    converter = opencc.OpenCC("t2s")
    chars_file = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    traditional = frozenset(
        line.split("\t", 1)[0] for line in chars_file.read_text(encoding="utf-8").splitlines() if line
    )
    return converter, traditional


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese (許可證 → 许可证); a no-op on Simplified text."""
    converter, traditional = _t2s()
    if traditional.isdisjoint(text):
        return text
    return str(converter.convert(text))


def chinese_number(run: str) -> int | None:
    """The value of a Chinese numeral like 九十, 一百零六, 两; None when it is not a number."""
    if all(ch in _CN_DIGITS for ch in run):
        return int("".join(str(_CN_DIGITS[ch]) for ch in run))
    total, digit = 0, None
    for ch in run:
        if ch in _CN_DIGITS:
            if digit is not None and _CN_DIGITS[ch] != 0:
                return None
            digit = _CN_DIGITS[ch] or None
        else:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
    return total + (digit or 0)


def _numeral(match: re.Match[str]) -> str:
    run = match.group(0)
    text = match.string
    after = text[match.end()] if match.end() < len(text) else ""
    clearly_number = len(run) >= 2 and (any(ch in _CN_UNITS for ch in run)
                                        or all(ch in _CN_DIGITS for ch in run))
    if not (after and after in _MEASURES) and not clearly_number:
        return run
    value = chinese_number(run)
    return run if value is None else str(value)


def numerals_to_digits(text: str) -> str:
    """五年 → 5年, 九十天 → 90天, 一百万 → 100万; 一般, 统一, 三证合一 stay as they are."""
    return _NUMERAL_RUN.sub(_numeral, text)


def stem(word: str) -> str:
    """A very light English stemmer, the same on both sides: licenses, licensed, licensing → licens."""
    if word in _KEEP_WORDS or len(word) < 4:
        return word
    if word.endswith("es") and word[:-2].endswith(("ss", "x", "ch", "sh")):
        word = word[:-2]
    else:
        for suffix, repl in _STEM_SUFFIXES:
            stem_ok = len(word) - len(suffix) >= 3 and not word.endswith(("ss", "us", "is"))
            if word.endswith(suffix) and stem_ok:
                word = word[: -len(suffix)] + repl
                break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeious":
        word = word[:-1]
    return word


class Normalizer:
    """Normalises chat text; typos and fillers come from aliases.yaml (defaults built in)."""

    def __init__(self, typos: Mapping[str, str] | None = None, fillers: Iterable[str] | None = None) -> None:
        self.typos = {self._basic(k): self._basic(v) for k, v in (typos or {}).items()}
        self.fillers = tuple(self._basic(f) for f in (fillers if fillers is not None else DEFAULT_FILLERS))
        self._typo_re = _alternation(self.typos)
        filler_re = _alternation(self.fillers, whole_latin_words=True)
        particles = _particles_pattern()
        self._filler_re = re.compile(f"{filler_re.pattern}|{particles}" if filler_re else particles)

    @staticmethod
    def _basic(text: str) -> str:
        return to_simplified(half_width(text).lower())

    def __call__(self, text: str, fillers: bool = True) -> str:
        out = self._basic(text)
        if self._typo_re is not None:
            out = self._typo_re.sub(lambda m: self.typos[m.group(0)], out)
        if fillers:
            out = self._filler_re.sub(" ", out)
        out = _PUNCT.sub(" ", out)
        out = numerals_to_digits(out)
        out = _LATIN_WORD.sub(lambda m: stem(m.group(0)), out)
        out = " ".join(out.split())
        return _SPACE_INSIDE.sub("", out)


def _particles_pattern() -> str:
    """Clause-final particles (…吗, …呢, …吧), except where they end a word (网吧)."""
    guarded = []
    for ch in _FINAL_PARTICLES:
        guards = "".join(f"(?<!{re.escape(w[:-1])})" for w in _PARTICLE_WORDS if w.endswith(ch))
        guarded.append(guards + re.escape(ch))
    return f"(?:{'|'.join(guarded)})+(?=[^\\w]|$)"


def _alternation(words: Iterable[str], whole_latin_words: bool = False) -> re.Pattern[str] | None:
    """One regex for a list of words, longest first; Latin words optionally whole words only."""
    ordered = sorted({w for w in words if w}, key=len, reverse=True)
    if not ordered:
        return None
    parts = []
    for word in ordered:
        part = re.escape(word)
        if whole_latin_words and word[0].isascii() and word[0].isalpha():
            part = "(?<![a-z])" + part
        if whole_latin_words and word[-1].isascii() and word[-1].isalpha():
            part += "(?![a-z])"
        parts.append(part)
    return re.compile("|".join(parts))
