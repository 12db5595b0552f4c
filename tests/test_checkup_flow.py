"""The compliance check-up as clients walk it, by buttons, for every licence family; the same answers
through `licensebot checkup --json` give the same result."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.clock import FrozenClock
from bot.engine import Engine
from checklist.checkup_rules import load_checkup
from checklist.checkup_store import CheckupRecord
from licensebot.app import build_services
from licensebot.cli.main import main
from tests.chat import ChatDriver
from tests.conftest import make_settings

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
RULES = load_checkup()
LABELS = {"yes": "是", "no": "否", "unsure": "不确定"}

# One licence per family, the label its button shows, a question only that family gets, and some
# answers other than "yes" (everything else is answered yes).
FAMILIES = {
    "icp": ("ICP经营许可证", "license_number_shown",
            {"license_number_shown": "no", "mlps_filing": "unsure", "changes_reported": "no"}),
    "network": ("IDC证（互联网数据中心）", "equipment_rooms",
                {"equipment_rooms": "no", "foreign_network": "unsure", "paid_in_capital": "no"}),
    "sp": ("SP证（信息服务业务，不含互联网）", "sms_consent", {"sms_consent": "no", "log_retention": "no"}),
    "services": ("EDI证（在线数据处理与交易处理）", "registered_capital", {"annual_report": "unsure"}),
    "basic": ("固定网国内数据传送业务", "foreign_basic", {"foreign_basic": "no", "real_name": "unsure"}),
}
CODES = {"icp": "icp", "network": "idc", "sp": "sp", "services": "edi", "basic": "data_transfer"}


@pytest.fixture
def fresh(db_url):
    """Build an engine on db_url; call again for a 'restarted' process on the same database."""
    made = []

    def build(clock: FrozenClock, **overrides: object) -> Engine:
        services = build_services(make_settings(db_url, **overrides), clock)
        made.append(services)
        return Engine(services)

    yield build
    for s in made:
        s.db.dispose()


def step_of(chat: ChatDriver) -> str:
    return next(t for t in chat.tags if t.startswith("step:")).removeprefix("step:")


def answer_all(chat: ChatDriver, answers: dict[str, str], clock: FrozenClock) -> list[str]:
    """Press 是 / 否 / 不确定 for every question until the result; returns the item ids asked, in order.
    A few seconds pass per answer, as for a person (20 messages a minute is the flood limit)."""
    asked: list[str] = []
    while "checkup" not in chat.tags:
        clock.advance(seconds=5)
        item = step_of(chat)
        assert "为什么重要：" in chat.text, f"{item}: no 'why it matters' line"
        assert chat.buttons[:3] == ["是", "否", "不确定"]
        asked.append(item)
        chat.press(LABELS[answers.get(item, "yes")])
        assert len(asked) <= 20
    return asked


def statuses(chat: ChatDriver) -> dict[str, str]:
    return {t.split(":")[1]: t.split(":")[2] for t in chat.tags if t.startswith("item:")}


@pytest.mark.parametrize("family", list(FAMILIES))
def test_each_family_walks_by_buttons_to_its_result(fresh, family):
    label, own_item, answers = FAMILIES[family]
    code = CODES[family]
    clock = FrozenClock(NOW)
    chat = ChatDriver(fresh(clock), user=f"client-{family}")
    chat.send("/checkup")
    assert step_of(chat) == "license" and "checkup-intro" in chat.tags
    chat.press(label)
    assert step_of(chat) == "expires"
    chat.send("2027-05-01")
    expected = [i.id for i in RULES.items_for(code)]
    assert f"第1/{len(expected)}题 · 为什么重要：" in chat.text  # the count is known once the type is
    asked = answer_all(chat, answers, clock)

    assert asked == expected and 12 <= len(asked) <= 20 and own_item in asked
    assert f"family:{family}" in chat.tags
    got = statuses(chat)
    assert set(got) == set(expected)
    for item_id, status in got.items():
        answer = answers.get(item_id, "yes")
        item = RULES.item(item_id)
        assert item is not None
        assert status == {"yes": "green", "unsure": "amber", "no": item.if_no}[answer], item_id
    text = chat.text
    assert "准备度" in text and "续期申请最晚提交日：2027-01-31" in text
    for item_id in answers:
        item = RULES.item(item_id)
        assert item is not None and item.title.zh in text and item.action.zh in text
    if any(s == "red" for s in got.values()):
        assert chat.buttons[0] == "就红色项咨询顾问"
    assert "导出Excel" in chat.buttons


def test_wrong_answers_are_re_asked_with_the_reason(fresh):
    clock = FrozenClock(NOW)
    chat = ChatDriver(fresh(clock), user="bob")
    chat.send("/checkup icp")  # the licence type comes with the command
    assert step_of(chat) == "expires"
    chat.send("2027-02-30")
    assert "reask" in chat.tags and "problem:bad_day" in chat.tags and step_of(chat) == "expires"
    chat.press("跳过")
    first = step_of(chat)
    first_question = chat.replies
    chat.press("是")
    second = step_of(chat)
    assert second != first

    chat.send("年报什么时候报？")  # a question instead of an answer
    assert "reask" in chat.tags and "problem:not_an_answer" in chat.tags and step_of(chat) == second
    assert "请回答“是”“否”或“不确定”" in chat.text and "/cancel" in chat.text
    chat.receive(first_question)  # scrolled up: a late press on the first question's buttons
    chat.press("否")
    assert "problem:stale_button" in chat.tags and step_of(chat) == second and "前面的问题" in chat.text

    chat.send("不知道")  # typed words work too
    third = step_of(chat)
    assert third not in (first, second)
    chat.send("/back")
    assert step_of(chat) == second
    chat.send("/back")
    chat.send("/back")
    assert step_of(chat) == "expires"

    # A pause and a new process on the same database: /checkup resumes at the same question.
    clock.advance(days=2)
    chat = ChatDriver(fresh(clock), user="bob")
    chat.send("/checkup")
    assert "checkup-resume" in chat.tags and step_of(chat) == "expires"
    chat.send("/cancel")
    assert "已退出当前流程" in chat.text
    chat.send("是")
    assert not any(t.startswith("step:") for t in chat.tags)  # no longer in the check-up


def test_the_json_command_gives_the_chat_result_for_the_same_answers(fresh, tmp_path: Path, capsys):
    answers = {i.id: "yes" for i in RULES.items_for("isp")}
    answers |= {"equipment_rooms": "no", "log_retention": "unsure", "annual_report": "no", "foreign_network": "no",
                "security_staff_systems": "no", "real_name": "unsure"}
    (tmp_path / "answers.json").write_text(json.dumps(answers), encoding="utf-8")

    clock = FrozenClock(NOW)
    chat = ChatDriver(fresh(clock), user="dora")
    chat.send("/checkup ISP证 2027-06-01")
    asked = answer_all(chat, answers, clock)
    assert asked == list(answers)

    assert main(["checkup", "--license", "isp", "--answers", str(tmp_path / "answers.json"), "--expires",
                 "2027-06-01", "--today", "2026-11-27", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["license"] == "isp" and f"score:{out['score']}" in chat.tags
    assert {i["id"]: i["status"] for i in out["items"]} == statuses(chat)
    assert all(set(i) >= {"id", "status", "basis", "action"} for i in out["items"])
    # every non-green item's action and "by when" appear in the chat as the CLI prints them
    assert out["submit_by"] == "2027-03-03" and "续期申请最晚提交日：2027-03-03" in chat.text
    due = {i["id"]: i["due"] for i in out["items"] if i["status"] != "green"}
    assert due["annual_report"] == "now" and due["equipment_rooms"] == "2027-02-01"  # fix_by 30 before 03-03
    for item in out["items"]:
        if item["status"] != "green":
            assert item["action"] in chat.text
            assert ("何时：立即" if item["due"] == "now" else f"何时：{item['due']}前") in chat.text
    # the stored record gives the same JSON as the command
    with chat.engine.services.db.session() as s:
        record = s.exec(select(CheckupRecord).where(CheckupRecord.user_id == "dora")).one()
    assert record.answers == answers and record.score == out["score"]


def test_export_show_again_and_nobody_else_sees_it(fresh):
    clock = FrozenClock(NOW)
    engine = fresh(clock)
    chat = ChatDriver(engine, user="erin", language="en")
    chat.send("/checkup cdn")
    chat.press("Skip")
    answer_all_en = {"equipment_rooms": "No", "log_retention": "Not sure"}
    while "checkup" not in chat.tags:
        clock.advance(seconds=5)
        assert "Why it matters: " in chat.text
        chat.press(answer_all_en.get(step_of(chat), "Yes"))
    assert "No expiry date given" in chat.text and "days before the submission deadline" in chat.text
    token = next(t for t in chat.tags if t.startswith("checkup:")).split(":", 1)[1]
    chat.press("Export as Excel")
    reply = chat.replies[0]
    assert reply.attachment is not None and reply.attachment.filename.startswith("compliance-checkup-cdn-")
    sheet = load_workbook(BytesIO(reply.attachment.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    first = next(r for r in rows if r[0] == 1)
    assert first[1].startswith("Red") and first[2] == "Equipment rooms and contracts"
    assert any(r[2] == "Logs kept at least 6 months" and r[1].startswith("Amber") for r in rows)
    chat.press("Show as text")
    assert f"checkup:{token}" in chat.tags

    other = ChatDriver(engine, user="mallory")
    other.send(f"/checkup xlsx {token}")
    assert "checkup-missing" in other.tags and not any(r.attachment for r in other.replies)


def test_entry_buttons_from_a_renewal_answer_and_from_the_checklist(fresh):
    chat = ChatDriver(fresh(FrozenClock(NOW)), user="fay")
    for answer in ("/renew", "icp", "北京", "跳过", "2027-03-15", "都没有", "没有外资", "都没有"):
        chat.send(answer)
    chat.press("合规体检")  # the checklist's button carries the licence and the expiry date
    # prefilled answers are not counted: the first item asked is question 1, numbered once (not also "第N步")
    assert step_of(chat) == "renewal_timing" and "第1/" in chat.text and "步）" not in chat.text
    chat.send("/checkup restart")
    assert step_of(chat) == "license"


def test_red_items_reach_the_consultant_in_the_case_packet(fresh):
    clock = FrozenClock(NOW)
    engine = fresh(clock, consultants="console:zhang")
    client = ChatDriver(engine, user="gus")
    client.send("/checkup sp")
    client.press("跳过")
    answer_all(client, {"number_resources": "no", "mlps_filing": "unsure"}, clock)
    assert client.buttons[0] == "就红色项咨询顾问"
    client.press("就红色项咨询顾问")
    zhang = ChatDriver(engine, user="zhang")
    zhang.send("/case 1")
    assert "合规体检结束后要求顾问" in zhang.text
    assert "合规体检（2026-11-27）：sp" in zhang.text and "红色：码号年报与变更报告" in zhang.text
    assert "黄色：等级保护定级备案" in zhang.text

    client.send("/forget")
    client.press("确认删除")
    with engine.services.db.session() as s:
        assert s.exec(select(CheckupRecord)).all() == []


def test_a_registered_licence_prefills_the_type_and_expiry_for_its_subscribers_only(fresh):
    from datetime import date

    from tests.reminders_support import add_license

    engine = fresh(FrozenClock(NOW))
    license_id = add_license(engine.services.db, "B1-20210007", date(2027, 6, 1), date(2026, 11, 27), NOW,
                             chats=("hana",), channel="console", license_type="cdn")
    chat = ChatDriver(engine, user="hana")
    chat.send(f"/checkup license:{license_id}")  # what a reminder's button can carry
    assert "B1-20210007" in chat.text and step_of(chat) == "renewal_timing" and "第1/16题" in chat.text
    chat.send("/back")
    assert step_of(chat) == "renewal_timing"  # answers given in advance stay (/checkup restart starts over)

    other = ChatDriver(engine, user="ivan")
    other.send(f"/checkup license:{license_id}")
    assert "B1-20210007" not in other.text and "没有找到这张许可证" in other.text and step_of(other) == "license"
