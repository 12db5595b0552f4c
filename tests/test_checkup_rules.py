"""The check-up items as data: the shipped file, schema errors naming the file and item, the kb lint on
sources, the result arithmetic, and the `licensebot checkup` command's errors."""

from __future__ import annotations

import copy
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from checklist.checkup_lint import lint_checkup
from checklist.checkup_result import evaluate, result_json
from checklist.checkup_rules import SHIPPED_FILE, CheckupError, load_checkup, parse_checkup
from knowledge.codes import HOLDABLE_LICENSES
from licensebot.cli.main import main
from tests.test_cli import ROOT, licensebot

RAW = yaml.safe_load(SHIPPED_FILE.read_text(encoding="utf-8"))
TODAY = date(2026, 11, 27)


def item_of(data: dict, item_id: str) -> dict:
    return next(i for i in data["items"] if i["id"] == item_id)


def test_shipped_items_load_lint_clean_and_cover_the_issue():
    rules = load_checkup()
    assert lint_checkup(rules) == []
    for code in HOLDABLE_LICENSES:
        assert 12 <= len(rules.items_for(code)) <= 20, code
    # the list of issue 20, item by item
    required = {"license_number_shown", "equipment_rooms", "security_measures", "mlps_filing", "log_retention",
                "real_name", "personal_info", "annual_report", "changes_reported", "foreign_value_added",
                "foreign_network", "foreign_basic", "services_in_scope", "services_running",
                "icp_filing_consistent", "complaint_channel"}
    assert required <= {i.id for i in rules.items}
    for item in rules.items:
        assert item.basis and all(b.tag and b.source for b in item.basis), item.id
        assert item.why.zh and item.why.en and item.action.zh and item.action.en


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: item_of(d, "log_retention").update(applies_to=["icq"]), "items #13 (log_retention): applies_to: unknown ['icq']"),
    (lambda d: item_of(d, "annual_report").update(if_no="black"), "(annual_report): 'if_no' must be red or amber"),
    (lambda d: item_of(d, "real_name")["basis"][0].update(tag="sure"), "(real_name): basis #1: tag 'sure'"),
    (lambda d: item_of(d, "own_operation").pop("why_en"), "(own_operation): 'why_en' must be a non-empty string"),
    (lambda d: item_of(d, "special_terms").update(fix_by=-3), "(special_terms): 'fix_by' must be 'now' or days"),
    (lambda d: item_of(d, "special_terms").update(colour="red"), "(special_terms): unknown keys ['colour']"),
    (lambda d: item_of(d, "sms_consent").update(id="log_retention"), "'log_retention' is used twice in items"),
    (lambda d: d["families"][0]["licenses"].append("idc"), "families #2 (network): licence 'idc' is already in family icp"),
    (lambda d: d.pop("families"), "sections must be exactly"),
])
def test_schema_errors_name_the_file_and_the_item(change, message):
    data = copy.deepcopy(RAW)
    change(data)
    with pytest.raises(CheckupError) as caught:
        parse_checkup(data)
    assert str(caught.value).startswith("checkup.yaml") and message in str(caught.value)


def test_broken_yaml_names_the_file(tmp_path: Path):
    (tmp_path / "checkup.yaml").write_text("items: [oops\n", encoding="utf-8")
    with pytest.raises(CheckupError, match=r"^checkup\.yaml: not valid YAML"):
        load_checkup(tmp_path / "checkup.yaml")


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: item_of(d, "log_retention")["basis"][0].pop("source"), "log_retention: basis #1 (《网络安全法》"),
    (lambda d: item_of(d, "log_retention")["basis"][0].update(source="a blog"), "neither 'domain.md §N' nor"),
    (lambda d: item_of(d, "annual_report")["basis"][1].pop("tag"), "annual_report: basis #2 (逾期"),
    (lambda d: item_of(d, "real_name")["basis"][0].update(tag="official"), "seed article can only be 'unconfirmed'"),
    (lambda d: item_of(d, "mlps_filing").update(if_no="red", basis=item_of(d, "mlps_filing")["basis"][1:]),
     "mlps_filing: a red item needs an official or secondary basis"),
    (lambda d: [item_of(d, "real_name").pop(k) for k in ("varies_zh", "varies_en")],
     "real_name: an unconfirmed basis needs varies_zh/varies_en"),
    (lambda d: d["items"].__setitem__(slice(None), [i for i in d["items"] if "basic" not in i["applies_to"]
                                                    and i["id"] not in ("mlps_filing", "real_name")]),
     "licence 'data_transfer' gets 11 questions (want 12–20)"),
])
def test_lint_finds_unsourced_and_overstated_items(change, message):
    data = copy.deepcopy(RAW)
    change(data)
    findings = lint_checkup(parse_checkup(data))
    assert any(message in str(f) and f.level == "error" for f in findings), [str(f) for f in findings]


def test_kb_lint_fails_on_a_basis_without_a_source(tmp_path: Path):
    shutil.copytree(ROOT / "knowledge" / "faq", tmp_path / "faq")
    data = copy.deepcopy(RAW)
    item_of(data, "license_number_shown")["basis"][0]["source"] = ""
    (tmp_path / "checkup.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    done = licensebot("kb", "lint", env={"KNOWLEDGE_DIR": str(tmp_path)})
    assert done.returncode == 1, done.stdout
    assert "error: checkup.yaml: license_number_shown: basis #1" in done.stdout and "has no source" in done.stdout
    assert "Traceback" not in done.stderr


def test_score_status_and_dates():
    rules = load_checkup()
    ids = [i.id for i in rules.items_for("edi")]
    assert evaluate(rules, "edi", dict.fromkeys(ids, "yes"), TODAY).score == 100
    # 10 items can be red (weight 2), 5 only amber (weight 1): all "no" leaves the 5 at half: 2.5 / 25
    assert [i.if_no for i in rules.items_for("edi")].count("amber") == 5
    assert evaluate(rules, "edi", dict.fromkeys(ids, "no"), TODAY).score == 10
    assert evaluate(rules, "edi", dict.fromkeys(ids, "unsure"), TODAY).score == 50
    answers = dict.fromkeys(ids, "yes") | {"special_terms": "no", "annual_report": "no", "real_name": "no"}
    result = evaluate(rules, "edi", answers, TODAY, expires=date(2027, 6, 1))  # submit by 2027-03-03
    out = {i["id"]: i for i in result_json(result)["items"]}
    assert out["special_terms"]["status"] == "red" and out["special_terms"]["due"] == "2027-02-01"  # 30 days
    assert out["annual_report"]["due"] == "now" and out["real_name"]["status"] == "amber"
    assert out["real_name"]["due"] == "2027-01-02" and out["renewal_timing"]["due"] is None
    late = result_json(evaluate(rules, "edi", answers, date(2027, 1, 20), expires=date(2027, 6, 1)))
    assert {i["id"]: i["due"] for i in late["items"]}["real_name"] == "now"  # its date has passed
    unknown = result_json(evaluate(rules, "edi", answers, TODAY))
    assert {i["id"]: i["due"] for i in unknown["items"]}["special_terms"] == "submit_by-30d"
    with pytest.raises(ValueError, match="not answered: special_terms"):
        evaluate(rules, "edi", {k: v for k, v in answers.items() if k != "special_terms"}, TODAY)


def answers_file(tmp_path: Path, text: str, name: str = "a.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def all_yes(code: str) -> dict[str, str]:
    return {i.id: "yes" for i in load_checkup().items_for(code)}


@pytest.mark.parametrize(("answers", "message"), [
    ({"bogus_item": "yes"}, "unknown item id(s): bogus_item"),
    ({"license_number_shown": "yes"}, "item(s) not asked for licence type idc: license_number_shown"),
    ({"log_retention": "maybe"}, "bad answer(s) (use yes, no or unsure / 是, 否, 不确定): log_retention: 'maybe'"),
    ({"log_retention": None}, "log_retention: None"),
])
def test_cli_errors_name_the_item(tmp_path: Path, capsys, answers, message):
    data = all_yes("idc") | answers
    path = answers_file(tmp_path, json.dumps(data, ensure_ascii=False), "a.json")
    assert main(["checkup", "--license", "idc", "--answers", path, "--json"]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""


def test_cli_missing_answers_and_bad_files(tmp_path: Path, capsys):
    data = all_yes("idc")
    del data["equipment_rooms"]
    assert main(["checkup", "--license", "idc", "--answers", answers_file(tmp_path, json.dumps(data))]) == 2
    assert "not answered: equipment_rooms" in capsys.readouterr().err
    assert main(["checkup", "--license", "idc", "--answers", answers_file(tmp_path, "[1, 2]")]) == 2
    assert "expected a mapping of item id to answer" in capsys.readouterr().err
    assert main(["checkup", "--license", "idc", "--answers", answers_file(tmp_path, "a: [oops\n")]) == 2
    assert "not valid YAML or JSON" in capsys.readouterr().err
    assert main(["checkup", "--license", "驾照", "--answers", answers_file(tmp_path, "{}")]) == 2
    assert "--license '驾照': expected one of icp" in capsys.readouterr().err


def test_cli_reads_yaml_words_and_writes_text_and_xlsx(tmp_path: Path):
    lines = [f"{k}: yes" for k in all_yes("call_center")]  # bare yes: YAML's true, taken as the word
    lines[0] = "renewal_timing: 不确定"
    lines[1] = "own_operation: no"
    path = answers_file(tmp_path, "\n".join(lines) + "\n")
    done = licensebot("checkup", "--license", "呼叫中心", "--answers", path, "--xlsx", str(tmp_path / "c.xlsx"))
    assert done.returncode == 0, done.stderr
    assert "合规体检结果：呼叫中心业务" in done.stdout and "许可证仅本公司使用" in done.stdout
    assert (tmp_path / "c.xlsx").stat().st_size > 0
    bad = licensebot("checkup", "--license", "icp", "--answers", str(tmp_path / "missing.yaml"))
    assert bad.returncode == 2 and "cannot read" in bad.stderr and "Traceback" not in bad.stderr
