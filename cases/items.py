"""A case's items from the checklist rules: the same engine as /renew (checklist/plan.py).

The facts the rules test that a licence row does not hold (changes since issue, foreign investment,
prior approvals) come from the client's latest checklist for that licence when there is one, or are
given when the case is opened; otherwise the defaults (no changes, no foreign investment).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.language import pick
from checklist.plan import Answers, Plan, build_plan
from checklist.rules import ChecklistRules, Material
from registry.models import License

FACT_KEYS = ("changes", "foreign", "special")


@dataclass(frozen=True)
class ItemSpec:
    key: str
    label_zh: str
    label_en: str
    first: bool  # a step to take before the renewal (e.g. a change filing), not only a document

    def label(self, lang: str) -> str:
        return pick(lang, self.label_zh, self.label_en)


def clean_facts(facts: dict[str, Any] | None) -> dict[str, Any]:
    """Only the keys the rules test, with the defaults the checklist uses."""
    facts = facts or {}
    return {"changes": [str(c) for c in facts.get("changes") or ()],
            "foreign": str(facts.get("foreign") or "none"),
            "special": [str(s) for s in facts.get("special") or ()]}


def answers_for(lic: License, facts: dict[str, Any]) -> Answers:
    facts = clean_facts(facts)
    return Answers(license=lic.license_type, scope=lic.scope, expires=lic.expires_on,
                   province=lic.province or None, number=lic.number,
                   changes=tuple(facts["changes"]), foreign=facts["foreign"], special=tuple(facts["special"]))


def plan_for(rules: ChecklistRules, lic: License, facts: dict[str, Any], today: date) -> Plan:
    """The checklist plan of this licence; raises ValueError for a licence type the rules do not know."""
    return build_plan(rules, answers_for(lic, facts), today)


def spec_of(material: Material) -> ItemSpec:
    return ItemSpec(material.id, material.title.zh, material.title.en, material.first)


def item_specs(rules: ChecklistRules, lic: License, facts: dict[str, Any], today: date) -> list[ItemSpec]:
    """The items of a case opened today, in the order the regulator reads them."""
    return [spec_of(m) for m in plan_for(rules, lic, facts, today).items]


def label_of(rules: ChecklistRules, key: str, lang: str) -> str:
    """An item's label by its key (the key itself if the rules no longer have it)."""
    material = next((m for m in rules.materials if m.id == key), None)
    return material.title.get(lang) if material is not None else key
