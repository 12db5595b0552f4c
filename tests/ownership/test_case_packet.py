"""The case packet and the announcement speak the consultant's language: the client's own question
(not the hand-off button), labels instead of codes, China time with the weekday, and what the
renewal checklist found on the day the ticket opened."""

from __future__ import annotations

from tests.handoff.conftest import Hub, shanghai


def walk_checklist(client) -> None:
    client.send("/renew")
    for label in ("ICP经营许可证", "地网（一个省份）", "北京"):
        client.press(label)
    client.send("京B2-20210001")
    client.send("2027年3月15日")
    client.press("都没有")
    client.press("外资50%及以上")
    client.press("新闻")
    client.press("完成")


def test_the_packet_shows_labels_findings_and_china_time(hub: Hub, clock):
    clock.set(shanghai(2026, 11, 27, 10, 0))  # a Friday
    client, zhang = hub.client("3301"), hub.consultant()
    walk_checklist(client)
    client.send("我们的外资股比怎么调整")
    client.press("转人工顾问")
    [announced] = [r for r in hub.inbox("wecom", "consultants-room") if "新工单" in r.text]
    assert "客户说：「我们的外资股比怎么调整」" in announced.text and "/human" not in announced.text
    zhang.send("/claim 1")
    packet = zhang.text
    assert "ICP经营许可证 · 地网（北京）" in packet and "外资：外资50%及以上" in packet and "前置审批：新闻" in packet
    assert "最晚提交日 2026-12-15（还有18天），紧急" in packet
    assert "需先处理：" in packet and "先确认外资比例是否合规" in packet
    assert "2026-11-27 周五 10:00" in packet
    for code in ("provincial", "50plus", "news", "icp ·"):
        assert code not in packet, code


def test_the_announcement_never_quotes_a_bare_request_for_a_person(hub: Hub):
    hub.client("3302").send("转人工")
    [announced] = [r for r in hub.inbox("wecom", "consultants-room") if "新工单" in r.text]
    assert "客户说" not in announced.text and "转人工" not in announced.text.split("原因：")[0]


def test_files_sent_while_waiting_are_attached_and_listed_in_the_packet(hub: Hub):
    from bot.messages import Attachment

    client, zhang = hub.client("3303"), hub.consultant()
    client.send("/human 营业执照的问题")
    client.send("", attachment=Attachment("营业执照.pdf", b"%PDF-1.4 ..."))
    assert "file-attached" in client.tags and "fallback" not in client.tags
    client.send("营业执照照片", attachment=Attachment("photo.jpg", b"", "image/jpeg", ref="AgACAgIAAxkB"))
    assert "file-attached" in client.tags and "handoff-offer" not in client.tags
    zhang.send("/claim 1")
    assert "📎 营业执照.pdf" in zhang.text and "📎 photo.jpg（营业执照照片）" in zhang.text
    client.send("", attachment=Attachment("合同.pdf", b"", ref="BQACAgIAAxkB"))  # claimed: relayed
    [relay] = hub.inbox("wecom", "zhangsan")[-1:]
    assert "📎 合同.pdf" in relay.text and relay.attachment is None


def test_a_file_without_a_ticket_gets_a_plain_answer_not_the_fallback(hub: Hub):
    from bot.messages import Attachment

    client = hub.client("3304")
    client.send("", attachment=Attachment("报价单.xlsx", b"PK"))
    assert "file-no-ticket" in client.tags and "/human" in client.text
