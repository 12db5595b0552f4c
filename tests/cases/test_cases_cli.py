"""`licensebot cases show|open|archive`: one JSON object per case; a zip with an index sheet."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.storage.db import Database
from cases.models import CaseFile
from cases.service import add_file, assign_file, current_case, review_file
from licensebot.cli.main import main
from registry.models import License
from tests.cases.kit import PDF, add_client_license

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CASE_FILES_DIR", str(tmp_path / "files"))
    db = Database(url)
    db.upgrade()
    add_client_license(db, date(2026, 11, 27), NOW)
    yield db
    db.dispose()


def test_show_json_has_the_contract_fields(env: Database, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["cases", "show", "京B2-20210001", "--json"]) == 1  # no case yet
    assert "cases open" in capsys.readouterr().err
    assert main(["cases", "open", "京B2-20210001", "--changes", "shareholders"]) == 0
    capsys.readouterr()
    from bot.settings import Settings
    settings = Settings.load()
    with env.session() as s:
        lic = s.get(License, 1)
        case = current_case(s, lic)
        row = add_file(s, settings, case, ("console", "bob", "bob"), "营业执照.pdf", PDF, "application/pdf", NOW)
        assert isinstance(row, CaseFile)
        assign_file(s, case, row, "business_licence", NOW)
        review_file(s, row, False, "不清晰", NOW)
    assert main(["cases", "show", "京B2-20210001", "--json"]) == 0
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == 1
    data = json.loads(out)
    assert {"license", "cycle", "status", "submit_by", "missing", "items"} <= set(data)
    assert data["license"] == "京B2-20210001" and data["cycle"] == 1 and data["status"] == "collecting"
    assert data["submit_by"] == "2027-02-19"  # 90 days before 2027-05-20
    assert all({"key", "label", "status", "files"} <= set(i) for i in data["items"])
    keys = [i["key"] for i in data["items"]]
    assert "shareholder_change" in keys and "business_licence" in keys  # the rules, with the changes given
    rejected = next(i for i in data["items"] if i["key"] == "business_licence")
    assert rejected["status"] == "rejected" and rejected["reason"] == "不清晰" and rejected["files"][0]["name"]
    assert data["missing"] == sum(1 for i in data["items"] if i["status"] in ("missing", "rejected"))

    archive = tmp_path / "case.zip"
    assert main(["cases", "archive", "京B2-20210001", str(archive)]) == 0
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        assert "index.xlsx" in names and any(n.startswith("business_licence/") for n in names)
        sheet = load_workbook(io.BytesIO(zf.read("index.xlsx"))).active
        rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert any(r[1] == "营业执照（副本）" and r[3] == "不清晰" for r in rows if len(r) > 3)


def test_unknown_number_exits_1(env: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cases", "show", "京B2-29999999", "--json"]) == 1
    assert main(["cases", "open", "not a number"]) == 1
    assert capsys.readouterr().out == ""
