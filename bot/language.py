"""Which language to answer in: a chosen one, else what the text is written in, else the platform's."""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


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
