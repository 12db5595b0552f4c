"""The hand-off to consultants over Telegram: the consultants' group is a Telegram group (by id), the
announcement arrives there with a claim button, and a consultant answers by replying to the relayed
message — all through the runtime's dispatcher and the fake Bot API."""

from __future__ import annotations

import pytest

from tests.telegram_kit import USER, fake_fixture, start_runtime, telegram_settings  # noqa: F401

TEAM = -100777  # the consultants' Telegram group
CONSULTANT = 500


@pytest.fixture
async def bot(fake, sqlite_url, clock):
    settings = telegram_settings(sqlite_url, fake, consultants=f"telegram:{CONSULTANT}",
                                 consultant_group=f"telegram:{TEAM}")
    async with start_runtime(settings, clock, fake) as runtime:
        yield runtime


async def test_a_client_reaches_a_consultant_and_gets_the_answer(bot):
    fake = bot.fake
    fake.push_text(USER, "/human", language_code="zh-hans")
    await bot.said(USER, "#1")
    announcement = await bot.said(TEAM, "#1")
    assert announcement and fake.keyboards(TEAM)
    claim = fake.keyboards(TEAM)[-1][0]
    fake.press(TEAM, claim, user_id=CONSULTANT, language_code="zh-hans")
    await bot.settle()
    fake.push_text(USER, "续期要多久？", language_code="zh-hans")
    await bot.said(TEAM, "已由")  # the group sees who took it
    relayed = await bot.said(CONSULTANT, "续期要多久？")  # relayed to the consultant by the dispatcher
    relayed_id = next(mid for (cid, mid), m in fake.messages.items() if cid == CONSULTANT and m.get("text") == relayed)
    fake.push_text(CONSULTANT, "一般20个工作日", reply_to=relayed_id, language_code="zh-hans")  # a quote-reply
    await bot.said(USER, "一般20个工作日")


async def test_group_chatter_among_consultants_is_not_relayed_or_answered(bot):
    bot.fake.push_text(TEAM, "今天谁值班？", user_id=CONSULTANT)
    bot.fake.push_text(USER, "/help")
    await bot.said(USER, "/human")
    await bot.settle()
    assert bot.fake.sent(TEAM) == []
