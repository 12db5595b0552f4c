"""Canned replies for consultants (`knowledge/canned.yaml`), validated at load.

Every error names the file and the reply; a broken file leaves consultants a clear message, not a crash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.language import pick
from bot.yamlfile import own_or_shipped, read_yaml

SHIPPED = Path(__file__).resolve().parent / "canned.yaml"
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
MAX_CHARS = 1500


class CannedError(ValueError):
    """canned.yaml is unreadable or a reply breaks the schema."""


@dataclass(frozen=True)
class Canned:
    name: str
    zh: str
    en: str | None = None

    def text(self, lang: str) -> str:
        return pick(lang, self.zh, self.en or self.zh)


def _text(raw: Any, where: str, required: bool) -> str | None:
    if raw is None and not required:
        return None
    if not isinstance(raw, str) or not raw.strip():
        raise CannedError(f"{where}: expected non-empty text")
    if len(raw) > MAX_CHARS:
        raise CannedError(f"{where}: {len(raw)} characters; keep it under {MAX_CHARS}")
    return raw.strip()


def parse_canned(data: Any, source: str) -> dict[str, Canned]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CannedError(f"{source}: expected a mapping of NAME: {{zh: ..., en: ...}}")
    out: dict[str, Canned] = {}
    for name, raw in data.items():
        where = f"{source}: {name}"
        if not isinstance(name, str) or not NAME.match(name):
            raise CannedError(f"{where}: name must be lower case letters, digits, - or _ (at most 32)")
        if not isinstance(raw, dict):
            raise CannedError(f"{where}: expected zh: and optionally en:")
        unknown = set(raw) - {"zh", "en"}
        if unknown:
            raise CannedError(f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
        out[name] = Canned(name, _text(raw.get("zh"), f"{where}.zh", True) or "",
                           _text(raw.get("en"), f"{where}.en", False))
    return out


def load_canned(path: Path) -> dict[str, Canned]:
    return parse_canned(read_yaml(path, CannedError), path.name)


def canned_file(knowledge_dir: str) -> Path:
    """canned.yaml of the configured knowledge folder, else the shipped one."""
    return own_or_shipped(knowledge_dir, "canned.yaml", SHIPPED)
