"""What a reminder says about a licence's renewal case: what is still missing.

The sweep renders reminders for many licences from stencils (scheduler/texts.py); only the few
licences with an open case get this note appended, so the note is looked up per window in one query.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from bot.language import pick
from cases.items import label_of
from cases.models import CLOSED_STATUSES, OPEN_ITEM_STATUSES, CaseItem, RenewalCase
from checklist.rules import ChecklistRules, load_rules
from registry.models import License

MAX_NAMED = 8  # items named in a reminder; the rest are counted


@lru_cache(maxsize=1)
def _rules() -> ChecklistRules:
    return load_rules()


def case_notes(session: Session, license_ids: Iterable[int], rules: ChecklistRules | None = None) -> dict[int, dict[str, str]]:
    """licence id → {"zh": note, "en": note} for licences whose current-cycle case is open."""
    ids = sorted(set(license_ids))
    if not ids:
        return {}
    rules = rules or _rules()
    C, IT, L = RenewalCase.__table__, CaseItem.__table__, License.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        select(C.c.license_id, C.c.status, IT.c.key, IT.c.status, IT.c.position)
        .select_from(C.join(L, and_(L.c.id == C.c.license_id, L.c.cycle == C.c.cycle))
                     .outerjoin(IT, IT.c.case_id == C.c.id))
        .where(C.c.license_id.in_(ids), C.c.status.not_in(CLOSED_STATUSES))
        .order_by(C.c.license_id, IT.c.position)).all()
    missing: dict[int, list[str]] = {}
    for lid, _case_status, key, item_status, _pos in rows:
        missing.setdefault(lid, [])
        if key is not None and item_status in OPEN_ITEM_STATUSES:
            missing[lid].append(key)
    return {lid: {lang: note_text(rules, keys, lang) for lang in ("zh", "en")} for lid, keys in missing.items()}


def note_text(rules: ChecklistRules, keys: list[str], lang: str) -> str:
    if not keys:
        return pick(lang, "【续期案件】材料已齐，顾问正在审核。", "Renewal case: every item is in; the consultant is reviewing.")
    named = [label_of(rules, k, lang) for k in keys[:MAX_NAMED]]
    more = len(keys) - len(named)
    rest = pick(lang, f"等{len(keys)}项", f" and {more} more") if more else ""
    return pick(lang, f"【续期案件】还缺{len(keys)}项：{'、'.join(named)}{rest}。点“上传材料”即可在聊天中发送。",
                f"Renewal case: {len(keys)} still missing: {'; '.join(named)}{rest}. "
                "Press “Upload documents” to send them here.")


def with_note(body_json: str, note: str) -> str:
    """An Outbox body (JSON text) with the note as a last paragraph of its text."""
    body = json.loads(body_json)
    body["text"] = f"{body['text']}\n\n{note}"
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))
