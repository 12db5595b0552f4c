"""ASGI entry point for `licensebot run --workers N` and any ASGI server
(`uvicorn licensebot.asgi:create_app --factory`)."""

from __future__ import annotations

from starlette.applications import Starlette

from bot.logs import configure
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from knowledge.reload import reload_on_sighup
from licensebot.app import build_engine


def create_app() -> Starlette:
    """One worker: its own engine, channels and scheduler on the shared database."""
    from licensebot.cli.run import build_runtime, freeze_start_up_heap

    settings = Settings.load()
    configure(settings.log_level, settings.log_json)
    engine = build_engine(settings)
    reload_on_sighup(engine.services.get(KnowledgeBase))  # the supervisor passes SIGHUP on to every worker
    app = build_runtime(engine)
    freeze_start_up_heap()
    return app
