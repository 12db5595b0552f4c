"""The base of every rules file (checklist, check-up, reminders): one error, one loader, the typed readers.

A rules file is YAML read by `bot.yamlfile.read_yaml`, then validated by its feature's parser; every
error is a RulesError (or a subclass) whose message starts with the file and names the key or entry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from bot.language import Text
from bot.yamlfile import read_yaml

T = TypeVar("T")


class RulesError(ValueError):
    """A rules file is unreadable or breaks its schema; the message starts with the file and the key."""


def load_rules_file(path: Path, parse: Callable[[Any, str], T], error: type[RulesError] = RulesError,
                    name: str | None = None) -> T:
    """Read `path` and build its rules with `parse(data, name)`; `name` (the file name unless given) starts errors."""
    name = path.name if name is None else name
    return parse(read_yaml(path, error, name), name)


# Readers of one entry's fields: `where` names the file and the entry; each raises RulesError.

def get_str(raw: Mapping[str, Any], key: str, where: str, required: bool = True) -> str:
    value = raw.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise RulesError(f"{where}: '{key}' must be a non-empty string")
    return value.strip()


def get_text(raw: Mapping[str, Any], where: str, zh: str = "zh", en: str = "en", required: bool = True) -> Text:
    return Text(get_str(raw, zh, where, required), get_str(raw, en, where, required))


def get_strings(raw: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str | int) and str(v).strip() for v in value):
        raise RulesError(f"{where}: '{key}' must be a list of non-empty strings")
    return tuple(str(v).strip() for v in value)


def get_bool(raw: Mapping[str, Any], key: str, where: str) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise RulesError(f"{where}: '{key}' must be true or false")
    return value


def entries(data: Mapping[str, Any], section: str, file: str, keys: set[str]) -> list[tuple[str, dict]]:
    """The entries of a list section, each with where it is ("file: section #2 (id)"); checks keys and ids."""
    raw = data.get(section)
    if not isinstance(raw, list) or not raw:
        raise RulesError(f"{file}: '{section}' must be a non-empty list")
    out: list[tuple[str, dict]] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw):
        ident = entry.get("id", entry.get("code", entry.get("value", entry.get("level")))) if isinstance(
            entry, dict) else None
        where = f"{file}: {section} #{i + 1}" + (f" ({ident})" if ident is not None else "")
        if not isinstance(entry, dict):
            raise RulesError(f"{where}: expected a mapping")
        unknown = set(entry) - keys
        if unknown:
            raise RulesError(f"{where}: unknown keys {sorted(unknown)}")
        if ident is not None and str(ident) in seen:
            raise RulesError(f"{where}: '{ident}' is used twice in {section}")
        if ident is not None:
            seen.add(str(ident))
        out.append((where, entry))
    return out
