"""What the bot says when it owns the chat: small talk, the fallback's single hand-off button, offers
only when a consultant can be reached, and consultants never slowed by the clients' flood guard."""

from __future__ import annotations

from tests.handoff.conftest import Hub, shanghai


def human_buttons(replies) -> list[str]:
    return [b.label for r in replies for b in r.buttons if b.payload.startswith("/human")]


def test_two_misses_in_a_row_show_one_hand_off_button_not_two(hub: Hub):
    client = hub.client("4401")
    client.send("今天天气怎么样")
    assert "fallback" in client.tags and human_buttons(client.replies) == ["转人工顾问"]
    client.send("明天会下雨吗")
    assert "handoff-offer" in client.tags and human_buttons(client.replies) == ["转人工顾问"]


def test_yes_after_the_offer_opens_a_ticket(hub: Hub):
    client = hub.client("4406")
    client.send("今天天气怎么样")
    client.send("好的")  # not an answer to anything yet: a second miss, and the offer
    assert "handoff-offer" in client.tags
    client.send("好的")
    assert "handoff-requested" in client.tags and hub.ticket().reason == "offer"


def test_small_talk_in_english_and_it_does_not_count_as_a_miss(hub: Hub):
    client = hub.client("4402", language="en")
    for text in ("hi there", "thanks!", "are you a bot?", "bye", "hello"):
        client.send(text)
        assert "smalltalk" in client.tags and "fallback" not in client.tags, text
    assert "Hello!" in client.text and client.buttons  # a short answer and the menu
    client.send("明天会下雨吗")  # the first miss: five small talks before it did not count
    assert "fallback" in client.tags and "handoff-offer" not in client.tags
    client.send("你好，ICP证续期要准备哪些材料？")  # a greeting with a question is a question
    assert "faq-answer" in client.tags


def test_no_consultant_no_offer(make_hub):
    hub = make_hub(consultants="")
    client = hub.client("4403")
    client.send("今天天气怎么样")
    client.send("明天会下雨吗")
    assert human_buttons(client.replies) == [] and "handoff-offer" not in client.tags
    client.send("/start")
    assert "/human" not in [b.payload for r in client.replies for b in r.buttons]


def test_outside_business_hours_the_offer_is_to_leave_a_message_for_the_opening(hub: Hub, clock):
    clock.set(shanghai(2026, 11, 28, 11, 0))  # Saturday
    client = hub.client("4404")
    client.send("今天天气怎么样")
    assert human_buttons(client.replies) == ["给顾问留言"]
    client.press("给顾问留言")
    assert "handoff-out-of-hours" in client.tags and hub.ticket().status == "waiting"


def test_consultants_are_not_slowed_by_the_flood_guard(hub: Hub):
    client, zhang = hub.client("4405"), hub.consultant()
    client_saw = []
    for _ in range(25):
        zhang.send("/queue")
        client_saw.append(client.send("ICP证续期要准备哪些材料"))
    assert "consult-queue" in zhang.tags  # the 25th /queue in a minute is answered
    notices = [replies for replies in client_saw if any("发送得太快" in r.text for r in replies)]
    assert len(notices) == 1 and client_saw[-1] == []  # a client is slowed down after 20 (one notice a burst)


def test_a_consultant_in_a_flow_answers_its_questions(hub: Hub):
    zhang = hub.consultant()
    zhang.send("/renew")
    zhang.send("ICP")
    assert "step:scope" in zhang.tags and "consult-hint" not in zhang.tags


def test_a_client_whose_ticket_waits_is_not_offered_another(hub: Hub):
    client = hub.client("4407")
    client.send("/human")
    for text in ("今天天气怎么样", "明天会下雨吗"):
        client.send(text)
        assert "fallback" in client.tags and human_buttons(client.replies) == [], text
        assert "handoff-offer" not in client.tags
    assert len(hub.tickets()) == 1
