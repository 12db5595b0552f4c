"""The whole hand-off loop as conversations: a client on one channel, consultants on another."""

from __future__ import annotations

import re

from sqlmodel import select

from bot.messages import Attachment
from intents.handoff_models import TicketRelay
from licensebot.cli.stats import compute
from tests.handoff.conftest import GROUP, Hub


def test_request_announce_claim_relay_both_ways_close_and_rate(hub_any: Hub, clock):
    hub = hub_any
    client = hub.client("1001", channel="telegram")  # the client writes on Telegram
    zhang = hub.consultant("zhangsan", channel="wecom")  # the consultant works on WeCom
    client.send("外资公司能办吗")  # the bot cannot answer this one
    assert "fallback" in client.tags
    client.send("许可证")  # too vague: the bot offers candidates (clarify)
    assert "faq-clarify" in client.tags

    client.send("/human")
    assert "handoff-requested" in client.tags
    assert "#1" in client.text and "不会转给顾问" in client.text  # told that nothing is relayed yet

    announced = hub.inbox(*GROUP)  # posted to the consultants' WeCom group
    assert len(announced) == 1 and "#1" in announced[0].text and "Telegram" in announced[0].text
    assert [(b.label, b.payload) for b in announced[0].buttons] == [("接单 / claim", "/claim 1")]

    clock.advance(minutes=4)
    zhang.receive(announced)
    zhang.press("接单 / claim")
    assert "consult-claimed" in zhang.tags and "case-packet" in zhang.tags
    assert "外资公司能办吗" in zhang.text  # the client's messages are in the case packet
    # and the FAQ entries the bot tried, with their scores
    assert re.search(r"「许可证」→ clarify: [a-z_-]+ 0\.\d\d", zhang.text), zhang.text

    told = hub.inbox("telegram", "1001")
    assert len(told) == 1 and "已接入" in told[0].text and "/bot" in told[0].text
    assert "zhangsan" in hub.inbox(*GROUP)[0].text  # the group learns who took it

    # client -> consultant: relayed to the consultant's own WeCom chat; the bot stays silent
    client.send("我们是外资控股49%，能办ICP证吗？")
    assert client.replies == []
    relayed = hub.inbox("wecom", "zhangsan")
    assert len(relayed) == 1 and "我们是外资控股49%" in relayed[0].text and "#1" in relayed[0].text
    client.send("", attachment=Attachment("营业执照.pdf", b"%PDF-1.4 test", "application/pdf"))
    file_relay = hub.inbox("wecom", "zhangsan")
    assert file_relay[0].attachment is not None and file_relay[0].attachment.filename == "营业执照.pdf"

    # consultant -> client: a reply to the relayed message (WeCom gave it a message id)
    clock.advance(minutes=2)
    hub.sent_with_platform_id("wecom", "zhangsan", "wx-msg-77")
    zhang.send("可以，外资比例不超过50%的可以申请。", reply_to="wx-msg-77")
    assert "consult-sent" in zhang.tags
    answer = hub.inbox("telegram", "1001")
    assert len(answer) == 1 and answer[0].text == "👤 顾问zhangsan：可以，外资比例不超过50%的可以申请。"
    zhang.send("/reply 1 材料清单见附件", attachment=Attachment("清单.xlsx", b"xlsx", "application/x"))
    answer = hub.inbox("telegram", "1001")
    assert answer[0].text.endswith("材料清单见附件") and answer[0].attachment.filename == "清单.xlsx"

    # close: the client is the bot's again and is asked for a rating
    zhang.send("/close")
    assert "consult-closed" in zhang.tags
    asked = hub.inbox("telegram", "1001")
    assert "已结束" in asked[0].text and [b.label for b in asked[0].buttons] == ["1", "2", "3", "4", "5"]
    client.receive(asked)
    client.press("5")
    assert "handoff-rated" in client.tags
    assert hub.ticket(1).rating == 5 and hub.ticket(1).status == "closed"

    client.send("ICP证续期要准备哪些材料")  # after the close the bot answers again
    assert "faq-answer" in client.tags
    assert hub.inbox("wecom", "zhangsan") == []  # and nothing more reaches the consultant

    with hub.services.db.session() as s:
        stats = compute(s, None, None)
    assert (stats.opened, stats.claimed, stats.closed, stats.ratings) == (1, 1, 1, [5])
    assert stats.median_first_reply == 6.0  # asked at 10:00, first consultant reply at 10:06


def test_every_outbox_row_goes_to_the_right_channel_and_chat(hub_any: Hub):
    hub = hub_any
    client, zhang = hub.client("1001", "telegram"), hub.consultant("zhangsan", "wecom")
    client.send("/human")
    zhang.send("/claim 1")
    client.send("你好")
    zhang.send("/reply 1 你好，请讲")
    zhang.send("/close 1")
    where = [(r.kind, r.channel, r.chat_id) for r in hub.rows()]
    assert where == [
        ("handoff-announce", "wecom", "consultants-room"),
        ("handoff-claimed", "telegram", "1001"),
        ("handoff-announce", "wecom", "consultants-room"),  # "claimed by zhangsan"
        ("handoff-relay", "wecom", "zhangsan"),
        ("handoff-reply", "telegram", "1001"),
        ("handoff-closed", "telegram", "1001"),
    ]


def test_console_client_and_telegram_consultant_without_a_group(make_hub):
    hub = make_hub(consultants="telegram:555")  # no group: each consultant is told privately
    client, consultant = hub.client("bob", "console"), hub.consultant("555", "telegram")
    client.send("找顾问")
    assert "handoff-requested" in client.tags
    hub.deliver_to(consultant)
    consultant.press("接单 / claim")
    assert "consult-claimed" in consultant.tags
    client.send("在吗")
    assert [r.text for r in hub.inbox("telegram", "555")][-1].endswith("在吗")
    consultant.send("/reply 1 在的")
    assert hub.inbox("console", "bob")[-1].text.endswith("在的")


def test_claiming_in_the_group_sends_the_packet_privately(hub: Hub):
    client = hub.client("1001")
    in_group = hub.consultant("lisi", "wecom", chat_id=GROUP[1])
    client.send("转人工")
    hub.deliver_to(in_group)
    in_group.press("接单 / claim")
    assert "consult-claimed" in in_group.tags and "case-packet" not in in_group.tags
    assert "转人工" not in in_group.text  # the group sees who claimed it, not the client's messages
    private = hub.inbox("wecom", "lisi")
    assert len(private) == 1 and "转人工" in private[0].text and "/reply 1" in private[0].text
    # the packet sent privately can be quoted to answer the client too
    hub.sent_with_platform_id("wecom", "lisi", "wx-1")
    hub.consultant("lisi", "wecom").send("您好，我是李四", reply_to="wx-1")
    assert hub.inbox("telegram", "1001")[-1].text.endswith("您好，我是李四")


def test_client_ends_the_conversation_with_bot_command(hub: Hub):
    client, zhang = hub.client(), hub.consultant()
    client.send("/human")
    zhang.send("/claim 1")
    hub.inbox("wecom", "zhangsan"), hub.inbox("telegram", "1001")
    client.send("/bot")
    assert "handoff-rate-ask" in client.tags and "机器人" in client.text
    assert "结束" in hub.inbox("wecom", "zhangsan")[0].text  # the consultant is told
    client.press("4")
    assert hub.ticket().rating == 4 and hub.ticket().closed_by == "client"
    zhang.send("/reply 1 还在吗")  # too late: the ticket is closed
    assert "consult-closed" in zhang.tags
    assert hub.inbox("telegram", "1001") == []


def test_a_client_writing_after_close_starts_with_the_bot_not_a_stale_ticket(hub: Hub):
    client, zhang = hub.client(), hub.consultant()
    client.send("/human")
    zhang.send("/claim 1")
    client.send("谢谢")
    hub.sent_with_platform_id("wecom", "zhangsan", "wx-5")
    zhang.send("/close 1")
    hub.inbox("wecom", "zhangsan"), hub.inbox("telegram", "1001")
    client.send("年报")
    assert "faq-answer" in client.tags
    client.send("今天天气怎么样")
    assert "fallback" in client.tags
    assert hub.inbox("wecom", "zhangsan") == []
    zhang.send("不客气", reply_to="wx-5")  # a late reply to the old relayed message
    assert "consult-closed" in zhang.tags
    zhang.send("/reply 1 补充一句")
    assert "consult-closed" in zhang.tags
    assert hub.inbox("telegram", "1001") == []
    client.send("/human")  # a new request is a new ticket, waiting again
    assert "handoff-requested" in client.tags and "#2" in client.text
    assert [t.status for t in hub.tickets()] == ["closed", "waiting"]
    client.send("还在吗")  # waiting: not relayed to the consultant of the old ticket
    assert hub.inbox("wecom", "zhangsan") == []


def test_forget_closes_the_clients_ticket_anonymously_and_removes_its_relays(hub_any: Hub):
    hub = hub_any
    client, zhang = hub.client(), hub.consultant()
    client.send("/human")
    zhang.send("/claim 1")
    client.send("我的手机号是13800000000")
    client.send("/forget")  # a command still reaches the bot while a consultant holds the chat
    client.press("确认删除")  # and so does a press of the bot's own button
    assert "forget-done" in client.tags
    [ticket] = hub.tickets()  # kept for the statistics, with nothing about the client
    assert (ticket.status, ticket.closed_by, ticket.user_id, ticket.packet) == ("closed", "forgotten", "", {})
    with hub.services.db.session() as s:
        assert s.exec(select(TicketRelay)).all() == []
    zhang.send("/reply 1 你好")
    assert "consult-closed" in zhang.tags


def test_forget_removes_what_the_outbox_holds_about_the_client(hub_any: Hub, clock):
    """Relays quote the client; /forget takes them, and the messages to the client, out of the outbox."""
    hub = hub_any
    client, zhang = hub.client("1001", "telegram"), hub.consultant("zhangsan", "wecom")
    other = hub.client("2002", "telegram")
    client.send("/human")
    other.send("/human")
    zhang.send("/claim 1")
    client.send("我们公司的统一社会信用代码是91110000XXXX")
    zhang.send("/reply 1 收到，稍后联系您")
    assert any("91110000XXXX" in (r.body.get("text") or "") for r in hub.rows())
    kept = [r.dedupe_key for r in hub.rows() if r.dedupe_key.startswith("handoff:2:")]
    assert kept  # the other client's announcement

    client.send("/bot")
    client.send("/forget")
    client.press("确认删除")
    assert "forget-done" in client.tags
    left = hub.rows()
    assert not any("91110000XXXX" in (r.body.get("text") or "") for r in left)
    assert not any(r.chat_id == "1001" and r.channel == "telegram" for r in left)
    assert not any(r.dedupe_key.startswith("handoff:1:") for r in left)
    assert [r.dedupe_key for r in left if r.dedupe_key.startswith("handoff:2:")] == kept
