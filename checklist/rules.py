"""The renewal checklist rules (knowledge/checklist.yaml): types, loader and validation.

Every error names the file and the entry. Adding a licence type, an answer choice or a material is
a YAML edit; `checklist/plan.py` applies the rules to a client's answers.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.language import Text
from bot.license_numbers import CATEGORY_NAMES
from bot.provinces import find_province
from bot.rules import RulesError, entries, get_bool, get_str, get_strings, get_text, load_rules_file
from bot.yamlfile import own_or_shipped
from knowledge.codes import HOLDABLE_LICENSES

SHIPPED_FILE = Path(__file__).resolve().parent.parent / "knowledge" / "checklist.yaml"
FILE_NAME = "checklist.yaml"

ANSWER_KINDS = ("scope", "changes", "foreign", "special")
SCOPES = ("provincial", "nationwide")
RESERVED = ("none", "done", "skip")  # button payloads of the multi-select and optional steps
REQUIRED_DATES = ("prepare_from", "submit_by", "expires")
APPLICATIONS = ("renewal", "new")
URGENCY_TESTS = ("after_expires", "after_submit_by", "submit_by_within", "on_or_after_prepare_from", "always")
CONDITION_KEYS = ("license", "class", "scope", "province", "changes", "foreign", "special", "application",
                  "number")
PLACEHOLDERS = {"submit_by", "expires", "days"}


@dataclass(frozen=True)
class Group:
    id: str
    name: Text


@dataclass(frozen=True)
class LicenseType:
    code: str
    name: Text
    cls: str  # A1 A2 B1 B2: the class a licence number carries
    service: str  # the catalogue code, e.g. B25
    aliases: tuple[str, ...]
    prior_approvals: bool  # ask which fields need a prior approval (news, education …)


@dataclass(frozen=True)
class Choice:
    value: str
    label: Text
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Milestone:
    id: str
    days_before_expiry: int
    label: Text
    note: Text


@dataclass(frozen=True)
class UrgencyLevel:
    level: str
    applies: str  # one of URGENCY_TESTS
    within_days: int
    application: str  # renewal | new
    message: Text


@dataclass(frozen=True)
class Condition:
    """Every key must match; a key matches when the client's value (or one of them) is listed."""

    terms: tuple[tuple[str, frozenset[str]], ...]

    def matches(self, facts: Mapping[str, str | tuple[str, ...] | None]) -> bool:
        for key, allowed in self.terms:
            value = facts.get(key)
            values = value if isinstance(value, tuple) else (value,)
            if not allowed.intersection(v for v in values if v is not None):
                return False
        return True


@dataclass(frozen=True)
class Material:
    id: str
    group: str
    title: Text
    what: Text
    when: Condition
    unless: Condition | None
    first: bool  # must be done before the renewal itself
    confirm: bool  # not a rule: some provinces may ask; shown flagged
    source: str


@dataclass(frozen=True)
class ChecklistRules:
    file: str
    groups: tuple[Group, ...]
    licenses: tuple[LicenseType, ...]
    answers: dict[str, tuple[Choice, ...]]
    timeline: tuple[Milestone, ...]
    urgency: tuple[UrgencyLevel, ...]
    materials: tuple[Material, ...]

    def license(self, code: str) -> LicenseType | None:
        return next((lt for lt in self.licenses if lt.code == code), None)

    def choice(self, kind: str, value: str) -> Choice | None:
        return next((c for c in self.answers.get(kind, ()) if c.value == value), None)


def _choices(data: Mapping[str, Any], file: str) -> dict[str, tuple[Choice, ...]]:
    answers = data.get("answers")
    if not isinstance(answers, dict) or set(answers) != set(ANSWER_KINDS):
        raise RulesError(f"{file}: 'answers' must have exactly {', '.join(ANSWER_KINDS)}")
    out: dict[str, tuple[Choice, ...]] = {}
    for kind in ANSWER_KINDS:
        choices = []
        for where, e in entries(answers, kind, f"{file}: answers", {"value", "zh", "en", "aliases"}):
            value = get_str(e, "value", where)
            if kind in ("changes", "special") and value in RESERVED:
                raise RulesError(f"{where}: '{value}' is reserved for the buttons; pick another value")
            choices.append(Choice(value, get_text(e, where), get_strings(e, "aliases", where)))
        out[kind] = tuple(choices)
    if tuple(c.value for c in out["scope"]) != SCOPES:
        raise RulesError(f"{file}: answers: scope values must be exactly {', '.join(SCOPES)}")
    if "none" not in {c.value for c in out["foreign"]}:
        raise RulesError(f"{file}: answers: foreign needs a 'none' choice")
    return out


def _licenses(data: Mapping[str, Any], file: str) -> tuple[LicenseType, ...]:
    keys = {"code", "zh", "en", "class", "service", "aliases", "prior_approvals"}
    out = []
    for where, e in entries(data, "licenses", file, keys):
        cls = get_str(e, "class", where)
        if cls not in CATEGORY_NAMES:
            raise RulesError(f"{where}: class '{cls}' must be one of {', '.join(CATEGORY_NAMES)}")
        out.append(LicenseType(get_str(e, "code", where), get_text(e, where), cls, get_str(e, "service", where),
                               get_strings(e, "aliases", where), get_bool(e, "prior_approvals", where)))
    missing = [c for c in HOLDABLE_LICENSES if c not in {lt.code for lt in out}]
    if missing:
        raise RulesError(f"{file}: licenses: missing licence types {', '.join(missing)}")
    return tuple(out)


def _timeline(data: Mapping[str, Any], file: str) -> tuple[Milestone, ...]:
    keys = {"id", "days_before_expiry", "zh", "en", "note_zh", "note_en"}
    out = []
    for where, e in entries(data, "timeline", file, keys):
        days = e.get("days_before_expiry")
        if not isinstance(days, int) or isinstance(days, bool) or days < 0:
            raise RulesError(f"{where}: 'days_before_expiry' must be a whole number ≥ 0")
        out.append(Milestone(get_str(e, "id", where), days, get_text(e, where),
                             get_text(e, where, "note_zh", "note_en", required=False)))
    missing = [d for d in REQUIRED_DATES if d not in {m.id for m in out}]
    if missing:
        raise RulesError(f"{file}: timeline: missing {', '.join(missing)}")
    if [m.days_before_expiry for m in out] != sorted((m.days_before_expiry for m in out), reverse=True):
        raise RulesError(f"{file}: timeline: list the dates from earliest to latest")
    return tuple(out)


def _urgency(data: Mapping[str, Any], file: str) -> tuple[UrgencyLevel, ...]:
    keys = {"level", "applies", "within_days", "application", "zh", "en"}
    out = []
    for where, e in entries(data, "urgency", file, keys):
        applies = get_str(e, "applies", where)
        if applies not in URGENCY_TESTS:
            raise RulesError(f"{where}: 'applies' must be one of {', '.join(URGENCY_TESTS)}")
        within = e.get("within_days", 0)
        if applies == "submit_by_within" and (not isinstance(within, int) or within <= 0):
            raise RulesError(f"{where}: 'within_days' must be a whole number > 0")
        application = get_str(e, "application", where)
        if application not in APPLICATIONS:
            raise RulesError(f"{where}: 'application' must be renewal or new")
        message = get_text(e, where)
        for text in (message.zh, message.en):
            names = {f for _, f, _, _ in string.Formatter().parse(text) if f}
            if names - PLACEHOLDERS:
                raise RulesError(f"{where}: unknown placeholders {sorted(names - PLACEHOLDERS)}")
        out.append(UrgencyLevel(get_str(e, "level", where), applies, int(within), application, message))
    if out[-1].applies != "always":
        raise RulesError(f"{file}: urgency: the last level must apply 'always'")
    return tuple(out)


def _condition(raw: Any, where: str, known: dict[str, set[str]]) -> Condition:
    if not isinstance(raw, dict) or not raw:
        raise RulesError(f"{where}: a condition must be a mapping like {{license: [icp]}}")
    terms = []
    for key, values in raw.items():
        if key not in CONDITION_KEYS:
            raise RulesError(f"{where}: unknown condition '{key}' (use {', '.join(CONDITION_KEYS)})")
        if not isinstance(values, list) or not values:
            raise RulesError(f"{where}: condition '{key}' needs a list of values")
        values = [str(v) for v in values]
        if key == "province":
            bad = [v for v in values if find_province(v) is None]
        else:
            bad = [v for v in values if v not in known[key]]
        if bad:
            raise RulesError(f"{where}: condition '{key}': unknown values {bad}")
        terms.append((key, frozenset(values)))
    return Condition(tuple(terms))


def _materials(data: Mapping[str, Any], file: str, groups: set[str], known: dict[str, set[str]]
               ) -> tuple[Material, ...]:
    keys = {"id", "group", "zh", "en", "what_zh", "what_en", "when", "unless", "first", "confirm", "source"}
    out = []
    for where, e in entries(data, "materials", file, keys):
        group = get_str(e, "group", where)
        if group not in groups:
            raise RulesError(f"{where}: unknown group '{group}' (use {', '.join(sorted(groups))})")
        when = _condition(e["when"], where + " when", known) if "when" in e else Condition(())
        unless = _condition(e["unless"], where + " unless", known) if "unless" in e else None
        out.append(Material(get_str(e, "id", where), group, get_text(e, where), get_text(e, where, "what_zh", "what_en"),
                            when, unless, get_bool(e, "first", where), get_bool(e, "confirm", where),
                            get_str(e, "source", where, required=False)))
    return tuple(out)


def parse_rules(data: Any, file: str = FILE_NAME) -> ChecklistRules:
    """Validate the loaded YAML and build the rules."""
    sections = {"groups", "licenses", "answers", "timeline", "urgency", "materials"}
    if not isinstance(data, dict):
        raise RulesError(f"{file}: expected a mapping with {', '.join(sorted(sections))}")
    if set(data) != sections:
        raise RulesError(f"{file}: sections must be exactly {', '.join(sorted(sections))}; "
                         f"got {', '.join(sorted(map(str, data)))}")
    groups = tuple(Group(get_str(e, "id", w), get_text(e, w)) for w, e in entries(data, "groups", file,
                                                                            {"id", "zh", "en"}))
    licenses = _licenses(data, file)
    answers = _choices(data, file)
    known = {"license": {lt.code for lt in licenses}, "class": set(CATEGORY_NAMES), "scope": set(SCOPES),
             "application": set(APPLICATIONS), "number": {"given", "none"},
             **{k: {c.value for c in answers[k]} for k in ("changes", "foreign", "special")}}
    return ChecklistRules(file, groups, licenses, answers, _timeline(data, file), _urgency(data, file),
                          _materials(data, file, {g.id for g in groups}, known))


def load_rules(path: Path | None = None) -> ChecklistRules:
    """Load and validate a rules file (the shipped one by default)."""
    return load_rules_file(path or SHIPPED_FILE, parse_rules)


def load_rules_for(folder: Path | str | None) -> ChecklistRules:
    """The rules of a knowledge folder: its own checklist.yaml if it has one, else the shipped file."""
    return load_rules(own_or_shipped(folder, FILE_NAME, SHIPPED_FILE))
