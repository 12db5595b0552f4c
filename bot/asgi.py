"""ASGI entry point for `licensebot run` and for any ASGI server (`uvicorn bot.asgi:create_app --factory`)."""

from __future__ import annotations

from starlette.applications import Starlette

from bot.app import build_engine
from bot.logs import configure
from bot.settings import Settings
from bot.web import build_app


def create_app() -> Starlette:
    """One worker: its own engine, channels and background loops on the shared database."""
    from bot.cli.run import background_loops, configured_channels

    settings = Settings.load()
    configure(settings.log_level, settings.log_json)
    engine = build_engine(settings)
    return build_app(engine.services, configured_channels(settings, engine), background_loops(engine))
