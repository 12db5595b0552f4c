"""The client's side: asking in words or by button, waiting, business hours, going back, rating."""

from __future__ import annotations

import pytest

from intents.handoff import wants_human
from tests.handoff.conftest import GROUP, Hub, shanghai


@pytest.mark.parametrize("text", [
    "转人工", "我要转人工", "人工客服", "找顾问", "我想找顾问咨询一下", "能联系顾问吗", "真人", "有真人吗？",
    "要人工", "找个真人聊聊", "talk to a person", "Can I speak with a human?", "human agent please",
    "I want to talk to a real person", "agent", "跟顾问聊聊",
])
def test_words_asking_for_a_person(text):
    assert wants_human(text)


@pytest.mark.parametrize("text", [
    "人工智能公司需要ICP证吗", "需要人工审核吗", "真人秀直播要什么许可证", "找顾问公司办ICP要多少钱",
    "办ICP需要顾问吗", "ICP证续期要准备哪些材料", "直接人工成本怎么算", "/human", "", "human resources",
    "who is the agent of record for SP licences",
])
def test_words_that_do_not_ask_for_a_person(text):
    assert not wants_human(text)


def test_words_open_a_ticket_before_the_faq_gets_them(hub: Hub):
    client = hub.client()
    client.send("我想找顾问咨询一下")
    assert "handoff-requested" in client.tags
    assert hub.ticket().reason == "words" and hub.ticket().note == "我想找顾问咨询一下"


def test_while_waiting_the_bot_answers_and_relays_nothing(hub: Hub):
    client = hub.client()
    client.send("/human 想问外资准入")
    assert "消息不会转给顾问" in client.text
    hub.inbox(*GROUP)
    client.send("ICP证续期要准备哪些材料")
    assert "faq-answer" in client.tags
    client.send("在吗？")
    assert "smalltalk" in client.tags  # small talk is answered, not counted as a failed question
    assert hub.rows("wecom", "zhangsan") == [] and hub.inbox(*GROUP) == []
    assert hub.ticket().note == "想问外资准入" and hub.ticket().status == "waiting"


def test_one_open_ticket_per_client(hub: Hub):
    client = hub.client()
    client.send("/human")
    client.send("转人工")
    assert "handoff-waiting" in client.tags and "#1" in client.text
    client.send("/human")
    assert "handoff-waiting" in client.tags
    hub.consultant().send("/claim 1")
    client.send("/human")
    assert "handoff-claimed-already" in client.tags and "zhangsan" in client.text
    assert len(hub.tickets()) == 1 and len(hub.rows(*GROUP)) == 2  # one announcement, one "claimed"


def test_two_clients_have_their_own_tickets(hub: Hub):
    a, b = hub.client("1001"), hub.client("1002", channel="wecom")
    a.send("/human")
    b.send("/human")
    assert [(t.channel, t.user_id, t.status) for t in hub.tickets()] == [
        ("telegram", "1001", "waiting"), ("wecom", "1002", "waiting")]


def test_fallback_and_clarify_replies_carry_a_consultant_button(hub: Hub):
    client = hub.client()
    client.send("许可证")
    assert "faq-clarify" in client.tags and client.buttons[-1] == "转人工顾问"
    client.send("今天天气怎么样")
    assert "fallback" in client.tags and client.buttons == ["转人工顾问"]
    client.press("转人工顾问")
    assert "handoff-requested" in client.tags and hub.ticket().reason == "fallback"


def test_after_two_fallbacks_in_a_row_the_bot_offers_a_person(hub: Hub):
    client = hub.client()
    client.send("今天天气怎么样")
    assert "handoff-offer" not in client.tags
    client.send("明天呢")
    assert "handoff-offer" in client.tags
    client.press("/human offer")
    assert "handoff-requested" in client.tags
    assert hub.ticket().reason == "offer" and hub.ticket().packet["fallbacks"] == 2


def test_an_answer_in_between_resets_the_count(hub: Hub):
    client = hub.client()
    client.send("今天天气怎么样")
    client.send("ICP证续期要准备哪些材料")
    client.send("明天呢")
    assert "fallback" in client.tags and "handoff-offer" not in client.tags


def test_english_client_gets_english(hub: Hub):
    client = hub.client("2002", language="en")
    client.send("I want to talk to a real person")
    assert "handoff-requested" in client.tags and "ticket #1" in client.text
    hub.consultant().send("/claim 1")
    assert "has joined" in hub.inbox("telegram", "2002")[0].text


# --- business hours --------------------------------------------------------------------------------

def test_out_of_hours_the_client_learns_the_next_opening(hub: Hub, clock):
    clock.set(shanghai(2026, 11, 27, 19, 30))  # a Friday evening
    client = hub.client()
    client.send("/human")
    assert {"handoff-requested", "handoff-out-of-hours"} <= client.tags
    assert "11月30日（周一）09:00" in client.text and "周一至周五 09:00–18:00" in client.text
    assert hub.ticket().out_of_hours and hub.ticket().status == "waiting"
    assert "非工作时间" in hub.inbox(*GROUP)[0].text  # announced now, marked for the morning
    client.send("ICP证续期要准备哪些材料")  # the bot keeps answering meanwhile
    assert "faq-answer" in client.tags


def test_out_of_hours_across_a_public_holiday(hub: Hub, clock):
    clock.set(shanghai(2026, 9, 30, 18, 5))  # the evening before the National Day week
    client = hub.client("3003", language="en")
    client.send("/human")
    assert "Thu 8 Oct, 09:00 (China time)" in client.text


def test_a_makeup_working_saturday_is_open(hub: Hub, clock):
    clock.set(shanghai(2026, 10, 10, 10, 0))  # Saturday, but a 调休 working day
    client = hub.client()
    client.send("/human")
    assert "handoff-out-of-hours" not in client.tags


# --- going back, rating, unavailable ----------------------------------------------------------------

def test_bot_command_cancels_a_waiting_request(hub: Hub):
    client = hub.client()
    client.send("/bot")
    assert "handoff-none" in client.tags
    client.send("/human")
    client.send("/bot")
    assert "handoff-cancelled" in client.tags and hub.ticket().status == "closed"
    zhang = hub.consultant()
    zhang.send("/claim 1")
    assert "consult-closed" in zhang.tags  # the stale announcement cannot be claimed


def test_rating_buttons_are_checked(hub: Hub):
    client, other, zhang = hub.client("1001"), hub.client("1002"), hub.consultant()
    client.send("/human")
    zhang.send("/claim 1")
    client.send("/rate 1 5")  # not closed yet
    assert "handoff-rate-invalid" in client.tags
    zhang.send("/close 1")
    other.send("/rate 1 1")  # somebody else's ticket
    assert "handoff-rate-invalid" in other.tags
    for bad in ("/rate 1 9", "/rate 1", "/rate x 5", "/rate 99 5", "/rate 1 -1"):
        client.send(bad)
        assert "handoff-rate-invalid" in client.tags, bad
    assert hub.ticket().rating is None
    client.send("/rate 1 2")
    assert "handoff-rated" in client.tags and "/human" in client.text  # a low score: offered help again
    client.send("/rate 1 5")
    assert "handoff-rated-already" in client.tags and hub.ticket().rating == 2


def test_a_cancelled_request_is_not_rated(hub: Hub):
    client = hub.client()
    client.send("/human")
    client.send("/bot")
    client.send("/rate 1 5")
    assert "handoff-rate-invalid" in client.tags


def test_without_consultants_nobody_is_promised_one(make_hub):
    hub = make_hub()
    client = hub.client()
    client.send("/human")
    assert "handoff-unavailable" in client.tags
    assert hub.tickets() == [] and hub.rows() == []
