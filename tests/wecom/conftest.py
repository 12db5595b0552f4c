"""The WeCom rig: the bot's ASGI app (callbacks in) and a fake WeCom API on 127.0.0.1 (sends out)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from bot.clock import FrozenClock
from bot.engine import Engine
from channels.wecom.crypto import WeComCrypto
from licensebot.app import build_services
from licensebot.cli.run import configured_channels
from licensebot.web import build_app
from tests.conftest import make_settings
from tests.fake_wecom import FakeState, Switchable, serve
from tests.fake_wecom import build_app as build_fake
from tests.wecom.rig import AES_KEY, CORP_ID, KF_SECRET, ROBOT_KEY, SECRET, TOKEN, Rig, wecom_overrides


@pytest.fixture(scope="session")
def fake_server() -> Iterator[tuple[str, Switchable]]:
    switch = Switchable()
    with serve(switch) as url:
        yield url, switch


@pytest.fixture
def fake(fake_server: tuple[str, Switchable], clock: FrozenClock) -> FakeState:
    state = FakeState(clock=clock, corp_id=CORP_ID, secrets={SECRET: "app", KF_SECRET: "kf"}, robot_key=ROBOT_KEY)
    fake_server[1].app = build_fake(state)
    return state


@pytest.fixture
def crypto() -> WeComCrypto:
    return WeComCrypto(TOKEN, AES_KEY, CORP_ID)


async def open_rig(db_url: str, api_base: str, fake: FakeState, clock: FrozenClock, crypto: WeComCrypto,
                   **overrides: Any) -> AsyncIterator[Rig]:
    """The bot with every WeCom channel configured (as `licensebot run` builds them), on db_url."""
    settings = make_settings(db_url, **{**wecom_overrides(api_base), **overrides})
    services = build_services(settings, clock)
    engine = Engine(services)
    channels = configured_channels(settings, engine)
    app = build_app(services, channels)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot") as http:
        rig = Rig(http, fake, clock, crypto, services, {c.name: c for c in channels})
        for c in channels:
            await c.start()
        try:
            yield rig
        finally:
            for c in channels:
                await c.stop()
            services.db.dispose()


@pytest.fixture
def wecom_db_url(fresh_sqlite: str) -> str:
    return fresh_sqlite


@pytest.fixture
async def rig(wecom_db_url: str, fake_server, fake, clock, crypto) -> AsyncIterator[Rig]:
    async for r in open_rig(wecom_db_url, fake_server[0], fake, clock, crypto):
        yield r
