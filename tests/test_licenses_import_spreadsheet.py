"""Importing like a consultant's spreadsheet: short names of licence types, expired licences (warned
by row, imported as lapsed), Excel dates and serials, Chinese values under Chinese headers; and a
licence imported inside its 30-day window hears about it once, at once."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import select

from bot.storage.db import Database
from bot.storage.models import Outbox
from cases.licence_import import import_hooks
from cases.models import LAPSED, RenewalCase
from knowledge.codes import LICENSES
from registry.importer import export_file, import_file
from registry.models import License
from scheduler.rules import load_rules
from scheduler.sweep import sweep
from tests.test_licenses_import import HEADER, write_csv

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 27)
HOOKS = import_hooks()  # what cases and the checklist add to an import, as the CLI hands them
RULES = load_rules()


@pytest.fixture
def db(db_url: str):
    database = Database(db_url)
    database.upgrade()
    yield database
    database.dispose()


def test_short_names_people_type_are_accepted(db, tmp_path: Path) -> None:
    rows = ["甲公司,呼叫中心,B2-20200101,全网,,,2028-01-31,telegram,1",
            "乙公司,EDI证,B2-20200102,全网,,,2028-01-31,telegram,2",
            "丙公司,IDC证,B1-20200103,全网,,,2028-01-31,telegram,3",
            "丁公司,call center,B2-20200104,全网,,,2028-01-31,telegram,4",
            "戊公司,ICP经营许可证,京B2-20200105,地网,北京,,2028-01-31,telegram,5"]
    report = import_file(db, write_csv(tmp_path / "list.csv", rows), TODAY, NOW, hooks=HOOKS)
    assert report.bad == [] and report.added == 5
    with db.session() as s:
        assert [lic.license_type for lic in s.exec(select(License).order_by(License.id))] == [
            "call_center", "edi", "idc", "call_center", "icp"]


def test_expired_licences_are_warned_by_row_and_imported_as_lapsed(db, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["甲公司", "icp", "京B2-20200201", "地网", "北京", None, datetime(2026, 10, 1), "telegram", "1"])
    sheet.append(["乙公司", "edi", "B2-20200202", "全网", None, None, 46000, "telegram", "2"])  # serial: 2025-12-09
    sheet.append(["丙公司", "idc", "B1-20200203", "全网", None, None, 46741, "telegram", "3"])  # serial: 2027-12-20
    path = tmp_path / "list.xlsx"
    book.save(path)
    report = import_file(db, path, TODAY, NOW, hooks=HOOKS)
    assert report.bad == [] and report.added == 3
    assert [(w.row, w.en) for w in report.warnings] == [
        (2, "licence 京B2-20200201 expired on 2026-10-01; imported as lapsed"),
        (3, "licence B2-20200202 expired on 2025-12-09; imported as lapsed")]
    with db.session() as s:
        expiries = [lic.expires_on for lic in s.exec(select(License).order_by(License.id))]
        cases = {c.license_id: c.status for c in s.exec(select(RenewalCase))}
    assert expiries == [date(2026, 10, 1), date(2025, 12, 9), date(2027, 12, 20)]
    assert cases == {1: LAPSED, 2: LAPSED}  # the valid one has no case until someone opens it


def test_chinese_headers_export_chinese_values_that_import_back(db, tmp_path: Path) -> None:
    import_file(db, write_csv(tmp_path / "in.csv", ["甲公司,edi,B2-20200301,全网,,,2028-01-31,telegram,1",
                                                    "乙公司,icp,京B2-20200302,地网,北京,,2028-01-31,telegram,2"]),
                TODAY, NOW, hooks=HOOKS)
    out = tmp_path / "out.csv"
    export_file(db, out, chinese=True)
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[0][:4] == ["公司名称", "许可证类型", "许可证编号", "经营范围"]
    assert [r[1] for r in rows[1:]] == [LICENSES["edi"], LICENSES["icp"]]
    assert [r[3] for r in rows[1:]] == ["全网", "地网"]
    again = import_file(db, out, TODAY, NOW, hooks=HOOKS)
    assert again.bad == [] and again.unchanged == 2


def test_imported_inside_the_30_day_window_gets_one_reminder_that_the_deadline_has_passed(db, tmp_path: Path) -> None:
    import_file(db, write_csv(tmp_path / "in.csv", ["甲公司,icp,京B2-20200401,地网,北京,,2026-12-20,telegram,1"]),
                TODAY, NOW, hooks=HOOKS)
    first = sweep(db, RULES, NOW)
    with db.session() as s:
        rows = list(s.exec(select(Outbox).where(Outbox.kind == "reminder")))
    assert first.created == 1 and len(rows) == 1
    assert "d30" in rows[0].body["tags"] and "提交截止日已过" in rows[0].body["text"]
    assert "还有23天" in rows[0].body["text"]
    assert sweep(db, RULES, NOW).created == 0
