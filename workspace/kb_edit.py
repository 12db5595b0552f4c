"""Entries written from the web console: a draft from a gap, checks, the YAML file, the history.

An approved entry is one YAML file `<id>.yaml` in KB_APPROVED_DIR; the loader reads that folder after
the shipped knowledge base, so an entry there replaces the shipped one of the same id. Before an entry
is replaced, its old text is appended to `history/<id>.yaml` with who and when.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from bot.yamlfile import read_yaml
from knowledge.entries import Entry, KnowledgeError, Localized, load_entries, parse_entry
from knowledge.gaps import Gap
from knowledge.lint import lint

ENTRY_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{2,80}$")


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _localized(loc: Localized) -> dict[str, Any]:
    return {"question": loc.question, "alternates": list(loc.alternates), "answer": loc.answer}


def entry_to_raw(entry: Entry) -> dict[str, Any]:
    """An Entry as the YAML mapping it was read from."""
    raw: dict[str, Any] = {"id": entry.id, "license": entry.license, "topic": entry.topic, **_localized(entry.zh)}
    if entry.related:
        raw["related"] = list(entry.related)
    if entry.source:
        raw["source"] = entry.source
    if entry.reviewed:
        raw["reviewed"] = entry.reviewed
    if entry.tags:
        raw["tags"] = list(entry.tags)
    if entry.en is not None:
        raw["en"] = _localized(entry.en)
    return raw


def draft_from_gap(gap: Gap, existing: Entry | None, number: int) -> dict[str, Any]:
    """A new entry for questions nobody answered, or the entry users pointed at with their words added."""
    questions = [q for q, _ in gap.questions.most_common()]
    if existing is not None:
        raw = entry_to_raw(existing)
        raw["alternates"] = list(dict.fromkeys(list(existing.zh.alternates) + questions))
        return raw
    return {"id": f"draft-{number}", "license": "general", "topic": "need", "question": questions[0],
            "alternates": questions[1:], "answer": ""}


def check(raw: dict[str, Any], kb_folder: Path | None, approved: Path, today: date) -> list[str]:
    """What is wrong with this entry, checked the way `kb lint` checks the whole base (errors only)."""
    entry_id = str(raw.get("id", ""))
    if not ENTRY_ID.match(entry_id):
        return ["id: lowercase letters, digits, - and _ (3–80 characters)"]
    try:
        entry = parse_entry(raw, approved / f"{entry_id}.yaml", 0)
        others = [e for e in load_entries(kb_folder, approved) if e.id != entry_id]
    except KnowledgeError as exc:
        return [str(exc)]
    return [f.message for f in lint([*others, entry], today) if f.level == "error" and entry_id in f.where]


def write(raw: dict[str, Any], previous: Entry | None, approved: Path, who: str, now: datetime) -> Path:
    """Write the entry's file (and the previous text into its history)."""
    approved.mkdir(parents=True, exist_ok=True)
    entry_id = raw["id"]
    if previous is not None:
        history = approved / "history"
        history.mkdir(exist_ok=True)
        path = history / f"{entry_id}.yaml"
        old = read_yaml(path, KnowledgeError) if path.exists() else []
        old = old if isinstance(old, list) else []
        old.append({"replaced_at": now.isoformat(timespec="seconds"), "by": who, "entry": entry_to_raw(previous)})
        path.write_text(yaml.safe_dump(old, allow_unicode=True, sort_keys=False), encoding="utf-8")
    target = approved / f"{entry_id}.yaml"
    temporary = target.with_suffix(".yaml.tmp")
    temporary.write_text(yaml.safe_dump([raw], allow_unicode=True, sort_keys=False), encoding="utf-8")
    temporary.replace(target)  # a reload never sees half a file
    return target
