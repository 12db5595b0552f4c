"""`licensebot run`: the bot on every configured channel; the console when none is configured."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable

from bot.app import build_engine
from bot.channels.base import Channel
from bot.cli import chat
from bot.engine import Engine
from bot.settings import Settings

# One line per channel: (name, is it configured?, factory). Channels add themselves here.
CHANNEL_FACTORIES: tuple[tuple[str, Callable[[Settings], bool], Callable[[Engine], Channel]], ...] = ()


# Loops every worker runs beside the channels (the reminder scheduler adds itself here).
BACKGROUND: tuple[Callable[[Engine], Callable[[], Awaitable[None]]], ...] = ()


def add_arguments(p: argparse.ArgumentParser) -> None:
    chat.add_arguments(p)
    p.add_argument("--workers", type=int, default=1, help="worker processes (PostgreSQL and webhooks only)")


def configured_channels(settings: Settings, engine: Engine) -> list[Channel]:
    return [factory(engine) for _name, is_on, factory in CHANNEL_FACTORIES if is_on(settings)]


def background_loops(engine: Engine) -> list[Callable[[], Awaitable[None]]]:
    return [make(engine) for make in BACKGROUND]


def workers_problem(settings: Settings, workers: int) -> str | None:
    """Why this many workers cannot run with these settings, or None."""
    if workers < 1:
        return "--workers must be at least 1"
    if workers == 1:
        return None
    if settings.is_sqlite:
        return ("SQLite is the one-process default: several workers need PostgreSQL "
                "(set DATABASE_URL=postgresql+psycopg://...)")
    if settings.telegram_bot_token and not settings.telegram_webhook_url:
        return "Telegram long polling allows one receiver: set TELEGRAM_WEBHOOK_URL to run several workers"
    return None


def main(args: argparse.Namespace, settings: Settings) -> int:
    problem = workers_problem(settings, args.workers)
    if problem:
        print(f"licensebot run: {problem}", file=sys.stderr)
        return 2
    if not any(is_on(settings) for _name, is_on, _factory in CHANNEL_FACTORIES):
        return chat.main(args, settings)
    import uvicorn

    build_engine(settings).services.db.dispose()  # apply migrations once, before workers start
    uvicorn.run("bot.asgi:create_app", factory=True, host=settings.http_host, port=settings.http_port,
                workers=args.workers, log_config=None)
    return 0
