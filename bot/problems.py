"""A reason, in Chinese and English, why an input was not accepted (shared by the parsers)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.language import pick


class UsageError(ValueError):
    """A bad command-line argument or input file; the message is for the user (the command exits 2)."""


@dataclass(frozen=True)
class Problem:
    """Why a value was rejected: a stable code for programs, a sentence for people."""

    code: str
    zh: str
    en: str

    ok = False  # so `result.ok` works on a parsed value or a Problem alike

    def text(self, lang: str) -> str:
        return pick(lang, self.zh, self.en)
