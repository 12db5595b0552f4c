"""The web console over HTTP: who gets in, what a form needs, and what a client's words look like."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook
from sqlmodel import select

from knowledge.base import KnowledgeBase
from licensebot.cli.main import main as cli
from tests.console.conftest import Desk
from workspace.models import AuditEntry, ConsoleLink

PAGES = ["/console", "/console/tickets/1", "/console/tickets/1/messages", "/console/licenses",
         "/console/licenses/export", "/console/knowledge", "/console/knowledge/entry?gap=1", "/console/figures"]


@pytest.mark.parametrize("path", PAGES)
def test_no_page_without_a_session(desk: Desk, path: str):
    response = desk.client.get(path)
    assert response.status_code == 401
    assert "/console" in response.text and "Traceback" not in response.text
    assert 'id="need-sign-in"' in response.text


def test_a_link_signs_in_once(desk: Desk):
    token = desk.link_token()
    first = desk.client.post("/console/login", data={"t": token}, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/console"
    cookie = first.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/console" in cookie
    assert desk.client.get("/console").status_code == 200
    desk.client.cookies.clear()
    again = desk.client.post("/console/login", data={"t": token}, follow_redirects=False)
    assert again.status_code == 403 and 'id="link-refused"' in again.text
    assert desk.client.get("/console").status_code == 401


def test_opening_the_link_does_not_use_it(desk: Desk):
    """Chat apps fetch links to preview them: a GET shows the sign-in button and leaves the link valid."""
    token = desk.link_token()
    assert desk.client.get(f"/console/login?t={token}").status_code == 200
    assert desk.client.post("/console/login", data={"t": token}, follow_redirects=False).status_code == 303


def test_an_expired_link_is_refused(desk: Desk):
    token = desk.link_token()
    desk.clock.advance(minutes=10, seconds=1)
    response = desk.client.post("/console/login", data={"t": token}, follow_redirects=False)
    assert response.status_code == 403


def test_a_link_just_inside_ten_minutes_works(desk: Desk):
    token = desk.link_token()
    desk.clock.advance(minutes=9, seconds=59)
    assert desk.client.post("/console/login", data={"t": token}, follow_redirects=False).status_code == 303


def test_a_forged_link_is_refused_and_only_digests_are_stored(desk: Desk):
    token = desk.link_token()
    assert desk.client.post("/console/login", data={"t": token[:-2] + "xx"}).status_code == 403
    with desk.services.db.session() as session:
        stored = session.exec(select(ConsoleLink)).all()
    assert stored and all(token not in row.token_hash for row in stored)


def test_a_session_ends_after_a_working_day_idle(desk: Desk):
    desk.sign_in()
    desk.clock.advance(hours=7, minutes=59)
    assert desk.client.get("/console").status_code == 200  # used: the idle time starts again
    desk.clock.advance(hours=8, minutes=1)
    assert desk.client.get("/console").status_code == 401


def test_a_consultant_removed_from_the_settings_is_out(desk: Desk):
    from dataclasses import replace

    desk.sign_in("telegram:42")
    desk.services.settings = replace(desk.services.settings, consultants="console:alice")
    assert desk.client.get("/console").status_code == 401


def test_a_post_without_the_csrf_token_is_refused(desk: Desk):
    csrf = desk.sign_in()
    bob = desk.person("bob")
    bob.send("/human")
    refused = desk.client.post("/console/tickets/1/claim", data={})
    assert refused.status_code == 403
    wrong = desk.client.post("/console/tickets/1/claim", data={"csrf": csrf + "x"})
    assert wrong.status_code == 403
    assert "等待" in desk.client.get("/console").text and "#1" in desk.client.get("/console").text
    done = desk.client.post("/console/tickets/1/claim", data={"csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303


def test_a_clients_script_is_shown_as_text(desk: Desk):
    desk.sign_in()
    bob = desk.person("bob")
    bob.send("<script>alert(1)</script>")
    bob.send("/human")
    page = desk.client.get("/console/tickets/1").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    messages = desk.client.get("/console/tickets/1/messages").json()
    assert any(line["text"] == "<script>alert(1)</script>" for line in messages["lines"])  # JSON, drawn as text


def test_claim_reply_close_reach_the_client_through_the_outbox(desk_any: Desk):
    desk = desk_any
    csrf = desk.sign_in()
    bob = desk.person("bob")
    bob.send("/human")
    desk.client.post("/console/tickets/1/claim", data={"csrf": csrf})
    desk.client.post("/console/tickets/1/reply", data={"csrf": csrf, "text": "您好，我是顾问，请问有什么可以帮您？"})
    from bot.storage.models import Outbox

    with desk.services.db.session() as session:
        to_bob = [r.body["text"] for r in session.exec(select(Outbox).where(Outbox.chat_id == "bob")
                                                       .order_by(Outbox.id)).all()]
        actions = [a.action for a in session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()]
        details = " ".join(a.detail for a in session.exec(select(AuditEntry)).all())
    assert any("已接入" in text for text in to_bob)
    assert any("您好，我是顾问" in text for text in to_bob)
    assert actions == ["sign-in", "ticket-claim", "ticket-reply"]
    assert "您好" not in details  # the audit log keeps no message text
    page = desk.client.get("/console/tickets/1").text
    assert "您好，我是顾问" in page
    desk.client.post("/console/tickets/1/close", data={"csrf": csrf})
    assert 'data-status="closed"' in desk.client.get("/console/tickets/1").text


def test_another_consultants_ticket_cannot_be_answered(desk: Desk):
    bob = desk.person("bob")
    bob.send("/human")
    csrf = desk.sign_in("telegram:42")
    desk.client.post("/console/tickets/1/claim", data={"csrf": csrf})
    desk.client.cookies.clear()
    csrf = desk.sign_in("console:alice")
    page = desk.client.post("/console/tickets/1/reply", data={"csrf": csrf, "text": "抢答"})
    assert "抢答" not in page.text.split('id="packet"')[0].split('id="conversation"')[1]


def test_console_command_is_for_consultants_in_private(desk: Desk):
    stranger = desk.person("mallory")
    stranger.send("/console")
    assert "console/login" not in stranger.text
    alice = desk.person("alice")
    alice.send("/console")
    token = re.search(r"/console/login\?t=([\w-]+)", alice.text)
    assert token is not None
    assert desk.client.post("/console/login", data={"t": token.group(1)}, follow_redirects=False).status_code == 303


def test_console_link_command_prints_a_working_link(desk: Desk, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]):
    settings = desk.services.settings
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CONSULTANTS", settings.consultants)
    assert cli(["console-link", "nobody"]) == 2
    assert "not a configured consultant" in capsys.readouterr().err
    assert cli(["console-link", "alice"]) == 0
    url = capsys.readouterr().out.strip()
    token = url.split("t=", 1)[1]
    assert desk.client.post("/console/login", data={"t": token}, follow_redirects=False).status_code == 303


def _sheet(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["company", "license_type", "license_number", "scope", "province", "issued_on", "expires_on"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_spreadsheet_upload_shows_the_row_report(desk: Desk):
    csrf = desk.sign_in()
    data = _sheet([["甲公司", "icp", "京B2-20201234", "provincial", "北京", "2022-03-01", "2027-03-01"],
                   ["乙公司", "icp", "not-a-number", "provincial", "北京", "2022-03-01", "2027-03-01"]])
    response = desk.client.post("/console/licenses/import", data={"csrf": csrf},
                                files={"file": ("../../etc/clients.xlsx", data)})
    assert response.status_code == 200
    assert 'id="bad-rows"' in response.text and "<td>3</td>" in response.text
    listing = desk.client.get("/console/licenses").text
    assert "甲公司" in listing and "乙公司" not in listing
    wrong = desk.client.post("/console/licenses/import", data={"csrf": csrf}, files={"file": ("x.exe", b"MZ")})
    assert wrong.status_code == 400
    export = desk.client.get("/console/licenses/export")
    assert export.status_code == 200 and export.content[:2] == b"PK"


def test_approved_entry_is_live_and_editing_keeps_history(desk: Desk, tmp_path):
    csrf = desk.sign_in()
    form = {"csrf": csrf, "id": "general-console-mascot", "license": "general", "topic": "agency",
            "question": "顾问工作台的吉祥物叫什么名字", "alternates": "吉祥物叫什么\n你们的吉祥物\n工作台吉祥物名字\n吉祥物是谁",
            "answer": "我们的吉祥物叫小证。", "source": "内部", "en_question": "What is the mascot called?",
            "en_alternates": "mascot name\nyour mascot", "en_answer": "Our mascot is Xiaozheng."}
    bad = desk.client.post("/console/knowledge/approve", data={**form, "related": "no-such-entry"})
    assert bad.status_code == 400 and "no-such-entry" in bad.text
    done = desk.client.post("/console/knowledge/approve", data=form, follow_redirects=False)
    assert done.status_code == 303
    assert desk.services.get(KnowledgeBase).get("general-console-mascot") is not None  # live without a restart
    outcome = desk.services.get(KnowledgeBase).searcher.search("顾问工作台的吉祥物叫什么名字")
    assert outcome.hits and outcome.hits[0].entry.id == "general-console-mascot"
    edited = desk.client.post("/console/knowledge/approve", data={**form, "answer": "吉祥物改名为小照。"},
                              follow_redirects=False)
    assert edited.status_code == 303
    approved = tmp_path / "approved"
    history = (approved / "history" / "general-console-mascot.yaml").read_text(encoding="utf-8")
    assert "我们的吉祥物叫小证" in history and "console:alice" in history
    assert "小照" in (approved / "general-console-mascot.yaml").read_text(encoding="utf-8")


def test_gaps_become_drafts(desk: Desk):
    desk.sign_in()
    bob = desk.person("bob")
    bob.send("火星上办理许可证需要多久")
    page = desk.client.get("/console/knowledge")
    assert "火星上办理许可证需要多久" in page.text
    draft = desk.client.get("/console/knowledge/entry?gap=1")
    assert draft.status_code == 200 and "火星上办理许可证需要多久" in draft.text
    assert desk.client.get("/console/knowledge/entry?gap=99").status_code == 404


def test_figures_page_carries_its_data(desk: Desk):
    desk.sign_in()
    desk.person("bob").send("/human")
    page = desk.client.get("/console/figures").text
    for chart in ("tickets", "first-reply", "ratings", "faq", "reminders", "deadlines"):
        assert f'id="chart-{chart}"' in page
    assert "/console/static/vendor/chart-4.6.1.umd.min.js" in page
    assert desk.client.get("/console/static/vendor/chart-4.6.1.umd.min.js").status_code == 200


def test_english_switch(desk: Desk):
    csrf = desk.sign_in()
    assert "收件箱" in desk.client.get("/console").text
    desk.client.post("/console/lang", data={"csrf": csrf, "lang": "en", "back": "/console/licenses"})
    assert "Licences" in desk.client.get("/console/licenses").text
