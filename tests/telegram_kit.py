"""Fixtures for the Telegram tests: the fake Bot API server and the bot's runtime wired to it.

`runtime` is what `licensebot run` builds (configured_channels + build_app, started through the
ASGI lifespan), in-process, with the fake server as TELEGRAM_BASE_URL.
"""

from __future__ import annotations

import asyncio
import atexit
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.applications import Starlette

from bot.clock import FrozenClock
from bot.context import Services
from bot.engine import Engine
from bot.ratelimit import FakeTime
from bot.settings import Settings
from channels.telegram.app import TelegramChannel
from licensebot.app import build_services
from licensebot.cli.run import build_runtime, configured_channels
from tests.conftest import make_settings
from tests.fake_telegram import TOKEN, FakeTelegram

USER = 42  # a private chat (Telegram: chat id == user id)
GROUP = -1001234  # a supergroup


_server: list[FakeTelegram] = []  # one server for the session; tests get it reset


@pytest.fixture(name="fake")
def fake_fixture() -> Iterator[FakeTelegram]:
    """The fake Bot API server, reset (import `fake_fixture` into a test module to use `fake`)."""
    if not _server:
        _server.append(FakeTelegram().start())
        atexit.register(_server[0].stop)
    _server[0].reset()
    yield _server[0]


def telegram_settings(db_url: str, fake: FakeTelegram, **overrides: Any) -> Settings:
    # Replies in these scenarios follow each other within a second; pacing is tested with FakeTime.
    values: dict[str, Any] = {"telegram_bot_token": TOKEN, "telegram_base_url": fake.base_url,
                              "telegram_private_per_second": 1000, "telegram_group_per_minute": 60_000,
                              "chat_rate_per_minute": 60_000, "sweep_interval_seconds": 1,
                              "dispatch_interval_seconds": 1}
    values.update(overrides)
    return make_settings(db_url, **values)


@dataclass
class Runtime:
    app: Starlette
    channel: TelegramChannel
    fake: FakeTelegram
    services: Services

    async def said(self, chat_id: int, contains: str, timeout: float = 5.0) -> str:
        """Wait until the bot sends a message to `chat_id` containing `contains`; returns its text."""
        return await self.fake.wait_for(
            lambda: next((t for t in self.fake.texts(chat_id) if contains in t), None), timeout)

    async def settle(self) -> None:
        """Wait until every pushed update has been received and handled (quiet for a few polls)."""
        app = self.channel.application
        quiet = 0

        def idle() -> bool:
            nonlocal quiet
            now_idle = (self.fake.all_fetched() and app.update_queue.empty() and self.channel.busy == 0
                        and app._update_processor.current_concurrent_updates == 0)
            quiet = quiet + 1 if now_idle else 0
            return quiet >= 3

        await self.fake.wait_for(idle)


@asynccontextmanager
async def start_runtime(settings: Settings, clock: FrozenClock, fake: FakeTelegram,
                        make_channel: Callable[[Engine], TelegramChannel] | None = None) -> AsyncIterator[Runtime]:
    """Start what `licensebot run` starts (channels and the reminder scheduler, through the ASGI
    lifespan); `make_channel` replaces the channel factory (e.g. to inject time)."""
    services = build_services(settings, clock)
    engine = Engine(services)
    channels = [make_channel(engine)] if make_channel else configured_channels(settings, engine)
    app = build_runtime(engine, channels)
    try:
        async with app.router.lifespan_context(app):
            tg = channels[0]
            assert isinstance(tg, TelegramChannel)
            await asyncio.wait_for(tg.ready.wait(), 5)
            yield Runtime(app, tg, fake, services)
    finally:
        services.db.dispose()


def with_fake_time(time: FakeTime) -> Callable[[Engine], TelegramChannel]:
    """A channel factory whose limiter and retry waits use a fake monotonic clock (no real sleeping)."""
    return lambda engine: TelegramChannel(engine, clock=time, sleep=time.sleep)
