"""A renewal case in the console: items and files, accept / reject reaching the client, files and the
archive only for signed-in consultants, nothing from the request used as a path."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from bot.clock import FrozenClock
from bot.storage.models import Outbox
from cases.models import CaseFile, CaseItem, RenewalCase
from cases.service import add_file, assign_file, open_case
from checklist.rules import ChecklistRules
from registry.models import License
from tests.cases.kit import PDF, add_client_license
from tests.console.conftest import Desk, make_desk


@pytest.fixture
def desk(fresh_sqlite: str, clock: FrozenClock, tmp_path: Path) -> Iterator[Desk]:
    yield from make_desk(fresh_sqlite, clock, tmp_path / "approved", case_files_dir=str(tmp_path / "files"))


def a_case_with_two_files(desk: Desk) -> tuple[int, list[int]]:
    db, now = desk.services.db, desk.clock.now()
    license_id = add_client_license(db, date(2026, 11, 27), now)
    with db.session() as s:
        lic = s.get(License, license_id)
        case, _ = open_case(s, desk.services.get(ChecklistRules), lic, date(2026, 11, 27), now, "console:bob")
        keys = [item.key for item in s.exec(select(CaseItem).where(CaseItem.case_id == case.id)).all()][:2]
        ids = []
        for key, name in zip(keys, ("营业执照.pdf", "身份证.pdf"), strict=True):
            row = add_file(s, desk.services.settings, case, ("console", "bob", "bob"), name, PDF, "application/pdf", now)
            assert isinstance(row, CaseFile)
            assign_file(s, case, row, key, now)
            ids.append(row.id)
        s.commit()
        return case.id or 0, ids


def test_case_page_lists_items_and_files_for_consultants_only(desk: Desk):
    case_id, (first, _second) = a_case_with_two_files(desk)
    for path in (f"/console/cases/{case_id}", f"/console/files/{first}", f"/console/cases/{case_id}/archive"):
        assert desk.client.get(path).status_code == 401
    desk.sign_in()
    page = desk.client.get(f"/console/cases/{case_id}").text
    assert "营业执照.pdf" in page and "身份证.pdf" in page
    download = desk.client.get(f"/console/files/{first}")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-disposition"].startswith("attachment")
    assert desk.client.get("/console/files/99999").status_code == 404
    assert desk.client.get("/console/files/..%2F..%2Fetc%2Fpasswd").status_code in (404, 401)
    archive = zipfile.ZipFile(io.BytesIO(desk.client.get(f"/console/cases/{case_id}/archive").content))
    assert "index.xlsx" in archive.namelist() and len(archive.namelist()) == 3


def test_accept_and_reject_reach_the_client(desk: Desk):
    case_id, (first, second) = a_case_with_two_files(desk)
    csrf = desk.sign_in()
    assert desk.client.post(f"/console/files/{first}/accept", data={}).status_code == 403  # no CSRF token
    desk.client.post(f"/console/files/{first}/accept", data={"csrf": csrf})
    no_reason = desk.client.post(f"/console/files/{second}/reject", data={"csrf": csrf})
    assert "请写明退回原因" in no_reason.text
    desk.client.post(f"/console/files/{second}/reject", data={"csrf": csrf, "reason": "扫描件模糊<b>请重拍</b>"})
    page = desk.client.get(f"/console/cases/{case_id}").text
    assert "扫描件模糊&lt;b&gt;请重拍&lt;/b&gt;" in page and "<b>请重拍" not in page
    with desk.services.db.session() as s:
        statuses = {f.id: f.status for f in s.exec(select(CaseFile)).all()}
        to_bob = " ".join(r.body.get("text", "") for r in s.exec(select(Outbox).where(Outbox.chat_id == "bob")).all())
        case = s.get(RenewalCase, case_id)
    assert statuses == {first: "accepted", second: "rejected"}
    assert "扫描件模糊<b>请重拍</b>" in to_bob and "已通过" in to_bob
    assert case is not None
    listing = desk.client.get("/console/licenses").text
    assert f"/console/cases/{case_id}" in listing


def test_the_ticket_page_lists_the_clients_files(desk: Desk):
    _case_id, (first, _second) = a_case_with_two_files(desk)
    desk.person("bob").send("/human")
    desk.sign_in()
    page = desk.client.get("/console/tickets/1").text
    section = page.split('id="client-files"')[1]
    assert f'href="/console/files/{first}"' in section and "营业执照.pdf" in section


def test_the_licence_list_shows_an_acknowledged_reminder_and_the_case(desk: Desk):
    from registry.models import Reminder

    case_id, _files = a_case_with_two_files(desk)
    now = desk.clock.now()
    with desk.services.db.session() as s:
        license_id = s.get(RenewalCase, case_id).license_id
        s.add(Reminder(license_id=license_id, kind="renewal", milestone="d180", cycle=1, due_on=date(2026, 11, 21),
                       created_at=now, acknowledged_at=now))
        s.commit()
    desk.sign_in()
    listing = desk.client.get("/console/licenses").text
    assert "客户已确认" in listing and f"/console/cases/{case_id}" in listing
