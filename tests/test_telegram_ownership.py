"""The shared ownership scenarios (tests/ownership/transcripts.py) through the real PTB stack and
the fake Bot API: the client and the consultant are two private chats with the bot."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from scheduler.runner import rules_from, run_once
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
