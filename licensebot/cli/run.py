"""`licensebot run`: the bot on every configured channel; the console when none is configured.

By default the reminder sweep and the outbox dispatcher run in the same process (SCHEDULER_IN_PROCESS);
set it to false when `licensebot scheduler` runs as a process of its own.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from bot.engine import Engine
from bot.reload import SUPERVISOR_ENV, reload_on_sighup
from bot.settings import Settings
from channels import telegram
from channels.base import Channel
from channels.wecom import factory as wecom
from licensebot.app import build_engine, build_services
from licensebot.cli import chat
from licensebot.standins import wecom_kf_stand_in
from scheduler.rules import RulesError
from scheduler.runner import configured_senders, start_in_thread

if TYPE_CHECKING:
    from starlette.applications import Starlette

log = logging.getLogger(__name__)
WORKER_HEALTHCHECK_SECONDS = 30

def build_wecom_kf(engine: Engine) -> Channel:
    """Customer Service, handed the stand-in for clients its window does not let us message."""
    return wecom.build_kf(engine, wecom_kf_stand_in(engine.services.settings))


# One line per channel: (name, is it configured?, factory). Channels add themselves here.
CHANNEL_FACTORIES: tuple[tuple[str, Callable[[Settings], bool], Callable[[Engine], Channel]], ...] = (
    ("telegram", telegram.is_configured, telegram.build_channel),
    ("wecom", wecom.members_configured, wecom.build_members),
    ("wecom_kf", wecom.kf_configured, build_wecom_kf),
    ("wecom_robot", wecom.robot_configured, wecom.build_robot),
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    chat.add_arguments(p)
    p.add_argument("--workers", type=int, default=1, help="worker processes (PostgreSQL and webhooks only)")


def configured_channels(settings: Settings, engine: Engine) -> list[Channel]:
    return [factory(engine) for _name, is_on, factory in CHANNEL_FACTORIES if is_on(settings)]


def build_runtime(engine: Engine, channels: list[Channel] | None = None) -> Starlette:
    """What `licensebot run` serves: every configured channel, and the reminder scheduler delivering
    the outbox through those channels' senders (unless SCHEDULER_IN_PROCESS is off)."""
    from licensebot.web import build_app
    from scheduler.ical_web import calendar_routes
    from scheduler.runner import background_loop

    services = engine.services
    if channels is None:
        channels = configured_channels(services.settings, engine)
    background = []
    if services.settings.scheduler_in_process:
        background.append(background_loop(services, {c.name: c.sender for c in channels}))
    from workspace.web import routes as console_pages

    return build_app(services, channels, background, [*calendar_routes(services), *console_pages(services)])


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
    if not any(is_on(settings) for _name, is_on, _factory in CHANNEL_FACTORIES):
        return "several workers serve webhooks; configure a channel (the console is one terminal)"
    return None


def main(args: argparse.Namespace, settings: Settings) -> int:
    problem = workers_problem(settings, args.workers)
    if problem:
        print(f"licensebot run: {problem}", file=sys.stderr)
        return 2
    if any(is_on(settings) for _name, is_on, _factory in CHANNEL_FACTORIES):
        return serve_channels(settings, args.workers)
    try:
        stop = start_scheduler(settings) if settings.scheduler_in_process else None
    except RulesError as exc:
        print(f"licensebot: {exc}", file=sys.stderr)
        return 2
    try:
        return chat.main(args, settings)
    finally:
        if stop is not None:
            stop()


def serve_channels(settings: Settings, workers: int = 1) -> int:
    """The web app with every configured channel (and the scheduler as a background task)."""
    import uvicorn

    try:
        engine = build_engine(settings)  # applies migrations once, before any worker starts
        app = build_runtime(engine) if workers == 1 else None
    except RulesError as exc:
        print(f"licensebot: {exc}", file=sys.stderr)
        return 2
    if app is not None:
        reload_on_sighup(engine.services)
        freeze_start_up_heap()
        uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_config=None, access_log=False)
        return 0
    engine.services.db.dispose()
    # A worker re-imports the CLI before it answers the supervisor's health check: on a busy machine that
    # takes longer than uvicorn's 5 s, and a worker still starting would be killed as hung, again and again.
    config = uvicorn.Config("licensebot.asgi:create_app", factory=True, host=settings.http_host, port=settings.http_port,
                            workers=workers, log_config=None, access_log=False,
                            timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS)
    os.environ[SUPERVISOR_ENV] = str(os.getpid())
    with shared_metrics_folder():
        supervisor_class()(config, sockets=[config.bind_socket()]).run()
    return 0


def freeze_start_up_heap() -> None:
    """Move what start-up built (knowledge-base index, word dictionary, rules) out of the garbage
    collector's sight: it lives as long as the process, and every full collection would walk it again."""
    import gc

    gc.collect()
    gc.freeze()


def supervisor_class() -> type:
    """uvicorn's supervisor of several workers, with SIGHUP passed on to every worker (each reloads its
    knowledge base in place) instead of uvicorn's restart of all workers. Dead workers are replaced."""
    from uvicorn.supervisors import Multiprocess

    class Supervisor(Multiprocess):
        def handle_hup(self) -> None:
            # A worker still starting has no handler yet (SIGHUP would end it); it reads the files anyway.
            started = [p for p in self.processes if p.pid is not None and p.is_ready(timeout=5)]
            log.info("SIGHUP: asking %d of %d workers to reload the knowledge base (the others are starting)",
                     len(started), len(self.processes))
            for process in started:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid or 0, signal.SIGHUP)

    return Supervisor


@contextlib.contextmanager
def shared_metrics_folder() -> Iterator[Path]:
    """Where the workers keep their metrics so that /metrics sums them: PROMETHEUS_MULTIPROC_DIR if the
    operator set it (emptied at start), else a temporary folder removed at exit."""
    from bot.metrics import MULTIPROC_ENV, prepare_multiprocess

    given = os.environ.get(MULTIPROC_ENV)
    folder = Path(given) if given else Path(tempfile.mkdtemp(prefix="licensebot-metrics-"))
    prepare_multiprocess(folder)
    try:
        yield folder
    finally:
        if not given:
            shutil.rmtree(folder, ignore_errors=True)


def start_scheduler(settings: Settings) -> Callable[[], None]:
    """The sweep and the dispatcher on a background thread of this process; returns the stop function."""
    services = build_services(settings)
    stop_thread = start_in_thread(services, configured_senders(settings, services, wecom_kf_stand_in(settings)))

    def stop() -> None:
        stop_thread()
        services.db.dispose()

    return stop
