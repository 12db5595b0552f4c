"""The consultants' side: permissions, the queue, case packets, canned replies, re-announcement."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.clock import as_utc
from bot.messages import Attachment
from intents import case_packet
from intents.ticket_rounds import reannounce_due
from tests.conftest import FIXTURES
from tests.handoff.conftest import GROUP, Hub, shanghai

CONSULTANT_COMMANDS = ["/queue", "/claim 1", "/case 1", "/reply 1 你好", "/canned greeting 1", "/close 1",
                       "/close", "/canned"]


def snapshot(hub: Hub) -> tuple:
    return ([(t.id, t.status, t.consultant_id, t.rating) for t in hub.tickets()],
            [(r.id, r.channel, r.chat_id) for r in hub.rows()])


@pytest.mark.parametrize("who", [("telegram", "1002"),  # another client
                                 ("telegram", "zhangsan"),  # a consultant's id, but on the wrong channel
                                 ("telegram", "1001")])  # the ticket's own client
def test_a_non_consultant_is_refused_every_consultant_command_and_nothing_happens(hub: Hub, who):
    hub.client("1001").send("/human")
    before = snapshot(hub)
    outsider = hub.client(who[1], channel=who[0])
    for command in CONSULTANT_COMMANDS:
        outsider.send(command)
        assert "refused" in outsider.tags and "顾问" in outsider.text, command
        assert snapshot(hub) == before, command


def test_pressing_the_claim_button_in_the_group_as_a_non_consultant_is_refused(hub: Hub):
    hub.client("1001").send("/human")
    stranger = hub.consultant("wangwu", "wecom", chat_id=GROUP[1])  # in the group, not on the list
    hub.deliver_to(stranger)
    stranger.press("接单 / claim")
    assert "refused" in stranger.tags and hub.ticket().status == "waiting"


def test_a_client_quoting_a_message_is_not_a_consultant_reply(hub: Hub):
    client, zhang = hub.client("1001"), hub.consultant()
    client.send("/human")
    zhang.send("/claim 1")
    client.send("你好")
    hub.sent_with_platform_id("wecom", "zhangsan", "wx-1")
    intruder = hub.client("zhangsan", channel="telegram")
    intruder.send("我冒充顾问", reply_to="wx-1")
    assert "consult-sent" not in intruder.tags
    assert all("我冒充顾问" not in r.text for r in hub.inbox("telegram", "1001"))


def test_a_consultant_writing_plainly_is_told_how_to_reply(hub: Hub):
    zhang = hub.consultant()
    zhang.send("ICP证续期要准备哪些材料")  # holding nothing: a hint, not the clients' FAQ
    assert "consult-hint" in zhang.tags and "/queue" in zhang.text and "faq-answer" not in zhang.tags
    hub.client().send("/human")
    zhang.send("/claim 1")
    hub.inbox("telegram", "1001")
    zhang.send("您好")  # not a quote, not /reply: nothing goes to the client
    assert "consult-hint" in zhang.tags and "#1" in zhang.text
    assert hub.inbox("telegram", "1001") == []
    in_group = hub.consultant("zhangsan", "wecom", chat_id=GROUP[1])
    in_group.send("ICP证续期要准备哪些材料")  # in the group chat the hint does not apply
    assert "consult-hint" not in in_group.tags


def test_help_lists_consultant_commands_only_for_consultants(hub: Hub):
    client, zhang = hub.client(), hub.consultant()
    client.send("/help")
    assert "/human" in client.text and "/bot" in client.text
    assert "/claim" not in client.text and "/queue" not in client.text
    zhang.send("/help")
    assert all(c in zhang.text for c in ("/claim", "/queue", "/reply", "/close", "/canned", "/case"))


def test_another_consultant_cannot_take_over_a_claimed_ticket(hub: Hub):
    hub.client().send("/human")
    zhang, li = hub.consultant("zhangsan"), hub.consultant("lisi")
    zhang.send("/claim 1")
    li.send("/claim 1")
    assert "consult-taken" in li.tags and "zhangsan" in li.text
    for command in ("/reply 1 我来", "/close 1", "/case 1", "/canned greeting 1"):
        li.send(command)
        assert "consult-not-yours" in li.tags, command
    assert hub.ticket().status == "claimed" and hub.ticket().consultant_id == "zhangsan"
    assert all("我来" not in r.text for r in hub.inbox("telegram", "1001"))
    zhang.send("/claim 1")  # claiming again shows the packet again
    assert "consult-claimed-already" in zhang.tags


def test_commands_on_missing_or_malformed_tickets(hub: Hub):
    zhang = hub.consultant()
    for command, tag in (("/claim 42", "consult-missing"), ("/claim", "consult-usage"),
                         ("/claim abc", "consult-usage"), ("/reply 42 hi", "consult-missing"),
                         ("/reply", "consult-usage"), ("/reply 1", "consult-missing"), ("/close", "consult-none"),
                         ("/close 99999999999", "consult-missing"), ("/case 7", "consult-missing")):
        zhang.send(command)
        assert tag in zhang.tags, command
    hub.client().send("/human")
    zhang.send("/claim 1")
    zhang.send("/reply 1   ")
    assert "consult-usage" in zhang.tags
    zhang.send("/reply 1", attachment=Attachment("a.png", b"png", "image/png"))  # a file alone is fine
    assert "consult-sent" in zhang.tags


def test_queue_lists_waiting_then_claimed_with_claim_buttons(hub: Hub, clock):
    zhang = hub.consultant()
    zhang.send("/queue")
    assert "consult-queue" in zhang.tags and "空" in zhang.text
    hub.client("1001").send("/human")
    clock.advance(minutes=12)
    hub.client("1002", channel="wecom").send("转人工")
    zhang.send("/claim 2")
    zhang.send("/queue")
    assert zhang.text.index("#1") < zhang.text.index("#2")
    assert "等待接单（1）" in zhang.text and "已等（工作时间） 12 分钟" in zhang.text and "处理中（1）" in zhang.text
    assert zhang.buttons == ["接单 / claim #1"]
    zhang.press("接单 / claim #1")
    zhang.send("/close")  # holding two tickets: which one?
    assert "consult-which" in zhang.tags and zhang.buttons == ["#1", "#2"]
    zhang.press("#2")
    assert "consult-closed" in zhang.tags and hub.ticket(2).status == "closed"


def test_a_consultant_may_close_a_waiting_ticket(hub: Hub):
    client = hub.client()
    client.send("/human")
    hub.consultant().send("/close 1")
    told = hub.inbox("telegram", "1001")
    assert "已关闭" in told[0].text and told[0].buttons == ()  # nobody served: no rating asked


def test_case_packet_carries_messages_faq_scores_reason_and_sections(hub: Hub, monkeypatch, clock):
    def licences(session, channel, user_id):
        return [f"— 登记的许可证 — {channel}:{user_id} ICP 京B2-20200001"]

    def broken(session, channel, user_id):
        raise RuntimeError("module not ready")

    monkeypatch.setattr(case_packet, "CASE_PACKET_SECTIONS", (broken, licences))
    client = hub.client()
    for i in range(12):
        client.send(f"第{i}个问题")
    client.send("许可证")  # a clarify: the fallback count starts again
    client.send("今天天气怎么样")
    client.send("明天呢")
    client.press("/human offer")
    zhang = hub.consultant()
    zhang.send("/case 1")  # a waiting ticket may be looked at before claiming
    packet = zhang.text
    assert "case-packet" in zhang.tags
    assert "第5个问题" not in packet and "第6个问题" in packet  # the last 10 messages
    assert "明天呢" in packet and "连续两次没能回答" in packet
    assert re.search(r"「许可证」→ clarify: [a-z_-]+ 0\.\d\d", packet), packet  # tried entries, with scores
    assert "→ clarify" in packet and "→ fallback" in packet
    assert "telegram:1001 ICP 京B2-20200001" in packet  # a section provided by another module
    clock.advance(minutes=1)
    client.send("ICP证续期要准备哪些材料")  # answered by the bot while waiting
    clock.advance(minutes=1)
    zhang.send("/claim 1")
    assert "提交后客户的消息" in zhang.text and "ICP证续期要准备哪些材料" in zhang.text


def test_case_of_someone_elses_ticket_is_refused(hub: Hub):
    hub.client("1001").send("/human 我的营业执照号是91110000XXXX")
    hub.consultant("zhangsan").send("/claim 1")
    li = hub.consultant("lisi")
    li.send("/case 1")
    assert "consult-not-yours" in li.tags and "91110000" not in li.text


# --- canned replies -------------------------------------------------------------------------------

def test_canned_replies_list_send_and_follow_the_clients_language(hub: Hub):
    english = hub.client("2002", language="en")
    english.send("talk to a person")
    zhang = hub.consultant()
    zhang.send("/claim 1")
    zhang.send("/canned")
    assert "consult-canned-list" in zhang.text or "consult-canned-list" in zhang.tags
    assert "greeting" in zhang.text and "wrap-up" in zhang.text
    zhang.send("/canned greeting")  # the only ticket held is the default
    assert "consult-sent" in zhang.tags
    sent = hub.inbox("telegram", "2002")[-1].text
    assert "I'm a consultant at our consultancy" in sent and sent.startswith("👤 Consultant zhangsan")
    zhang.send("/canned nosuch 1")
    assert "consult-canned-list" in zhang.tags and "nosuch" in zhang.text


def test_canned_in_chinese_names_the_consultancy(hub: Hub):
    hub.client().send("/human")
    zhang = hub.consultant()
    zhang.send("/claim 1")
    zhang.send("/canned greeting 1")
    assert "测试顾问的顾问" in hub.inbox("telegram", "1001")[-1].text


def test_a_broken_canned_file_is_reported_not_crashed(make_hub, tmp_path: Path):
    kb = tmp_path / "kb"
    (kb / "faq").mkdir(parents=True)
    (kb / "faq" / "test.yaml").write_text((FIXTURES / "kb" / "faq" / "test.yaml").read_text("utf-8"), "utf-8")
    (kb / "canned.yaml").write_text("greeting:\n  zh: [unclosed\n", "utf-8")
    hub = make_hub(consultants="wecom:zhangsan", knowledge_dir=str(kb))
    hub.client().send("/human")
    zhang = hub.consultant()
    zhang.send("/claim 1")
    zhang.send("/canned greeting")
    assert "consult-canned-broken" in zhang.tags and "canned.yaml" in zhang.text
    assert "error" not in zhang.tags


# --- re-announcement ---------------------------------------------------------------------------------

def announcements(hub: Hub) -> list[str]:
    return [r.body["text"] for r in hub.rows(*GROUP) if "/claim" in str(r.body.get("buttons"))]


def reannounce(hub: Hub, clock) -> list[int]:
    with hub.services.db.session() as s:
        return reannounce_due(s, hub.services.settings, clock.now())


def test_an_unclaimed_ticket_is_announced_again_once_per_round(hub_any: Hub, clock):
    hub = hub_any
    hub.client("1001").send("/human")  # Friday 10:00
    hub.client("1002").send("/human")
    hub.consultant().send("/claim 2")  # a claimed ticket is never re-announced
    clock.advance(minutes=29)
    assert reannounce(hub, clock) == []
    clock.advance(minutes=2)
    assert reannounce(hub, clock) == [1]
    assert reannounce(hub, clock) == []  # the same moment again: nothing new
    texts = announcements(hub)
    assert len(texts) == 3 and "已等待工作时间 31 分钟" in texts[-1] and "第1次提醒" in texts[-1]
    clock.advance(minutes=30)
    assert reannounce(hub, clock) == [1]
    assert "第2次提醒" in announcements(hub)[-1]
    hub.consultant().send("/claim 1")
    clock.advance(minutes=45)
    assert reannounce(hub, clock) == []


def test_re_announcement_counts_business_time_only(hub: Hub, clock):
    clock.set(shanghai(2026, 11, 27, 17, 50))  # Friday, ten minutes before closing
    hub.client().send("/human")
    clock.set(shanghai(2026, 11, 28, 11, 0))  # Saturday: closed, nobody is reminded
    assert reannounce(hub, clock) == []
    clock.set(shanghai(2026, 11, 30, 9, 15))  # Monday: 10 + 15 business minutes so far
    assert reannounce(hub, clock) == []
    clock.set(shanghai(2026, 11, 30, 9, 20))
    assert reannounce(hub, clock) == [1]
    assert as_utc(hub.ticket().announced_at) == clock.now()


def test_re_announcement_can_be_switched_off(make_hub, clock):
    hub = make_hub(consultants="wecom:zhangsan", handoff_reannounce_minutes=0)
    hub.client().send("/human")
    clock.advance(hours=3)
    assert reannounce(hub, clock) == []


def test_case_packet_carries_the_clients_checklist_answers(hub: Hub):
    client = hub.client("kim")
    for answer in ("/renew", "icp", "北京", "跳过", "2027-03-15", "都没有", "没有外资", "都没有"):
        client.send(answer)
    assert "订阅到期提醒" in client.buttons
    client.press("联系顾问")
    ticket = hub.ticket(1)
    assert ticket.reason == "checklist"
    zhang = hub.consultant()
    zhang.send("/case 1")
    assert "续期清单" in zhang.text and "到期 2027-03-15" in zhang.text and "北京" in zhang.text
