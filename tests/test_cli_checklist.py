"""`licensebot checklist`: the same checklist as the chat, as JSON, text or .xlsx; bad arguments exit 2."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from licensebot.cli.main import main
from tests.test_cli import licensebot

BASE = ["checklist", "--license", "icp", "--scope", "provincial", "--province", "北京", "--expires", "2027-03-15",
        "--today", "2026-11-27"]


def run_json(capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    assert main([*BASE, "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_has_items_dates_and_urgency(capsys):
    out = run_json(capsys, "--number", "京B2-20210001", "--changes", "shareholders,address", "--foreign", "50plus",
                   "--special", "news")
    dates = {d["id"]: d["date"] for d in out["dates"]}
    assert date.fromisoformat(dates["expires"]) - date.fromisoformat(dates["submit_by"]) == timedelta(days=90)
    assert dates["expires"] == "2027-03-15" and dates["prepare_from"] == "2026-09-16"
    assert all({"id", "label", "date"} <= set(d) for d in out["dates"])
    assert all({"id", "group", "title"} <= set(i) for i in out["items"])
    item_ids = [i["id"] for i in out["items"]]
    assert {"shareholder_change", "address_update", "prior_news", "foreign_over_cap"} <= set(item_ids)
    assert out["urgency"] == "urgent" and out["application"] == "renewal" and out["number"] == "京B2-20210001"


@pytest.mark.parametrize("expires", ["2026-11-26", "2020-01-01"])
def test_expired_licence_is_a_new_application(capsys, expires):
    assert main(["checklist", "--license", "edi", "--scope", "nationwide", "--expires", expires,
                 "--today", "2026-11-27", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["urgency"] == "expired" and out["application"] == "new"
    assert out["items"][0]["id"] == "new_application" and "services_running" not in [i["id"] for i in out["items"]]


def test_same_answers_as_the_chat_give_the_same_checklist(capsys):
    """The chat's scenario of tests/test_checklist_flow.py, typed as arguments."""
    out = run_json(capsys, "--changes", "股东,地址", "--foreign", "外资50%及以上", "--special", "新闻")
    assert [i["id"] for i in out["items"]][:2] == ["shareholder_change", "business_licence"]


def test_text_and_xlsx(capsys, tmp_path: Path):
    target = tmp_path / "plan.xlsx"
    assert main([*BASE, "--lang", "en", "--xlsx", str(target)]) == 0
    captured = capsys.readouterr()
    assert "Renewal checklist: ICP licence · Provincial (Beijing)" in captured.out
    assert f"wrote {target}" in captured.err
    sheet = load_workbook(target).active
    assert sheet["A1"].value == "Renewal checklist"
    assert any(row[6] == "To do" for row in sheet.iter_rows(values_only=True))


@pytest.mark.parametrize(("args", "message"), [
    (["--license", "icp", "--scope", "provincial", "--expires", "2027-03-15"], "--province is required"),
    (["--license", "icq", "--scope", "nationwide", "--expires", "2027-03-15"], "expected one of icp, sp"),
    (["--license", "icp", "--scope", "nationwide", "--expires", "2027-02-30"], "2027年2月只有28天"),
    (["--license", "icp", "--scope", "nationwide", "--expires", "2027-03-15", "--number", "京B2-20210001"],
     "地网许可证"),
    (["--license", "icp", "--scope", "nationwide", "--expires", "2027-03-15", "--number", "京ICP备16020626号"],
     "ICP备案号"),
    (["--license", "edi", "--scope", "nationwide", "--expires", "2027-03-15", "--special", "news"],
     "--special does not apply"),
    (["--license", "edi", "--scope", "nationwide", "--expires", "2027-03-15", "--changes", "haircut"],
     "comma-separated list of name, legal_rep"),
    (["--license", "edi", "--scope", "nationwide", "--expires", "2027-03-15", "--foreign", "some"],
     "expected one of none, below50, 50plus"),
    (["--license", "edi", "--scope", "nationwide", "--expires", "2027-03-15", "--today", "yesterday"],
     "--today 'yesterday'"),
    (["--license", "edi", "--scope", "nationwide"], "--expires is required"),
])
def test_bad_arguments_exit_2_with_a_clear_message(capsys, args, message):
    assert main(["checklist", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_as_a_real_process_bad_input_shows_no_traceback():
    done = licensebot("checklist", "--license", "icp", "--scope", "provincial", "--province", "北京",
                      "--expires", "二〇二七年二月三十日")
    assert done.returncode == 2 and "2027年2月只有28天" in done.stderr and "Traceback" not in done.stderr
