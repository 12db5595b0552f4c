"""`licensebot run`: the bot on every configured channel; the console when none is configured."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bot.app import build_engine
from bot.channels import telegram
from bot.channels.base import Channel
from bot.cli import chat
from bot.engine import Engine
from bot.settings import Settings

# One line per channel: (name, is it configured?, factory). Channels add themselves here.
CHANNEL_FACTORIES: tuple[tuple[str, Callable[[Settings], bool], Callable[[Engine], Channel]], ...] = (
    ("telegram", telegram.is_configured, telegram.build_channel),
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    chat.add_arguments(p)


def configured_channels(settings: Settings, engine: Engine) -> list[Channel]:
    return [factory(engine) for _name, is_on, factory in CHANNEL_FACTORIES if is_on(settings)]


def main(args: argparse.Namespace, settings: Settings) -> int:
    if not any(is_on(settings) for _name, is_on, _factory in CHANNEL_FACTORIES):
        return chat.main(args, settings)
    import uvicorn

    from bot.web import build_app

    engine = build_engine(settings)
    app = build_app(engine.services, configured_channels(settings, engine))
    uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_config=None)
    return 0
