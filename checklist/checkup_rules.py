"""The compliance check-up items (knowledge/checkup.yaml): types, loader and schema validation.

Every error names the file and the item. The loader checks the shape (keys, types, known families
and licence codes); `checklist/checkup_lint.py` checks the content (sources, tags, counts) for
`licensebot kb lint`. `checklist/checkup_result.py` turns answers into the result.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.language import Text, pick
from bot.rules import RulesError, entries, get_str, get_text, load_rules_file
from bot.yamlfile import own_or_shipped
from knowledge.codes import HOLDABLE_LICENSES

SHIPPED_FILE = Path(__file__).resolve().parent.parent / "knowledge" / "checkup.yaml"
FILE_NAME = "checkup.yaml"

ANSWERS = ("yes", "no", "unsure")
STATUSES = ("red", "amber", "green")
TAGS = ("official", "secondary", "unconfirmed")
IF_NO = ("red", "amber")
ALL = "all"
ITEM_ID = re.compile(r"^[a-z][a-z0-9_]{1,39}$")  # also a button payload prefix: keep it short
ITEM_KEYS = {"id", "title_zh", "title_en", "applies_to", "zh", "en", "why_zh", "why_en", "basis", "varies_zh",
             "varies_en", "if_no", "action_zh", "action_en", "fix_by"}


class CheckupError(RulesError):
    """The check-up file is unreadable or breaks the schema."""


@dataclass(frozen=True)
class Basis:
    """One legal basis of an item: the citation, how sure we are, and where the fact comes from."""

    text: Text
    tag: str  # official | secondary | unconfirmed ("" when missing: a lint error)
    source: str  # "domain.md §N" or "seeds/NNN" ("" when missing: a lint error)

    def label(self, lang: str) -> str:
        return f"{self.text.get(lang)} [{self.tag or '?'}]"


@dataclass(frozen=True)
class Family:
    id: str
    name: Text
    licenses: tuple[str, ...]


@dataclass(frozen=True)
class Item:
    id: str
    title: Text  # a few words, for the result, the export and the case packet
    applies_to: tuple[str, ...]  # "all", family ids or licence codes
    question: Text
    why: Text
    basis: tuple[Basis, ...]
    varies: Text | None  # where practice varies, said with the item
    if_no: str  # red | amber
    action: Text
    fix_by: int | None  # days before the submission deadline; None = now

    def basis_text(self, lang: str) -> str:
        return pick(lang, "；", "; ").join(b.label(lang) for b in self.basis)


@dataclass(frozen=True)
class CheckupRules:
    file: str
    submit_days_before_expiry: int
    families: tuple[Family, ...]
    items: tuple[Item, ...]

    def family_of(self, license_code: str) -> Family | None:
        return next((f for f in self.families if license_code in f.licenses), None)

    def items_for(self, license_code: str) -> tuple[Item, ...]:
        """The items asked for a licence type, in file order."""
        family = self.family_of(license_code)
        wanted = {ALL, license_code} | ({family.id} if family else set())
        return tuple(i for i in self.items if wanted.intersection(i.applies_to))

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)


def _basis(raw: Any, where: str) -> tuple[Basis, ...]:
    if not isinstance(raw, list) or not raw:
        raise CheckupError(f"{where}: 'basis' must be a non-empty list of {{zh, en, tag, source}}")
    out = []
    for n, b in enumerate(raw, 1):
        at = f"{where}: basis #{n}"
        if not isinstance(b, dict):
            raise CheckupError(f"{at}: expected a mapping with zh, en, tag, source")
        unknown = set(b) - {"zh", "en", "tag", "source"}
        if unknown:
            raise CheckupError(f"{at}: unknown keys {sorted(unknown)}")
        tag = get_str(b, "tag", at, required=False)
        if tag and tag not in TAGS:
            raise CheckupError(f"{at}: tag '{tag}' must be one of {', '.join(TAGS)}")
        out.append(Basis(get_text(b, at), tag, get_str(b, "source", at, required=False)))
    return tuple(out)


def _item(where: str, e: Mapping[str, Any], known_targets: set[str]) -> Item:
    item_id = get_str(e, "id", where)
    if not ITEM_ID.match(item_id):
        raise CheckupError(f"{where}: id must be lower-case letters, digits and _ (2–40 characters)")
    targets = e.get("applies_to")
    if not isinstance(targets, list) or not targets or not all(isinstance(t, str) for t in targets):
        raise CheckupError(f"{where}: 'applies_to' must be a list like [all] or [icp, network]")
    unknown = [t for t in targets if t not in known_targets]
    if unknown:
        raise CheckupError(f"{where}: applies_to: unknown {unknown} (use all, a family id or a licence code)")
    if_no = get_str(e, "if_no", where)
    if if_no not in IF_NO:
        raise CheckupError(f"{where}: 'if_no' must be red or amber")
    fix_by = e.get("fix_by")
    if fix_by != "now" and (not isinstance(fix_by, int) or isinstance(fix_by, bool) or fix_by < 0):
        raise CheckupError(f"{where}: 'fix_by' must be 'now' or days ≥ 0 before the submission deadline")
    varies = get_text(e, where, "varies_zh", "varies_en", required=False)
    return Item(item_id, get_text(e, where, "title_zh", "title_en"), tuple(targets), get_text(e, where), get_text(e, where, "why_zh", "why_en"),
                _basis(e.get("basis"), where), varies if varies.zh or varies.en else None, if_no,
                get_text(e, where, "action_zh", "action_en"), None if fix_by == "now" else int(fix_by))


def parse_checkup(data: Any, file: str = FILE_NAME) -> CheckupRules:
    """Validate the loaded YAML and build the rules; CheckupError names the file and the item."""
    try:
        return _parse(data, file)
    except CheckupError:
        raise
    except RulesError as exc:  # raised by the shared readers of bot.rules
        raise CheckupError(str(exc)) from None


def _parse(data: Any, file: str) -> CheckupRules:
    sections = {"submit_days_before_expiry", "families", "items"}
    if not isinstance(data, dict) or set(data) != sections:
        got = ", ".join(sorted(map(str, data))) if isinstance(data, dict) else type(data).__name__
        raise CheckupError(f"{file}: sections must be exactly {', '.join(sorted(sections))}; got {got}")
    days = data["submit_days_before_expiry"]
    if not isinstance(days, int) or isinstance(days, bool) or days <= 0:
        raise CheckupError(f"{file}: 'submit_days_before_expiry' must be a whole number > 0")
    families = []
    claimed: dict[str, str] = {}
    for where, e in entries(data, "families", file, {"id", "zh", "en", "licenses"}):
        codes = e.get("licenses")
        if not isinstance(codes, list) or not codes:
            raise CheckupError(f"{where}: 'licenses' must be a non-empty list of licence codes")
        for code in map(str, codes):
            if code not in HOLDABLE_LICENSES:
                raise CheckupError(f"{where}: unknown licence code '{code}'")
            if code in claimed:
                raise CheckupError(f"{where}: licence '{code}' is already in family {claimed[code]}")
            claimed[code] = str(e.get("id"))
        families.append(Family(get_str(e, "id", where), get_text(e, where), tuple(map(str, codes))))
    targets = {ALL} | {f.id for f in families} | set(HOLDABLE_LICENSES)
    items = tuple(_item(where, e, targets) for where, e in entries(data, "items", file, ITEM_KEYS))
    return CheckupRules(file, days, tuple(families), items)


def load_checkup(path: Path | None = None) -> CheckupRules:
    """Load and validate a check-up file (the shipped one by default)."""
    return load_rules_file(path or SHIPPED_FILE, parse_checkup, CheckupError)


def load_checkup_for(folder: Path | str | None) -> CheckupRules:
    """The items of a knowledge folder: its own checkup.yaml if it has one, else the shipped file."""
    return load_checkup(own_or_shipped(folder, FILE_NAME, SHIPPED_FILE))
