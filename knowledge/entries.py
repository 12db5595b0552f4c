"""The FAQ entry type and its YAML loader. Every error names the file and the entry."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bot.language import pick
from bot.yamlfile import read_yaml
from knowledge.codes import LICENSES, TOPICS

SHIPPED_DIR = Path(__file__).resolve().parent


class KnowledgeError(ValueError):
    """A knowledge-base file is unreadable or an entry breaks the schema."""


@dataclass(frozen=True)
class Localized:
    question: str
    alternates: tuple[str, ...]
    answer: str


@dataclass(frozen=True)
class Entry:
    id: str
    license: str
    topic: str
    zh: Localized
    related: tuple[str, ...] = ()
    source: str = ""
    reviewed: date | None = None
    en: Localized | None = None
    file: str = ""
    tags: tuple[str, ...] = field(default=())
    # The answer depends on the province, so the client's authority is named under it. None (not
    # set): detected from the answer's wording (knowledge/authorities.py).
    varies_by_province: bool | None = None

    def has(self, lang: str) -> bool:
        """Whether the entry has a version in `lang` (every entry has Chinese)."""
        return lang != "en" or self.en is not None

    def text(self, lang: str) -> Localized:
        """The entry in the user's language, Chinese when there is no English version."""
        return pick(lang, self.zh, self.zh if self.en is None else self.en)


_KNOWN_KEYS = {"id", "license", "topic", "question", "alternates", "answer", "related", "source",
               "reviewed", "en", "tags", "varies_by_province"}


def _where(path: Path, index: int, raw: Any) -> str:
    ident = raw.get("id") if isinstance(raw, dict) else None
    return f"{path.name}: entry #{index + 1}" + (f" ({ident})" if ident else "")


def _text(raw: dict[str, Any], key: str, where: str, required: bool = True) -> str:
    value = raw.get(key)
    if not required and (value is None or value == ""):
        return ""
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeError(f"{where}: '{key}' must be a non-empty string")
    return value.strip()


def _list(raw: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise KnowledgeError(f"{where}: '{key}' must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _localized(raw: dict[str, Any], where: str) -> Localized:
    return Localized(
        question=_text(raw, "question", where),
        alternates=_list(raw, "alternates", where),
        answer=_text(raw, "answer", where),
    )


def parse_entry(raw: Any, path: Path, index: int) -> Entry:
    """Validate one YAML mapping and turn it into an Entry."""
    where = _where(path, index, raw)
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{where}: expected a mapping with id, license, topic, question, answer")
    unknown = set(raw) - _KNOWN_KEYS
    if unknown:
        raise KnowledgeError(f"{where}: unknown keys {sorted(unknown)}")
    license_code = _text(raw, "license", where)
    topic = _text(raw, "topic", where)
    if license_code not in LICENSES:
        raise KnowledgeError(f"{where}: unknown license code '{license_code}'")
    if topic not in TOPICS:
        raise KnowledgeError(f"{where}: unknown topic code '{topic}'")
    reviewed = raw.get("reviewed")
    if reviewed is not None and not isinstance(reviewed, date):
        raise KnowledgeError(f"{where}: 'reviewed' must be a date like 2026-11-20")
    varies = raw.get("varies_by_province")
    if varies is not None and not isinstance(varies, bool):
        raise KnowledgeError(f"{where}: 'varies_by_province' must be true or false")
    en_raw = raw.get("en")
    if en_raw is not None and not isinstance(en_raw, dict):
        raise KnowledgeError(f"{where}: 'en' must be a mapping with question, alternates, answer")
    return Entry(
        id=_text(raw, "id", where),
        license=license_code,
        topic=topic,
        zh=_localized(raw, where),
        related=_list(raw, "related", where),
        source=_text(raw, "source", where, required=False),
        reviewed=reviewed,
        en=_localized(en_raw, where + " [en]") if en_raw is not None else None,
        file=path.name,
        tags=_list(raw, "tags", where),
        varies_by_province=varies,
    )


def load_file(path: Path) -> list[Entry]:
    """Load one FAQ YAML file (a list of entries)."""
    data = read_yaml(path, KnowledgeError)
    if data is None:
        return []
    if not isinstance(data, list):
        raise KnowledgeError(f"{path.name}: expected a list of entries at the top level")
    return [parse_entry(raw, path, i) for i, raw in enumerate(data)]


def load_entries(folder: Path | None = None, approved: Path | None = None) -> list[Entry]:
    """Load every `faq/*.yaml` below the knowledge folder; ids must be unique across files.

    `approved` is the folder the web console writes to (one file per entry): an entry there replaces
    the entry of the same id, or adds a new one.
    """
    root = (folder or SHIPPED_DIR) / "faq"
    entries: dict[str, Entry] = {}
    seen: dict[str, str] = {}
    for path in sorted(root.glob("*.yaml")):
        for entry in load_file(path):
            if entry.id in seen:
                raise KnowledgeError(f"{path.name}: entry {entry.id}: id already used in {seen[entry.id]}")
            seen[entry.id] = path.name
            entries[entry.id] = entry
    if approved is not None and approved.is_dir():
        for path in sorted(approved.glob("*.yaml")):
            for entry in load_file(path):
                entries[entry.id] = entry
    return list(entries.values())


def by_id(entries: Iterable[Entry]) -> dict[str, Entry]:
    return {e.id: e for e in entries}
