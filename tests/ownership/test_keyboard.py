"""What a typed number presses (bot/keyboard.py, bot/ownership.py): the buttons last shown in that
chat, numbered on across a turn, under the owner the chat has now; stored, so a restart keeps them."""

from __future__ import annotations

from datetime import timedelta

from bot.engine import Engine
from bot.messages import Incoming, Reply
from licensebot.app import build_services
from tests.conftest import make_settings
from tests.reminders_support import add_license


def typed(engine: Engine, text: str, channel: str = "console", numbered: bool = True) -> list[Reply]:
    return engine.handle(Incoming(channel, "u1", "u1", text=text, numbered=numbered, display_name="u1"))


def numbers(replies: list[Reply]) -> list[list[int]]:
    return [list(range(r.number_from, r.number_from + len(r.buttons))) for r in replies if r.buttons]


def test_two_licence_cards_are_numbered_on_and_both_answer_after_a_restart(fresh_sqlite, clock):
    settings = make_settings(fresh_sqlite)
    services = build_services(settings, clock)
    today = clock.now().date()
    for n in ("京B2-20200001", "京B2-20200002"):
        add_license(services.db, n, today + timedelta(days=300), today - timedelta(days=100), clock.now(),
                    chats=("u1",), channel="console")
    cards = typed(Engine(services), "/mylicenses")
    shown = [n for group in numbers(cards) for n in group]
    assert shown == list(range(1, len(shown) + 1)) and len(numbers(cards)) >= 2  # numbered on, no repeats
    second = next(r for r in cards if "京B2-20200002" in r.text and r.buttons)
    delete = second.number_from + [b.label for b in second.buttons].index("删除")
    services.db.dispose()
    restarted = Engine(build_services(settings, clock))  # a new process: the numbers come from the database
    [asked] = typed(restarted, str(delete))  # "删除" of the second card
    assert "京B2-20200002" in asked.text and "license-delete-ask" in asked.tags
    [asked] = typed(restarted, "1")  # the numbers now mean the buttons of that question
    assert "license-deleted" in asked.tags and "京B2-20200002" in asked.text
    restarted.services.db.dispose()


def test_a_number_does_not_press_a_button_of_an_owner_that_has_gone(services, clock):
    engine = Engine(services)
    [step] = typed(engine, "/renew")
    assert "step:license" in step.tags
    clock.advance(days=8)  # the flow expires: the chat is the bot's again, the flow's buttons are dead
    expired, *answer = typed(engine, "1")
    assert "已超过7天" in expired.text
    assert "fallback" in answer[0].tags  # "1" read as text (pressed, it would have asked the FAQ about "icp")


def test_a_channel_without_numbered_buttons_never_turns_a_number_into_a_press(services):
    engine = Engine(services)
    typed(engine, "/renew", channel="telegram", numbered=False)
    [again] = typed(engine, "1", channel="telegram", numbered=False)
    assert "reask" in again.tags  # "1" is not a licence type; nothing was pressed
