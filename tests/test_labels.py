"""Nobody reads a stored code: scopes, provinces, paused reasons and checklist answers show as labels."""

from __future__ import annotations

from datetime import date

from bot.labels import paused_reason_label, scope_label
from checklist.findings import checklist_findings
from checklist.plan import Answers
from checklist.rules import ChecklistRules
from checklist.store import save_checklist
from registry import service as registry
from tests.chat import ChatDriver


def test_an_english_licence_card_shows_labels_not_codes(engine):
    bob = ChatDriver(engine, "bob", language="en")
    bob.send("/lang en")
    bob.send("/subscribe icp provincial 北京 2027-03-15 京B2-20200001")
    bob.send("Beijing Example Technology Co., Ltd.")
    bob.send("/mylicenses")
    assert "Scope: Provincial · Beijing" in bob.text
    assert "provincial" not in bob.text and "北京" not in bob.text.replace("京B2", "")


def test_a_chinese_card_shows_a_delivery_pause_in_chinese(engine, chat):
    chat.send("/subscribe icp provincial 北京 2027-03-15 京B2-20200001")
    chat.send("北京示例科技有限公司")
    with engine.services.db.session() as s:
        registry.pause_chat(s, "console", "alice", "Forbidden: bot was blocked by the user", engine.services.clock.now())
    chat.send("/mylicenses")
    assert "消息无法送达，已自动暂停" in chat.text
    assert "delivery failed" not in chat.text and "Forbidden" not in chat.text


def test_labels_of_scopes_and_paused_reasons():
    assert scope_label("nationwide", "", "en") == "Nationwide (cross-region)"
    assert scope_label("provincial", "粤", "zh") == "地网 · 广东"
    assert paused_reason_label("2026-12-04 手动暂停", "en") == "paused by you on 2026-12-04"
    assert paused_reason_label("paused on 2026-12-04", "zh") == "2026-12-04 手动暂停"


def test_the_case_packet_names_checklist_answers_by_their_labels(engine):
    answers = Answers(license="icp", scope="provincial", province="北京", expires=date(2027, 3, 15),
                      changes=("shareholders", "address"), foreign="50plus", special=("news",))
    with engine.services.db.session() as s:
        save_checklist(s, "console", "alice", "alice", answers, engine.services.clock.now())
        found = checklist_findings(s, "console", "alice", engine.services.get(ChecklistRules), engine.services.clock.now())
    line = "\n".join(found["zh"])
    assert "ICP经营许可证" in line and "地网（北京）" in line
    assert "股东/股权、注册地址" in line and "外资50%及以上" in line and "前置审批：新闻" in line
    for code in ("icp ", "provincial", "shareholders", "address", "50plus", "news"):
        assert code not in line


def test_mydata_and_the_case_headline_name_the_channel_and_language_in_words(engine, chat):
    from intents.case_packet import headline
    from intents.handoff_models import Ticket

    chat.send("/mydata")
    assert "渠道 终端" in chat.text and "console" not in chat.text
    ticket = Ticket(id=7, channel="telegram", chat_id="1", user_id="1", client_name="张三", lang="en")
    line = headline(ticket, "zh")
    assert "Telegram" in line and "英文" in line and "· en" not in line
