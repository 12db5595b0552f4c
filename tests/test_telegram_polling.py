"""`licensebot run` with TELEGRAM_BOT_TOKEN set, long polling the fake Bot API server, end to end."""

from __future__ import annotations

import pytest

from tests.fake_telegram import FakeTelegram
from tests.telegram_kit import GROUP, USER, fake_fixture, start_runtime, telegram_settings  # noqa: F401


@pytest.fixture
async def bot(fake, sqlite_url, clock):
    async with start_runtime(telegram_settings(sqlite_url, fake), clock, fake) as runtime:
        yield runtime


async def test_start_registers_the_menu_in_chinese_and_english_and_polls(bot):
    fake: FakeTelegram = bot.fake
    menus = {c.params.get("language_code", ""): [x["command"] for x in c.params["commands"]]
             for c in fake.sent(method="setMyCommands")}
    assert menus[""] == menus["zh"]
    assert {"start", "help", "lang", "forget"} <= set(menus["zh"])
    assert "faq" not in menus["zh"]  # no menu text: not in the menu
    assert fake.count("deleteWebhook") == 1
    await fake.wait_for(lambda: fake.count("getUpdates") >= 1)


async def test_a_question_gets_the_answer_with_follow_up_buttons(bot, monkeypatch):
    from channels.telegram import app as telegram_app

    # "quick" is relative to TYPING_AFTER; a busy CI machine can take 0.5 s, so give it room
    monkeypatch.setattr(telegram_app, "TYPING_AFTER", 30.0)
    bot.fake.push_text(USER, "ICP证续期要准备哪些材料？", language_code="zh-hans")
    await bot.said(USER, "测试答案：ICP续期材料")
    assert bot.fake.keyboards(USER) == [["增值电信许可证年报什么时候报？", "开始续期清单", "续期前合规体检", "👍", "👎"]]
    assert bot.fake.count("sendChatAction") == 0  # a quick answer needs no "typing…"
    bot.fake.press(USER, "增值电信许可证年报什么时候报？")
    await bot.said(USER, "每年第一季度")
    await bot.fake.wait_for(lambda: bot.fake.count("answerCallbackQuery") == 1)
    # the keyboard is taken off beside the answer, not before it: wait for that edit too
    edit = (await bot.fake.wait_for(lambda: bot.fake.sent(USER, "editMessageText")))[0]
    assert edit.text.endswith("✓ 增值电信许可证年报什么时候报？") and "reply_markup" not in edit.params


async def test_a_slow_answer_shows_typing_until_it_is_sent(bot, monkeypatch):
    import threading

    from channels.telegram import app as telegram_app

    monkeypatch.setattr(telegram_app, "TYPING_AFTER", 0.01)
    gate = threading.Event()
    handle = bot.channel.engine.handle

    def slow_handle(incoming, **kwargs):
        gate.wait(5)
        return handle(incoming, **kwargs)

    monkeypatch.setattr(bot.channel.engine, "handle", slow_handle)
    bot.fake.push_text(USER, "/help")
    await bot.fake.wait_for(lambda: bot.fake.count("sendChatAction") >= 1)
    assert bot.fake.sent(USER) == []  # still thinking, and the client sees "typing…"
    gate.set()
    await bot.said(USER, "/forget")


async def test_an_update_in_hand_is_not_confirmed_and_does_not_hold_up_other_chats(bot, monkeypatch):
    import threading

    gate = threading.Event()
    handle = bot.channel.engine.handle

    def slow_for_user(incoming, **kwargs):
        if incoming.chat_id == str(USER):
            gate.wait(5)
        return handle(incoming, **kwargs)

    monkeypatch.setattr(bot.channel.engine, "handle", slow_for_user)
    bot.fake.push_text(USER, "/help")
    await bot.fake.wait_for(lambda: bot.channel.busy == 1)
    bot.fake.push_text(USER + 1, "/help")  # another chat is answered meanwhile …
    await bot.said(USER + 1, "/forget")
    assert not bot.fake.all_fetched()  # … while the first update, not yet committed, stays unconfirmed
    gate.set()
    await bot.said(USER, "/forget")
    await bot.settle()
    assert bot.fake.all_fetched()
