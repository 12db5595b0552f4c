"""The case model on SQLite and PostgreSQL: one case per licence and cycle, items from the rules,
file review, the reminder note, escalation written once, and the notification log."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.messages import ChatRef
from bot.storage.db import Database
from cases.models import ACCEPTED, COLLECTING, NOT_STARTED, REJECTED, UNDER_REVIEW, CaseFile
from cases.notes import case_notes
from cases.service import add_file, assign_file, case_json, items_of, open_case, review_file, set_item_status
from checklist.rules import load_rules as load_checklist_rules
from registry.models import License
from scheduler.escalation import escalate
from scheduler.notifications import license_log
from scheduler.rules import load_rules
from scheduler.sweep import sweep
from tests.cases.kit import PDF, add_client_license
from tests.conftest import make_settings

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 27)
CHECKLIST = load_checklist_rules()


@pytest.fixture
def db(db_url: str):
    database = Database(db_url)
    database.upgrade()
    yield database
    database.dispose()


def test_a_case_lives_through_its_statuses(db: Database, tmp_path: Path) -> None:
    settings = replace(make_settings("sqlite://"), case_files_dir=str(tmp_path / "files"))
    lid = add_client_license(db, TODAY, NOW, expires_on=TODAY + timedelta(days=25))  # past the deadline
    with db.session() as s:
        lic = s.get(License, lid)
        case, new = open_case(s, CHECKLIST, lic, TODAY, NOW, "console:bob", {"changes": ["name"]})
        again, new_again = open_case(s, CHECKLIST, lic, TODAY, NOW, "console:bob")
        assert new and not new_again and again.id == case.id and case.status == NOT_STARTED
        keys = [i.key for i in items_of(s, case)]
        assert keys[0] == "new_application" or "change_filing" in keys  # past the deadline: the rules say so
        row = add_file(s, settings, case, ("console", "bob", "bob"), "a.pdf", PDF, "application/pdf", NOW)
        assert isinstance(row, CaseFile) and case.status == COLLECTING
        assign_file(s, case, row, keys[0], NOW)
        review_file(s, row, False, "不清楚", NOW)
        assert items_of(s, case)[0].status == REJECTED
        review_file(s, row, True, "", NOW)
        for key in keys[1:]:
            set_item_status(s, case, key, "not_needed", "", NOW)
        data = case_json(s, CHECKLIST, case, lic)
        assert data["status"] == UNDER_REVIEW and data["missing"] == 0 and data["items"][0]["status"] == ACCEPTED
        assert data["submit_by"] == (TODAY + timedelta(days=25) - timedelta(days=90)).isoformat()
        assert case_notes(s, [lid])[lid]["zh"].startswith("【续期案件】材料已齐")


def test_escalation_is_written_once_and_shows_in_the_log(db: Database) -> None:
    rules = load_rules()
    lid = add_client_license(db, TODAY, NOW, expires_on=TODAY + timedelta(days=30), channel="telegram", user="42")
    sweep(db, rules, NOW)
    later = NOW + timedelta(days=3)
    consultants = [ChatRef("telegram", "900")]
    assert escalate(db, rules, consultants, later) == 1
    assert escalate(db, rules, consultants, later) == 0  # idempotent
    with db.session() as s:
        kinds = [(e.kind, e.milestone, e.to, e.status) for e in license_log(s, s.get(License, lid))]
    assert kinds == [("renewal", "d30", "telegram:42", "pending"), ("escalation", "d30", "telegram:900", "pending")]
