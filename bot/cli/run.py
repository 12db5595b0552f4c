"""`licensebot run`: the bot on every configured channel; the console when none is configured."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.app import build_engine
from bot.channels import telegram
from bot.channels.base import Channel
from bot.cli import chat
from bot.engine import Engine
from bot.settings import Settings

if TYPE_CHECKING:
    from starlette.applications import Starlette

# One line per channel: (name, is it configured?, factory). Channels add themselves here.
CHANNEL_FACTORIES: tuple[tuple[str, Callable[[Settings], bool], Callable[[Engine], Channel]], ...] = (
    ("telegram", telegram.is_configured, telegram.build_channel),
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    chat.add_arguments(p)


def configured_channels(settings: Settings, engine: Engine) -> list[Channel]:
    return [factory(engine) for _name, is_on, factory in CHANNEL_FACTORIES if is_on(settings)]


def build_runtime(engine: Engine, channels: list[Channel] | None = None) -> Starlette:
    """What `licensebot run` serves: every configured channel, and the reminder scheduler delivering
    the outbox through those channels' senders (unless SCHEDULER_IN_PROCESS is off)."""
    from bot.web import build_app
    from scheduler.runner import background_loop

    services = engine.services
    if channels is None:
        channels = configured_channels(services.settings, engine)
    background = []
    if services.settings.scheduler_in_process:
        background.append(background_loop(services, {c.name: c.sender for c in channels}))
    return build_app(services, channels, background)


def main(args: argparse.Namespace, settings: Settings) -> int:
    if not any(is_on(settings) for _name, is_on, _factory in CHANNEL_FACTORIES):
        return chat.main(args, settings)
    import uvicorn

    app = build_runtime(build_engine(settings))
    uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_config=None)
    return 0
