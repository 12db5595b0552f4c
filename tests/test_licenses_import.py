"""Importing the consultants' client list: good rows in, bad rows reported by number, re-import idempotent."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import select

from bot.clock import SystemClock, business_today
from bot.storage.db import Database
from cases.licence_import import import_hooks
from licensebot.cli.main import main
from registry.importer import export_file, import_file
from registry.models import License, Subscription
from registry.table_io import TableError
from tests.test_cli import licensebot

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 27)
HOOKS = import_hooks()  # what cases and the checklist add to an import, as the CLI hands them
HEADER = "company,license_type,license_number,scope,province,issued_on,expires_on,channel,chat_id"
ROWS = [
    "北京示例科技有限公司,icp,京B2-20200001,地网,北京,2022-03-15,2027-03-15,telegram,1001",
    "北京示例科技有限公司,icp,京B2-20200001,省内,北京,2022-03-15,2027-03-15,wecom,zhangsan",  # a 2nd contact
    "上海示例网络有限公司,IDC,沪B1-20200002,,,2022/6/30,2027年6月30日,,",  # scope from the number
    "示例通信有限公司,cdn,B1-20190001,跨地区,,,2028-01-31,telegram,1002",
    "深圳示例有限公司,edi,粤B2-20200003,provincial,广东,,2027-02-30,telegram,1003",  # bad date
    "杭州示例有限公司,edi,浙ICP备16020626号,地网,浙江,,2027-02-01,telegram,1004",  # malformed number
    "成都示例有限公司,food,川B2-20200004,地网,四川,,2027-02-01,telegram,1005",  # unknown type
    "北京示例科技有限公司,icp,京B2-20200001,地网,北京,2022-03-15,2028-03-15,telegram,1006",  # duplicate number
    "武汉示例有限公司,sp,鄂B2-20200005,全网,,,2027-05-01,telegram,1007",  # number says provincial
    "南京示例有限公司,sp,苏B2-20200006,地网,江苏,2022-01-01,2027-05-01,sms,1008",  # unknown channel
]


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    database.upgrade()
    yield database
    database.dispose()


def write_csv(path: Path, rows: list[str] = ROWS, encoding: str = "utf-8") -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding=encoding)
    return path


def test_good_rows_are_imported_and_each_bad_row_is_reported_with_its_reason(db, tmp_path):
    progress: list[tuple[int, int]] = []
    report = import_file(db, write_csv(tmp_path / "list.csv"), TODAY, NOW, lambda d, t: progress.append((d, t)),
                         hooks=HOOKS)
    assert (report.rows, report.added, report.subscriptions) == (10, 3, 3)
    reasons = {b.row: b.en for b in report.bad}
    assert sorted(reasons) == [6, 7, 8, 9, 10, 11]
    assert reasons[6].startswith("bad date in expires_on") and "28 days" in reasons[6]
    assert reasons[7].startswith("malformed licence number") and "filing" in reasons[7]
    assert reasons[8].startswith("unknown licence type 'food'")
    assert reasons[9] == "duplicate number: row 2 has it with other details"
    assert reasons[10].startswith("number does not match")
    assert reasons[11].startswith("unknown channel 'sms'")
    assert progress[-1] == (10, 10)
    with db.session() as s:
        lics = {lic.number: lic for lic in s.exec(select(License))}
        subs = sorted((sub.channel, sub.chat_id, sub.user_id) for sub in s.exec(select(Subscription)))
    assert set(lics) == {"京B2-20200001", "沪B1-20200002", "B1-20190001"}
    assert (lics["沪B1-20200002"].scope, lics["沪B1-20200002"].province) == ("provincial", "上海")
    assert lics["沪B1-20200002"].expires_on == date(2027, 6, 30) and lics["京B2-20200001"].source == "import"
    assert subs == [("telegram", "1001", "1001"), ("telegram", "1002", "1002"), ("wecom", "zhangsan", "zhangsan")]


def test_importing_the_same_file_again_changes_nothing(db, tmp_path):
    path = write_csv(tmp_path / "list.csv")
    import_file(db, path, TODAY, NOW, hooks=HOOKS)
    with db.session() as s:
        before = [(lic.id, lic.cycle, lic.updated_at, lic.expires_on) for lic in s.exec(select(License))]
    again = import_file(db, path, TODAY, datetime(2026, 12, 1, tzinfo=UTC), hooks=HOOKS)
    assert (again.added, again.updated, again.unchanged, again.subscriptions) == (0, 0, 3, 0)
    with db.session() as s:
        after = [(lic.id, lic.cycle, lic.updated_at, lic.expires_on) for lic in s.exec(select(License))]
        assert len(s.exec(select(Subscription)).all()) == 3
    assert after == before


def test_a_changed_expiry_in_a_later_file_updates_and_starts_a_new_cycle(db, tmp_path):
    import_file(db, write_csv(tmp_path / "a.csv", ROWS[:1]), TODAY, NOW, hooks=HOOKS)
    later = ROWS[0].replace("2027-03-15,telegram", "2032-03-15,telegram")
    report = import_file(db, write_csv(tmp_path / "b.csv", [later]), TODAY, NOW, hooks=HOOKS)
    assert (report.updated, report.added) == (1, 0)
    with db.session() as s:
        lic = s.exec(select(License)).one()
    assert (lic.expires_on, lic.cycle) == (date(2032, 3, 15), 2)


def test_xlsx_with_chinese_headers_date_cells_and_numeric_chat_ids(db, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["公司名称", "许可证类型", "许可证编号", "经营范围", "省份", "发证日期", "到期日期", "渠道", "联系人ID"])
    sheet.append(["广州示例有限公司", "idc", "粤B1-20200007", "地网", "广东", datetime(2022, 5, 1), datetime(2027, 5, 1),
                  "telegram", 123456789])
    sheet.append(["示例云有限公司", "cdn", "B1-20200008", "全网", None, None, 46508, "wecom", "lisi"])  # Excel serial
    sheet.append([None] * 9)  # an empty row is skipped
    sheet.append(["坏日期", "cdn", "B1-20200009", "全网", None, None, "下个月", "wecom", "x"])
    path = tmp_path / "客户.xlsx"
    book.save(path)
    report = import_file(db, path, TODAY, NOW, hooks=HOOKS)
    assert (report.added, [b.row for b in report.bad]) == (2, [5])
    with db.session() as s:
        lics = {lic.number: lic for lic in s.exec(select(License))}
        assert s.exec(select(Subscription.chat_id).order_by(Subscription.id)).all() == ["123456789", "lisi"]
    assert lics["粤B1-20200007"].issued_on == date(2022, 5, 1) and lics["B1-20200008"].expires_on == date(2027, 5, 1)


def test_export_writes_the_import_format_and_reads_back_unchanged(db, tmp_path):
    import_file(db, write_csv(tmp_path / "list.csv"), TODAY, NOW, hooks=HOOKS)
    for name, chinese in (("out.csv", False), ("out.xlsx", True)):
        assert export_file(db, tmp_path / name, chinese) == 4  # 3 licences, one with two contact chats
        again = import_file(db, tmp_path / name, TODAY, NOW, hooks=HOOKS)
        assert (again.added, again.updated, again.subscriptions, again.bad) == (0, 0, 0, [])
    header = next(load_workbook(tmp_path / "out.xlsx", read_only=True).worksheets[0].iter_rows(values_only=True))
    assert header[:3] == ("公司名称", "许可证类型", "许可证编号")
    assert (tmp_path / "out.csv").read_text(encoding="utf-8-sig").splitlines()[0] == HEADER


def test_gbk_csv_from_excel_is_read(db, tmp_path):
    report = import_file(db, write_csv(tmp_path / "gbk.csv", ROWS[:1], encoding="gb18030"), TODAY, NOW, hooks=HOOKS)
    assert report.added == 1


@pytest.mark.parametrize(("content", "message"), [
    ("", "empty"),
    ("name,number\nx,y\n", "missing: company, license_type, license_number, expires_on"),
    ("company,company,license_type,license_number,expires_on\n", "appears twice"),
])
def test_a_file_that_cannot_be_read_imports_nothing(db, tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TableError, match=message):
        import_file(db, path, TODAY, NOW, hooks=HOOKS)
    (tmp_path / "x.pdf").write_text("x", encoding="utf-8")
    with pytest.raises(TableError, match=r"expected a \.csv or \.xlsx"):
        import_file(db, tmp_path / "x.pdf", TODAY, NOW, hooks=HOOKS)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(TableError, match=r"not a readable \.xlsx"):
        import_file(db, broken, TODAY, NOW, hooks=HOOKS)


def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db_file: Path,
        *args: str) -> tuple[int, str, str]:
    """The command in this process (a real process costs seconds of start-up; one test below uses one)."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db_file}")
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_cli_shows_progress_on_stderr_and_reports_bad_rows(tmp_path, monkeypatch, capsys):
    db_file, path = tmp_path / "cli.db", write_csv(tmp_path / "list.csv")
    code, out, err = cli(monkeypatch, capsys, db_file, "licenses", "import", str(path))
    assert code == 1
    assert "10/10 rows" in err and "新增3" in out and "第6行：到期日期有误" in out
    code, out, _ = cli(monkeypatch, capsys, db_file, "licenses", "import", str(path), "--lang", "en")
    assert "0 added, 0 updated, 3 unchanged" in out
    code, out, _ = cli(monkeypatch, capsys, db_file, "licenses", "export", str(tmp_path / "out.csv"))
    assert code == 0 and "wrote 4 rows" in out
    code, _, err = cli(monkeypatch, capsys, db_file, "licenses", "import", str(tmp_path / "nope.csv"))
    assert code == 2 and "no such file" in err
    real_today = business_today(SystemClock())  # the CLI registers imported licences as of today
    soon = f"示例公司,cdn,B1-20200011,全网,,,{real_today + timedelta(days=100)},telegram,2001"
    cli(monkeypatch, capsys, db_file, "licenses", "import", str(write_csv(tmp_path / "soon.csv", [soon])))
    _, out, _ = cli(monkeypatch, capsys, db_file, "reminders", "preview", "--days", "60", "--json")
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines and {"license_number", "kind", "milestone", "due_on"} <= set(lines[0])
    end = (real_today + timedelta(days=60)).isoformat()
    assert all(real_today.isoformat() <= item["due_on"] <= end for item in lines)
    mine = [(i["milestone"], i["due_on"]) for i in lines if i["license_number"] == "B1-20200011" and i["kind"] == "renewal"]
    assert mine == [("d120", real_today.isoformat()),  # imported inside its 120-day window: at once
                    ("d90", (real_today + timedelta(days=10)).isoformat()),
                    ("d60", (real_today + timedelta(days=40)).isoformat())]


def test_import_as_a_real_process_shows_no_traceback(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    done = licensebot("licenses", "import", str(write_csv(tmp_path / "list.csv")), env=env)
    assert done.returncode == 1 and "10/10 rows" in done.stderr and "第6行" in done.stdout
    assert "Traceback" not in done.stderr
