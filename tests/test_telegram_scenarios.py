"""Conversations through the real PTB stack against the fake Bot API (polling): flows by buttons,
groups, deep links, languages, proactive messages, failures that must not stop the bot."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.clock import as_utc, business_today
from bot.messages import Button, ChatRef, Reply
from bot.outbox import enqueue
from bot.ratelimit import FakeTime
from bot.storage.models import Outbox, User
from registry.models import Subscription
from tests.fake_telegram import BOT
from tests.reminders_support import add_license
from tests.telegram_kit import (  # noqa: F401
    GROUP,
    USER,
    fake_fixture,
    start_runtime,
    telegram_settings,
    with_fake_time,
)


def outbox_status(runtime) -> list[str]:
    with runtime.services.db.session() as s:
        return [row.status for row in s.exec(select(Outbox))]


@pytest.fixture
async def bot(fake, sqlite_url, clock):
    async with start_runtime(telegram_settings(sqlite_url, fake), clock, fake) as runtime:
        yield runtime


async def test_forget_is_a_two_step_flow_by_buttons_and_a_keyboard_works_once(bot):
    fake = bot.fake
    fake.push_text(USER, "/start")
    await bot.said(USER, "Hello")  # language_code "en"
    fake.push_text(USER, "/forget")
    await bot.said(USER, "Delete everything")
    first = fake.button_update(USER, "Cancel")
    fake.push_update(first)
    await bot.said(USER, "nothing was deleted")
    # The same keyboard pressed again: a new update (the fake numbers it, so ids keep increasing; a
    # hand-made id far ahead made a long poll still open from another test drop later updates).
    fake.push_update({k: v for k, v in first.items() if k != "update_id"})
    await bot.settle()
    assert sum("nothing was deleted" in t for t in fake.texts(USER)) == 1
    answers = fake.sent(method="answerCallbackQuery")
    assert len(answers) == 2 and answers[1].params["text"] == "Already chosen."  # a stale press is answered too
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


async def test_a_reminder_is_delivered_by_the_runtime_scheduler(bot, clock):
    today = business_today(clock)
    add_license(bot.services.db, "京B2-20200010", today + timedelta(days=30), today - timedelta(days=300),
                clock.now(), chats=(str(USER),))
    text = await bot.said(USER, "京B2-20200010")  # the sweep wrote it, the dispatcher sent it via Telegram
    assert text and bot.fake.keyboards(USER)
    await bot.fake.wait_for(lambda: outbox_status(bot) == ["sent"])


async def test_an_enqueued_message_is_delivered_with_its_buttons(bot, clock):
    with bot.services.db.session() as s:
        enqueue(s, ChatRef("telegram", str(USER)), Reply("顾问回复：材料已收到。", buttons=(Button("谢谢", "/help"),)),
                "relay", "relay:1", clock.now())
    await bot.said(USER, "顾问回复")
    assert bot.fake.keyboards(USER) == [["谢谢"]]


async def test_a_user_who_blocked_the_bot_has_the_subscription_paused(bot, clock):
    bot.fake.fail("sendMessage", USER, status=403, times=-1)
    today = business_today(clock)
    add_license(bot.services.db, "京B2-20200011", today + timedelta(days=7), today - timedelta(days=300),
                clock.now(), chats=(str(USER),))

    def paused() -> list[str]:
        with bot.services.db.session() as s:
            return [sub.paused_reason for sub in s.exec(select(Subscription)) if sub.status == "paused"]

    (reason,) = await bot.fake.wait_for(paused)
    assert "blocked by the user" in reason
    assert "failed" in outbox_status(bot)
    bot.fake.push_text(99, "/help")  # and the bot goes on
    await bot.said(99, "/forget")


async def test_an_exception_in_handling_never_reaches_the_update_loop(bot, monkeypatch):
    def explode(_incoming, **_kwargs):
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
    assert bot.channel.application.running and bot.channel._poll_task is not None and not bot.channel._poll_task.done()


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


async def test_the_renewal_checklist_is_walked_by_buttons_and_exported_as_a_document(bot):
    fake = bot.fake
    fake.push_text(USER, "/renew", language_code="zh-hans")
    await bot.said(USER, "许可证")
    for label in ("ICP经营许可证", "地网（一个省份）", "北京"):
        fake.press(USER, label, language_code="zh-hans")
        await bot.settle()
    fake.push_text(USER, "京B2-20210001", language_code="zh-hans")
    await bot.settle()
    fake.push_text(USER, "2027年3月15日", language_code="zh-hans")
    await bot.settle()
    for label in ("股东/股权", "完成", "外资50%及以上", "完成"):
        fake.press(USER, label, language_code="zh-hans")
        await bot.settle()
    checklist = await bot.said(USER, "京B2-20210001")
    assert "2027-03-15 许可证到期" in "\n".join(fake.texts(USER)) and checklist
    assert fake.count("answerCallbackQuery") == 7 and len(fake.sent(USER, "editMessageText")) == 7
    fake.press(USER, "导出Excel", language_code="zh-hans")
    (doc,) = await fake.wait_for(lambda: fake.sent(USER, "sendDocument"))
    name, content = doc.files["document"]
    assert name.endswith(".xlsx") and content[:2] == b"PK"
