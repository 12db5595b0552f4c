"""Open, read and change renewal cases. Every function takes the caller's session and never commits.

Who may act is checked by the callers (a client through a subscription to the licence, a consultant
by the CONSULTANTS setting); these functions only keep a case consistent:

    status  not_started ─(first file)─▶ collecting ─(nothing missing or rejected)─▶ under_review
            ─(consultant: submitted)─▶ submitted ─(licence marked renewed)─▶ renewed
            any open status ─(expired without a submission)─▶ lapsed
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.language import pick
from bot.settings import Settings
from bot.storage.personal import PersonalTable
from cases import files as store
from cases.items import clean_facts, item_specs, label_of
from cases.models import (
    ACCEPTED,
    CLOSED_STATUSES,
    COLLECTING,
    LAPSED,
    MISSING,
    NOT_NEEDED,
    NOT_STARTED,
    OPEN_ITEM_STATUSES,
    REJECTED,
    RENEWED,
    SUBMITTED,
    UNDER_REVIEW,
    UPLOADED,
    CaseFile,
    CaseItem,
    RenewalCase,
)
from checklist.rules import ChecklistRules
from registry.models import License

APPLY_DAYS_BEFORE = 90  # 42号令第二十七条 (the reminder rules carry the same number)

STATUS_LABELS: dict[str, tuple[str, str]] = {
    NOT_STARTED: ("未开始", "not started"), COLLECTING: ("收集材料中", "collecting"),
    UNDER_REVIEW: ("顾问审核中", "under review"), SUBMITTED: ("已提交", "submitted"),
    RENEWED: ("已续期", "renewed"), LAPSED: ("已失效", "lapsed"),
}
ITEM_LABELS: dict[str, tuple[str, str]] = {
    MISSING: ("待上传", "missing"), UPLOADED: ("已上传，待审核", "uploaded"), ACCEPTED: ("已通过", "accepted"),
    REJECTED: ("被退回", "rejected"), NOT_NEEDED: ("无需提供", "not needed"),
}


def status_label(status: str, lang: str) -> str:
    zh, en = STATUS_LABELS.get(status, ITEM_LABELS.get(status, (status, status)))
    return pick(lang, zh, en)


def submit_by(lic: License, apply_days: int = APPLY_DAYS_BEFORE) -> date:
    return lic.expires_on - timedelta(days=apply_days)


def current_case(session: Session, lic: License) -> RenewalCase | None:
    """The case of the licence's current cycle, if one was opened."""
    return session.exec(select(RenewalCase).where(RenewalCase.license_id == lic.id,
                                                  RenewalCase.cycle == lic.cycle)).first()


def get_case(session: Session, case_id: int) -> RenewalCase | None:
    return session.get(RenewalCase, case_id)


def open_case(session: Session, rules: ChecklistRules, lic: License, today: date, now: datetime, opened_by: str,
              facts: dict[str, Any] | None = None) -> tuple[RenewalCase, bool]:
    """The licence's case for its current cycle, opened now with its items if there is none yet.

    Returns the case and whether it is new. Raises ValueError for a licence type the rules do not know.
    """
    found = current_case(session, lic)
    if found is not None:
        return found, False
    facts = clean_facts(facts)
    specs = item_specs(rules, lic, facts, today)
    status = LAPSED if lic.expires_on < today else NOT_STARTED
    try:
        with session.begin_nested():  # another worker may open the same case at the same moment
            case = RenewalCase(license_id=lic.id or 0, cycle=lic.cycle, status=status, facts=facts,
                               opened_by=opened_by[:170], created_at=now, updated_at=now)
            session.add(case)
            session.flush()
            for i, spec in enumerate(specs):
                session.add(CaseItem(case_id=case.id or 0, key=spec.key, position=i, updated_at=now))
            session.flush()
    except IntegrityError:
        again = current_case(session, lic)
        if again is None:
            raise
        return again, False
    return case, True


def mark_lapsed(session: Session, rules: ChecklistRules, lic: License, today: date, now: datetime) -> None:
    """An expired licence's case of its cycle is lapsed (opened so, by the import, if there was none)."""
    case = current_case(session, lic)
    if case is None:
        try:
            open_case(session, rules, lic, today, now, "import")
        except ValueError:  # a licence type without checklist rules: no case
            return
    elif case.status != LAPSED:
        set_case_status(session, case, LAPSED, now)


def items_of(session: Session, case: RenewalCase) -> list[CaseItem]:
    return list(session.exec(select(CaseItem).where(CaseItem.case_id == case.id).order_by(col(CaseItem.position))))


def item_of(session: Session, case: RenewalCase, key: str) -> CaseItem | None:
    return session.exec(select(CaseItem).where(CaseItem.case_id == case.id, CaseItem.key == key)).first()


def files_of(session: Session, case: RenewalCase) -> list[CaseFile]:
    return list(session.exec(select(CaseFile).where(CaseFile.case_id == case.id).order_by(col(CaseFile.id))))


def open_items(items: list[CaseItem]) -> list[CaseItem]:
    """What the client still has to send: missing or rejected items."""
    return [i for i in items if i.status in OPEN_ITEM_STATUSES]


def missing_labels(session: Session, rules: ChecklistRules, case: RenewalCase, lang: str) -> list[str]:
    return [label_of(rules, i.key, lang) for i in open_items(items_of(session, case))]


def refresh_status(session: Session, case: RenewalCase, now: datetime) -> str:
    """Recompute an open case's status from its items (submitted, renewed and lapsed stay)."""
    if case.status in (SUBMITTED, *CLOSED_STATUSES):
        return case.status
    items = items_of(session, case)
    has_files = session.exec(select(CaseFile.id).where(CaseFile.case_id == case.id)).first() is not None
    touched = has_files or any(i.status != MISSING for i in items)
    status = NOT_STARTED if not touched else COLLECTING if open_items(items) else UNDER_REVIEW
    if status != case.status:
        case.status, case.updated_at = status, now
        session.add(case)
    return status


def add_file(session: Session, settings: Settings, case: RenewalCase, who: tuple[str, str, str], filename: str,
             content: bytes, mime: str, now: datetime) -> CaseFile | store.FileProblem:
    """Check and store a file the client sent; it belongs to no item until `assign_file`.

    `who` = (channel, chat_id, user_id). The bytes go to disk; the row records where.
    """
    problem = store.check_file(settings, filename, content)
    if problem is not None:
        return problem
    channel, chat_id, user_id = who
    name = store.clean_name(filename)
    row = CaseFile(case_id=case.id or 0, channel=channel, chat_id=chat_id, user_id=user_id, filename=name,
                   path="", size=len(content), mime=store.mime_of(name, mime), created_at=now)
    session.add(row)
    session.flush()
    row.path = str(store.store(settings, case.id or 0, row.id or 0, name, content))
    session.add(row)
    if case.status == NOT_STARTED:
        case.status, case.updated_at = COLLECTING, now
        session.add(case)
    return row


def assign_file(session: Session, case: RenewalCase, row: CaseFile, key: str, now: datetime) -> CaseItem | None:
    """File `row` under item `key`: the item is uploaded (waiting for review). None if no such item."""
    item = item_of(session, case, key)
    if item is None:
        return None
    row.item_key, row.status, row.reason = key, UPLOADED, ""
    item.status, item.reason, item.updated_at = UPLOADED, "", now
    session.add(row)
    session.add(item)
    session.flush()
    refresh_status(session, case, now)
    return item


def review_file(session: Session, row: CaseFile, accept: bool, reason: str, now: datetime) -> CaseItem | None:
    """A consultant's verdict on a file; its item follows (accepted, or rejected with the reason)."""
    case = session.get(RenewalCase, row.case_id)
    if case is None:
        return None
    row.status, row.reason = (ACCEPTED, "") if accept else (REJECTED, reason[:500])
    session.add(row)
    item = item_of(session, case, row.item_key) if row.item_key else None
    if item is not None:
        item.status, item.reason, item.updated_at = row.status, row.reason, now
        session.add(item)
    session.flush()
    refresh_status(session, case, now)
    return item


def set_item_status(session: Session, case: RenewalCase, key: str, status: str, reason: str,
                    now: datetime) -> CaseItem | None:
    """Set one item's status by hand (e.g. a consultant marks it not needed)."""
    item = item_of(session, case, key)
    if item is None:
        return None
    item.status, item.reason, item.updated_at = status, reason[:500], now
    session.add(item)
    session.flush()
    refresh_status(session, case, now)
    return item


def set_case_status(session: Session, case: RenewalCase, status: str, now: datetime) -> None:
    case.status, case.updated_at = status, now
    session.add(case)


def close_for_renewal(session: Session, license_id: int, cycle: int, now: datetime) -> None:
    """The licence of this cycle was renewed: its case (if any) is renewed."""
    case = session.exec(select(RenewalCase).where(RenewalCase.license_id == license_id,
                                                  RenewalCase.cycle == cycle)).first()
    if case is not None:
        set_case_status(session, case, RENEWED, now)


def case_json(session: Session, rules: ChecklistRules, case: RenewalCase, lic: License,
              lang: str = "zh") -> dict[str, Any]:
    """The case as one JSON-ready object (`licensebot cases show --json`)."""
    items = items_of(session, case)
    by_item: dict[str, list[dict[str, Any]]] = {}
    for f in files_of(session, case):
        by_item.setdefault(f.item_key, []).append(
            {"id": f.id, "name": f.filename, "size": f.size, "status": f.status, "reason": f.reason})
    return {
        "license": lic.number, "company": lic.company, "license_type": lic.license_type, "case": case.id,
        "cycle": case.cycle, "status": case.status, "expires_on": lic.expires_on.isoformat(),
        "submit_by": submit_by(lic).isoformat(), "missing": len(open_items(items)),
        "items": [{"key": i.key, "label": label_of(rules, i.key, lang), "status": i.status, "reason": i.reason,
                   "files": by_item.get(i.key, [])} for i in items],
        "unassigned_files": by_item.get("", []),
    }


def delete_files_of_user(session: Session, channel: str, user_id: str) -> int:
    """Delete the stored files a person uploaded (the rows go with the personal-data registry)."""
    n = 0
    for row in session.exec(select(CaseFile).where(CaseFile.channel == channel, CaseFile.user_id == user_id)):
        n += store.remove(row.path)
    return n


# The renewal cases' personal data (bot/storage/personal.py): the rows, and the files they point to.
PERSONAL_TABLES: tuple[PersonalTable, ...] = (
    PersonalTable(CaseFile, "续期案件中您上传的文件", "files you uploaded to renewal cases",
                  before_delete=delete_files_of_user),
)
