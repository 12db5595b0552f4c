"""Conversations through the real PTB stack against the fake Bot API (polling): flows by buttons,
groups, deep links, languages, proactive messages, failures that must not stop the bot."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.channels.telegram.sender import TelegramSender
from bot.clock import as_utc
from bot.messages import Button, ChatRef, Reply
from bot.outbox import body_to_reply, enqueue
from bot.ratelimit import FakeTime
from bot.storage.models import Outbox, User
from tests.fake_telegram import BOT
from tests.telegram_kit import (  # noqa: F401
    GROUP,
    USER,
    fake_fixture,
    start_runtime,
    telegram_settings,
    with_fake_time,
)


@pytest.fixture
async def bot(fake, sqlite_url, clock):
    async with start_runtime(telegram_settings(sqlite_url, fake), clock, fake) as runtime:
        yield runtime


async def deliver_outbox(services, sender: TelegramSender) -> list:
    """What the dispatcher does with pending Telegram rows (a stand-in until `reminders` lands)."""
    with services.db.session() as s:
        rows = s.exec(select(Outbox).where(Outbox.channel == "telegram", Outbox.status == "pending")).all()
    return [await sender.send(r.chat_id, body_to_reply(r.body)) for r in rows]


async def test_forget_is_a_two_step_flow_by_buttons_and_a_keyboard_works_once(bot):
    fake = bot.fake
    fake.push_text(USER, "/start")
    await bot.said(USER, "Hello")  # language_code "en"
    fake.push_text(USER, "/forget")
    await bot.said(USER, "Delete everything")
    first = fake.button_update(USER, "Cancel")
    fake.push_update(first)
    await bot.said(USER, "Cancelled")
    fake.push_update({**first, "update_id": first["update_id"] + 100})  # the same keyboard pressed again
    await bot.settle()
    assert sum("Cancelled" in t for t in fake.texts(USER)) == 1
    assert fake.count("answerCallbackQuery") == 2  # every press is answered, even the stale one
    assert fake.messages[(USER, first["callback_query"]["message"]["message_id"])]["text"].endswith("✓ Cancel")


async def test_a_button_payload_over_64_bytes_round_trips(bot):
    payload = "/faq " + "不存在的条目" * 8
    await bot.channel.sender.send(str(USER), Reply("选择：", buttons=(Button("这个", payload),)))
    bot.fake.press(USER, "这个", language_code="zh-hans")
    await bot.said(USER, "这条内容已更新或不存在")


async def test_deep_links_open_a_flow_directly(bot):
    bot.fake.push_text(USER, "/start lang-en")
    await bot.said(USER, "reply in English")
    bot.fake.push_text(USER, "/start faq-icp-renewal-materials")
    await bot.said(USER, "Test answer about ICP renewal materials")


async def test_language_comes_from_telegram_unless_chosen_with_lang(bot):
    bot.fake.push_text(USER, "/help", language_code="zh-hans")
    await bot.said(USER, "可用命令")
    bot.fake.push_text(USER, "/lang en", language_code="zh-hans")
    await bot.said(USER, "reply in English")
    bot.fake.push_text(USER, "/help", language_code="zh-hans")
    await bot.said(USER, "Commands:")
    with bot.services.db.session() as s:
        assert s.exec(select(User.lang)).all() == ["en"]


async def test_in_a_group_only_commands_mentions_and_replies_to_the_bot_are_answered(bot):
    fake = bot.fake
    fake.push_text(GROUP, "大家好，今天开会", user_id=7)
    fake.push_text(GROUP, "/help@some_other_bot", user_id=7)
    fake.push_text(GROUP, "@licensebot_test ICP证续期要准备哪些材料？", user_id=7,
                   entities=[{"type": "mention", "offset": 0, "length": 16}])
    answer = await bot.said(GROUP, "测试答案：ICP续期材料")
    assert answer
    fake.push_text(GROUP, "/help", user_id=8)
    await bot.said(GROUP, "/forget")
    await bot.settle()
    assert len(fake.sent(GROUP)) == 2  # chatter and the other bot's command were ignored
    reply_to_bot = fake.sent(GROUP)[0]
    assert reply_to_bot.params["reply_parameters"]["message_id"]  # answers quote the asker
    bot_message_id = max(mid for (cid, mid) in fake.messages if cid == GROUP)
    fake.push_text(GROUP, "增值电信许可证年报什么时候报？", user_id=7, reply_to=bot_message_id)
    await bot.said(GROUP, "每年第一季度")


async def test_a_proactive_message_from_the_outbox_is_delivered(bot, clock):
    with bot.services.db.session() as s:
        enqueue(s, ChatRef("telegram", str(USER)), Reply("您的ICP许可证将于90天后到期。",
                buttons=(Button("开始续期", "/renew"),)), "reminder", "lic1:expiry:90", clock.now())
    (result,) = await deliver_outbox(bot.services, bot.channel.sender)
    assert result.ok and result.platform_id
    assert bot.fake.texts(USER) == ["您的ICP许可证将于90天后到期。"] and bot.fake.keyboards(USER) == [["开始续期"]]


async def test_a_blocked_user_gives_a_permanent_result_and_the_bot_goes_on(bot, clock):
    bot.fake.fail("sendMessage", USER, status=403, times=-1)
    with bot.services.db.session() as s:
        enqueue(s, ChatRef("telegram", str(USER)), Reply("提醒"), "reminder", "k-blocked", clock.now())
    (result,) = await deliver_outbox(bot.services, bot.channel.sender)
    assert result.permanent and "blocked" in result.error
    bot.fake.push_text(USER, "/help")  # replying to a blocked user fails quietly
    bot.fake.push_text(99, "/help")
    await bot.said(99, "/forget")


async def test_an_exception_in_handling_never_reaches_the_update_loop(bot, monkeypatch):
    def explode(_incoming):
        raise RuntimeError("boom")

    monkeypatch.setattr(bot.channel.engine, "handle", explode)
    bot.fake.push_text(USER, "/help")
    bot.fake.push_update({"update_id": 5, "message": {"message_id": 1, "date": 0, "chat": {"id": USER, "type": "private"}}})
    bot.fake.push_update({"update_id": 6, "callback_query": {"id": "q", "chat_instance": "c", "data": "x",
                                                              "from": {"id": USER, "is_bot": False, "first_name": "u"}}})
    await bot.settle()
    monkeypatch.undo()
    bot.fake.push_text(USER, "/help")
    await bot.said(USER, "/forget")
    assert bot.channel.application.running and bot.channel.application.updater.running


async def test_429_on_a_reply_delays_and_retries_it(fake, sqlite_url, clock):
    time = FakeTime()
    async with start_runtime(telegram_settings(sqlite_url, fake), clock, fake, with_fake_time(time)) as bot:
        fake.fail("sendMessage", USER, status=429, retry_after=5)
        before = time.now
        fake.push_text(USER, "/help")
        await bot.said(USER, "/forget")
    assert len(fake.sent(USER)) == 2 and time.now - before >= 5


async def test_messages_from_bots_and_edited_messages_are_ignored(bot):
    update = bot.fake.message_update(USER, "/help")
    update["message"]["from"] = {**BOT, "id": 555}
    bot.fake.push_update(update)
    edited = bot.fake.message_update(USER, "/help")
    bot.fake.push_update({"update_id": edited["update_id"], "edited_message": edited["message"]})
    bot.fake.push_text(USER, "/start")
    await bot.said(USER, "Hello")
    assert len(bot.fake.sent(USER)) == 1


async def test_a_reply_telegram_will_not_take_now_is_left_in_the_outbox(bot, clock):
    bot.fake.fail("sendMessage", USER, status=429, retry_after=3600)
    bot.fake.push_text(USER, "/help")
    await bot.settle()
    with bot.services.db.session() as s:
        (row,) = s.exec(select(Outbox)).all()
    assert (row.kind, row.chat_id, row.status) == ("reply", str(USER), "pending")
    assert "/forget" in row.body["text"] and as_utc(row.not_before) - clock.now() == timedelta(hours=1)
