"""Which language to answer in (a chosen one, else what the text is written in, else the platform's),
and the one way to pick the Chinese or the English of a pair: `pick` and `Text`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def pick(lang: str, zh: T, en: T) -> T:
    """The English of a pair when `lang` is "en", else the Chinese: the one zh/en choice of the bot."""
    return en if lang == "en" else zh


@dataclass(frozen=True)
class Text:
    """A text in Chinese and English (rules files, fixed labels)."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        return pick(lang, self.zh, self.en)


def from_platform(hint: str | None) -> str | None:
    if not hint:
        return None
    hint = hint.lower()
    if hint.startswith("en"):
        return "en"
    if hint.startswith("zh"):
        return "zh"
    return None


def from_text(text: str) -> str | None:
    """'zh' for any Chinese characters, 'en' for a few Latin words (excluding commands), else None."""
    if not text or text.startswith("/"):
        return None
    if _CJK.search(text):
        return "zh"
    words = _LATIN_WORD.findall(text)
    known = {"icp", "edi", "idc", "cdn", "isp", "sp", "vpn", "b25", "b21", "sd", "wan"}
    if len([w for w in words if w.lower() not in known]) >= 2:
        return "en"
    return None


def choose(chosen: str | None, text: str, hint: str | None, default: str) -> str:
    return chosen or from_text(text) or from_platform(hint) or default
