"""The shared ownership scenarios (tests/ownership/transcripts.py) through the real PTB stack and
the fake Bot API: the client and the consultant are two private chats with the bot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from bot.clock import SHANGHAI
from licensebot.runtime import run_once
from scheduler.runner import rules_from
from tests.ownership.transcripts import CLIENT, CONSULTANT, SCENARIOS, play
from tests.telegram_kit import USER, Runtime, fake_fixture, start_runtime, telegram_settings  # noqa: F401

CONSULTANT_ID = 77
CHATS = {CLIENT: USER, CONSULTANT: CONSULTANT_ID}


class TelegramRig:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.since = {CLIENT: "", CONSULTANT: ""}

    async def act(self, who: str, action: str, text: str) -> None:
        fake, services = self.runtime.fake, self.runtime.services
        marks = {side: len(fake.texts(chat)) for side, chat in CHATS.items()}
        if action == "send":
            fake.push_text(CHATS[who], text, language_code="zh-hans")
        elif action == "file":
            update = fake.message_update(CHATS[who], "", language_code="zh-hans")
            del update["message"]["text"]
            update["message"]["document"] = {"file_id": "BQACAgIAAxkB", "file_unique_id": "AgAD1", "file_name": text,
                                             "mime_type": "application/pdf"}
            fake.push_update(update)
        else:  # Telegram shows no numbers: "number" is a press too
            fake.press(CHATS[who], text, language_code="zh-hans")
        await self.runtime.settle()
        await run_once(services, rules_from(services.settings), {"telegram": self.runtime.channel.sender})
        self.since = {side: "\n".join(fake.texts(chat)[marks[side]:]) for side, chat in CHATS.items()}

    def seen(self, who: str) -> str:
        return self.since[who]


@pytest.fixture
async def telegram(fake, sqlite_url, clock) -> AsyncIterator[TelegramRig]:
    # the runtime's own scheduler stays out of the way: each step delivers the outbox itself
    settings = telegram_settings(sqlite_url, fake, consultants=f"telegram:{CONSULTANT_ID}",
                                 sweep_interval_seconds=3600, dispatch_interval_seconds=3600)
    async with start_runtime(settings, clock, fake) as runtime:
        yield TelegramRig(runtime)


@pytest.mark.parametrize("name", SCENARIOS)
async def test_scenario_on_telegram(telegram: TelegramRig, name: str):
    await play(telegram, SCENARIOS[name])


LEAD = 88


def shanghai(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


async def test_an_unclaimed_ticket_is_announced_at_opening_reminded_in_business_minutes_then_escalated(
        fake, sqlite_url, clock):
    """Through the running service: its scheduler's hand-off job, the fake Bot API, an injected clock."""
    settings = telegram_settings(sqlite_url, fake, consultants=f"telegram:{CONSULTANT_ID}",
                                 handoff_reannounce_minutes=30, handoff_reannounce_max=1,
                                 handoff_escalate_to=f"telegram:{LEAD}")
    clock.set(shanghai(2026, 11, 27, 19, 0))  # Friday evening: the office is closed
    async with start_runtime(settings, clock, fake) as bot:
        fake.push_text(USER, "我们的机房审批卡住了怎么办", language_code="zh-hans")
        await bot.said(USER, "没有把握回答")
        fake.press(USER, "给顾问留言", language_code="zh-hans")  # after hours: leave a message
        new = await bot.said(CONSULTANT_ID, "新工单 #1")
        assert "客户说：「我们的机房审批卡住了怎么办」" in new and "/human" not in new  # the question, not the button
        clock.set(shanghai(2026, 11, 30, 9, 0, 30))  # Monday: the office opens
        opening = await bot.said(CONSULTANT_ID, "上班了")
        assert "已等待工作时间 0 分钟" in opening
        clock.set(shanghai(2026, 11, 30, 9, 31))
        reminder = await bot.said(CONSULTANT_ID, "第1次提醒")
        assert "已等待工作时间 31 分钟" in reminder  # Friday night and the weekend do not count
        clock.set(shanghai(2026, 11, 30, 10, 2))
        escalated = await bot.said(LEAD, "升级")
        assert "工单 #1" in escalated and "62 分钟" in escalated
        clock.set(shanghai(2026, 11, 30, 15, 0))
        await asyncio.sleep(2.5)  # a few more rounds of the job: nothing more is sent
        assert len(fake.texts(LEAD)) == 1 and len([t for t in fake.texts(CONSULTANT_ID) if "#1" in t]) == 3
