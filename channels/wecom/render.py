"""Text shaping shared by the WeCom senders: byte-limited parts, numbered options, language of a text."""

from __future__ import annotations

import re

from bot.messages import Button

_CJK = re.compile(r"[\u3400-\u9fff]")


def is_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def clip(text: str, max_bytes: int, ellipsis: str = "…") -> str:
    """The text cut to at most max_bytes of UTF-8 (never mid-character), with an ellipsis if cut."""
    if utf8_len(text) <= max_bytes:
        return text
    budget = max_bytes - utf8_len(ellipsis)
    out, used = [], 0
    for ch in text:
        size = utf8_len(ch)
        if used + size > budget:
            break
        out.append(ch)
        used += size
    return "".join(out) + ellipsis


def split(text: str, max_bytes: int) -> list[str]:
    """Parts of at most max_bytes each, cut at line ends where possible; no empty parts."""
    parts: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while utf8_len(line) > max_bytes:  # one very long line: cut by characters
            if current:
                parts.append(current)
                current = ""
            head = clip(line, max_bytes, ellipsis="")
            parts.append(head)
            line = line[len(head):]
        if utf8_len(current + line) > max_bytes:
            parts.append(current)
            current = ""
        current += line
    if current:
        parts.append(current)
    return [p.strip("\n") for p in parts if p.strip()]


def numbered(buttons: tuple[Button, ...], start: int = 1) -> str:
    """1. label / 2. label … — the options a user can press by typing the number."""
    return "\n".join(f"{i}. {b.label}" for i, b in enumerate(buttons, start))


def chunks(buttons: tuple[Button, ...], size: int, first: int = 1) -> list[tuple[int, tuple[Button, ...]]]:
    """(number of the first, buttons) in groups of at most `size`: one card or menu each; numbering
    starts at `first` (Reply.number_from: a turn's buttons are numbered on from reply to reply)."""
    return [(first + i, buttons[i:i + size]) for i in range(0, len(buttons), size)]


def number_hint(chinese: bool) -> str:
    return "（回复序号即可选择）" if chinese else "(reply with the number to choose)"


def choose_title(chinese: bool) -> str:
    return "请选择" if chinese else "Please choose"


def more_title(chinese: bool) -> str:
    return "更多选项" if chinese else "More options"
