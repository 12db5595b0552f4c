"""ASGI entry point for `licensebot run --workers N` and any ASGI server
(`uvicorn bot.asgi:create_app --factory`)."""

from __future__ import annotations

from starlette.applications import Starlette

from bot.app import build_engine
from bot.logs import configure
from bot.settings import Settings


def create_app() -> Starlette:
    """One worker: its own engine, channels and scheduler on the shared database."""
    from bot.cli.run import build_runtime

    settings = Settings.load()
    configure(settings.log_level, settings.log_json)
    return build_runtime(build_engine(settings))
