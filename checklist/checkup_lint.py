"""`kb lint` checks on the check-up items: every legal basis has a tag and a source, nothing unsourced
is shown as a requirement, and every licence type gets a check-up of a sensible length."""

from __future__ import annotations

import re

from checklist.checkup_rules import CheckupRules
from knowledge.codes import HOLDABLE_LICENSES
from knowledge.lint import Finding

MIN_ITEMS, MAX_ITEMS = 12, 20
# Where a fact may come from: a section of shared/domain.md, or a seed article (what clients hear).
SOURCE = re.compile(r"^(domain\.md §\d+|seeds/\d{3})$")
FIRM = ("official", "secondary")


def lint_checkup(rules: CheckupRules) -> list[Finding]:
    """Errors for unsourced or untagged bases and overstated items; the per-licence item counts."""
    findings: list[Finding] = []
    for item in rules.items:
        where = f"{rules.file}: {item.id}"
        for n, basis in enumerate(item.basis, 1):
            if not basis.source:
                findings.append(Finding("error", where, f"basis #{n} ({basis.text.zh[:30]}) has no source"))
            elif not SOURCE.match(basis.source):
                findings.append(Finding("error", where, f"basis #{n}: source '{basis.source}' is neither "
                                                        "'domain.md §N' nor 'seeds/NNN'"))
            if not basis.tag:
                findings.append(Finding("error", where, f"basis #{n} ({basis.text.zh[:30]}) has no tag "
                                                        "(official, secondary or unconfirmed)"))
            elif basis.source.startswith("seeds/") and basis.tag != "unconfirmed":
                findings.append(Finding("error", where, f"basis #{n}: a seed article can only be 'unconfirmed'"))
        firm = [b for b in item.basis if b.tag in FIRM]
        if item.if_no == "red" and not firm:
            findings.append(Finding("error", where, "a red item needs an official or secondary basis; "
                                                    "with only unconfirmed ones use if_no: amber"))
        if any(b.tag == "unconfirmed" for b in item.basis) and item.varies is None:
            findings.append(Finding("error", where, "an unconfirmed basis needs varies_zh/varies_en saying "
                                                    "where practice varies"))
    for code in HOLDABLE_LICENSES:
        family = rules.family_of(code)
        if family is None:
            findings.append(Finding("error", rules.file, f"licence '{code}' belongs to no family"))
            continue
        n = len(rules.items_for(code))
        if not MIN_ITEMS <= n <= MAX_ITEMS:
            findings.append(Finding("error", f"{rules.file}: {family.id}",
                                    f"licence '{code}' gets {n} questions (want {MIN_ITEMS}–{MAX_ITEMS})"))
    return findings
