"""The console in a real headless Chromium: sign in by link, claim and reply (the console client gets
it), upload a spreadsheet with a bad row, approve a drafted entry (then `licensebot ask` finds it), and
find every chart drawn."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.engine import Engine
from channels.console import OutboxFeed
from licensebot.app import build_services
from licensebot.web import build_app
from tests.chat import ChatDriver
from tests.conftest import make_settings
from tests.console.browser import chromium, click_and_wait, require_browser, screenshot, serve
from tests.console.test_console_http import _sheet
from workspace.auth import issue_link, link_url
from workspace.web import routes

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """One console served for the module's tests, on a SQLite file, with the shipped knowledge base."""
    require_browser()
    folder = tmp_path_factory.mktemp("office")
    clock = FrozenClock(datetime(2026, 12, 2, 3, 0, tzinfo=UTC))  # a Wednesday, 11:00 in Shanghai
    settings = replace(make_settings(f"sqlite:///{folder / 'bot.db'}", consultants="console:alice",
                                     kb_approved_dir=str(folder / "approved")), knowledge_dir="")
    services = build_services(settings, clock)
    with serve(build_app(services, [], (), routes(services))) as base, chromium(folder / "profile") as driver:
        yield {"services": services, "engine": Engine(services), "base": base, "driver": driver,
               "clock": clock, "folder": folder}
    services.db.dispose()


def sign_in(office: dict) -> None:
    services, driver = office["services"], office["driver"]
    with services.db.session() as session:
        token = issue_link(session, "console:alice", office["clock"].now())
        session.commit()
    url = link_url(services.settings, token).replace(f"http://{services.settings.http_host}:"
                                                     f"{services.settings.http_port}", office["base"])
    driver.get(url)
    click_and_wait(driver, "sign-in")
    assert driver.current_url.endswith("/console"), driver.current_url


def test_sign_in_claim_and_reply_reaches_the_console_client(office: dict, tmp_path: Path):
    driver, engine = office["driver"], office["engine"]
    bob = ChatDriver(engine, user="bob")
    bob.send("我们的ICP证明年到期，续期要准备什么？")
    bob.send("<b>想找顾问</b>")
    bob.send("/human")
    sign_in(office)
    screenshot(driver, "inbox", tmp_path)
    assert "#1" in driver.find_element("id", "waiting").text
    driver.find_element("link text", "#1").click()
    assert "<b>想找顾问</b>" in driver.find_element("id", "conversation").text  # shown as text, not markup
    click_and_wait(driver, "claim")
    box = driver.find_element("id", "reply-text")
    box.send_keys("您好，我是顾问，续期材料清单稍后发给您。")
    click_and_wait(driver, "send")
    assert "已发给 #1" in driver.find_element("id", "flash").text
    screenshot(driver, "ticket", tmp_path)
    feed = OutboxFeed(office["services"].db, office["clock"], ["bob"])
    received = [reply.text for _chat, _id, reply in feed.take()]
    assert any("您好，我是顾问，续期材料清单稍后发给您。" in text for text in received), received


def test_spreadsheet_with_a_bad_row_shows_the_row_report(office: dict, tmp_path: Path):
    driver = office["driver"]
    sign_in(office)
    sheet = tmp_path / "clients.xlsx"
    sheet.write_bytes(_sheet([["甲公司", "icp", "京B2-20201234", "provincial", "北京", "2022-03-01", "2027-03-01"],
                              ["乙公司", "icp", "no-such-number", "provincial", "北京", "2022-03-01", "2027-03-01"],
                              ["丙公司", "idc", "B1-20190001", "nationwide", "", "2021-06-01", "2026-06-01"]]))
    driver.get(office["base"] + "/console/licenses")
    driver.find_element("id", "upload").send_keys(str(sheet))
    click_and_wait(driver, "import")
    bad_rows = [row.text.split()[0] for row in driver.find_elements("css selector", "#bad-rows tr")[1:]]
    assert bad_rows == ["3"]  # the header is row 1: 乙公司's malformed number is on row 3
    driver.get(office["base"] + "/console/licenses")
    assert "甲公司" in driver.find_element("id", "licences").text
    screenshot(driver, "licences", tmp_path)


def test_approved_draft_is_answered_by_ask(office: dict, tmp_path: Path):
    driver, engine = office["driver"], office["engine"]
    question = "顾问工作台怎么登录"
    ChatDriver(engine, user="carol").send(question)
    sign_in(office)
    driver.get(office["base"] + "/console/knowledge")
    assert question in driver.find_element("id", "gaps").text
    driver.find_element("id", "draft-1").click()
    entry_id = driver.find_element("id", "entry-id")
    entry_id.clear()
    entry_id.send_keys("general-console-sign-in")
    driver.find_element("css selector", "select[name=topic] option[value=agency]").click()
    for field, text in (("alternates", "工作台如何登录\n怎样登录顾问工作台\n顾问后台登录方法\n工作台登录链接在哪"),
                        ("answer", "在聊天中向机器人发送 /console，会收到一次性登录链接。"), ("source", "内部流程")):
        element = driver.find_element("name", field)
        element.clear()
        element.send_keys(text)
    driver.find_element("id", "entry-en-question").send_keys("How do consultants sign in to the console?")
    driver.find_element("name", "en_alternates").send_keys("console sign in\nconsole login link")
    driver.find_element("id", "entry-en-answer").send_keys("Send /console to the bot for a one-time link.")
    screenshot(driver, "knowledge", tmp_path)
    click_and_wait(driver, "approve")
    assert "general-console-sign-in" in driver.find_element("id", "flash").text
    env = {**os.environ, "KNOWLEDGE_DIR": "", "KB_APPROVED_DIR": str(office["folder"] / "approved")}
    asked = subprocess.run([sys.executable, "-m", "licensebot.cli.main", "ask", "--json", question], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["results"][0]["id"] == "general-console-sign-in"


def test_every_chart_is_drawn(office: dict, tmp_path: Path):
    driver = office["driver"]
    sign_in(office)
    driver.get(office["base"] + "/console/figures")
    drawn = driver.execute_script(
        "return ['tickets','first-reply','ratings','faq','reminders','deadlines'].map(function (id) {"
        " var canvas = document.getElementById('chart-' + id);"
        " return !!(window.Chart && canvas && Chart.getChart(canvas) && canvas.width > 0); });")
    assert drawn == [True] * 6
    screenshot(driver, "figures", tmp_path)
