"""What importing the client list (registry/importer.py) means beyond the registry, as its hooks:
the checklist's names of the licence types (呼叫中心, EDI证 …) and, for a licence imported already
expired, its renewal case marked lapsed (opened so, if there was none).

The CLI (`licensebot licenses import`) and the console upload hand these to `import_file`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from cases.service import mark_lapsed
from checklist.rules import ChecklistRules, load_rules
from registry.importer import ImportHooks
from registry.models import License


def import_hooks(rules: ChecklistRules | None = None) -> ImportHooks:
    """The hooks for an import, with the checklist rules given (the shipped ones by default)."""
    rules = rules or load_rules()

    def lapsed(session: Session, lic: License, today: date, now: datetime) -> None:
        mark_lapsed(session, rules, lic, today, now)

    return ImportHooks(type_names={lt.code: lt.aliases for lt in rules.licenses}, lapsed=lapsed)
