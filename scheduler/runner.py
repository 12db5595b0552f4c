"""Running the reminder machinery: once (operators, tests) or for good under APScheduler.

APScheduler only *triggers* the idempotent sweep and the dispatcher on an interval; it never holds one
job per licence (a job store per licence would be lost or doubled across workers and restarts).

The scheduler knows no channel and no chat feature: the composition root (licensebot/runtime.py) hands
it the senders, and a `Schedule` of the jobs features contribute (e.g. the hand-off's ticket rounds)
and the dispatcher's delivery hook.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.context import Services
from bot.outbox import Sender
from bot.ratelimit import Window
from bot.replies import prune_sent
from bot.settings import Settings
from bot.staff import staff
from registry.service import pause_chat
from scheduler.digest import post_digest
from scheduler.dispatcher import Dispatcher, DispatchPolicy, SentHook, ignore_sent, outbox_limiter
from scheduler.escalation import escalate
from scheduler.rules import Rules, load_rules
from scheduler.sweep import sweep

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOnceReport:
    created: int  # reminder messages written to the outbox by this sweep (one per subscriber)
    sent: int
    deferred: int  # reminders held until quiet hours end
    failed: int  # given up (e.g. the user blocked the bot)
    retrying: int  # transient failures, tried again later

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class Job:
    """A job a feature contributes: `run(services)` in a worker thread, at start-up and then every
    `every(settings)` seconds (and once per `run_once`, after the reminder sweep)."""

    name: str  # also in the log line when a run fails
    run: Callable[[Services], object]
    every: Callable[[Settings], float]


@dataclass(frozen=True)
class Schedule:
    """What the composition root adds to the scheduler's own jobs: features' jobs (run in this order)
    and the dispatcher's hook for a sent row's platform message id."""

    jobs: tuple[Job, ...] = ()
    on_sent: SentHook = ignore_sent


def rules_from(settings: Settings) -> Rules:
    """The rules file the settings name (REMINDER_RULES), or the shipped one."""
    return load_rules(Path(settings.reminder_rules) if settings.reminder_rules else None)


def digest(services: Services) -> bool:
    """The consultants' daily digest of expiring licences (once a day; see scheduler/digest.py)."""
    with services.db.session() as session:
        return post_digest(services.settings, session, services.clock.now())


def escalations(services: Services, rules: Rules) -> int:
    """Unacknowledged 30/14-day reminders to the second contact and the consultants (scheduler/escalation.py)."""
    return escalate(services.db, rules, staff(services.settings).announce_targets(), services.clock.now())


SENT_REPLIES_KEPT = timedelta(days=1)


def prune_replies(services: Services) -> int:
    """Delivered replies leave the outbox after a day (the message log keeps what was said)."""
    with services.db.session() as session:
        return prune_sent(session, services.clock.now() - SENT_REPLIES_KEPT)


def make_dispatcher(services: Services, senders: Mapping[str, Sender], rules: Rules,
                    on_sent: SentHook = ignore_sent) -> Dispatcher:
    s = services.settings
    # Only for senders that do not limit themselves (see scheduler/dispatcher.py); 0 = no limit.
    per_channel = Window(s.channel_rate_per_second, 1.0) if s.channel_rate_per_second > 0 else None
    per_chat = Window(s.chat_rate_per_minute, 60.0, even=True) if s.chat_rate_per_minute > 0 else None
    policy = DispatchPolicy(batch_size=max(s.dispatch_batch_size, 1), lease_seconds=max(s.dispatch_lease_seconds, 1),
                            max_attempts=max(s.dispatch_max_attempts, 1))
    return Dispatcher(services.db, senders, services.clock, policy=policy,
                      limiter=outbox_limiter(per_channel, per_chat), quiet=rules.quiet,
                      on_permanent_failure=pause_chat, on_sent=on_sent)


async def run_once(services: Services, rules: Rules, senders: Mapping[str, Sender],
                   schedule: Schedule = Schedule()) -> RunOnceReport:
    """Sweep (and run the features' jobs), then dispatch until nothing claimable is left."""
    swept = await asyncio.to_thread(sweep, services.db, rules, services.clock.now())
    await asyncio.to_thread(digest, services)
    await asyncio.to_thread(escalations, services, rules)
    for job in schedule.jobs:
        await asyncio.to_thread(job.run, services)
    done = await make_dispatcher(services, senders, rules, schedule.on_sent).drain()
    return RunOnceReport(created=swept.created, sent=done.sent, deferred=swept.deferred + done.deferred,
                         failed=done.failed, retrying=done.retrying)


STOP_GRACE_SECONDS = 5.0


async def run_forever(services: Services, senders: Mapping[str, Sender], rules: Rules,
                      stop: asyncio.Event | None = None, schedule: Schedule = Schedule()) -> None:
    """Sweep, the features' jobs and dispatch on their intervals until `stop` is set (or the task is cancelled)."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    settings = services.settings
    dispatcher = make_dispatcher(services, senders, rules, schedule.on_sent)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # it logs every run of every job at INFO

    async def sweep_job() -> None:
        try:
            report = await asyncio.to_thread(sweep, services.db, rules, services.clock.now())
            await asyncio.to_thread(digest, services)
            await asyncio.to_thread(escalations, services, rules)
            await asyncio.to_thread(prune_replies, services)
            if report.created:
                log.debug("sweep wrote reminders", extra={"milestones": report.milestones, "messages": report.created,
                                                          "deferred": report.deferred})
        except Exception:
            log.exception("reminder sweep failed; the next run catches up")

    def feature_job(job: Job) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            try:
                await asyncio.to_thread(job.run, services)
            except Exception:
                log.exception("%s failed; the next one catches up", job.name)
        return run

    async def dispatch_job() -> None:
        try:
            await dispatcher.drain(max_batches=50)
        except Exception:
            log.exception("dispatch failed; rows stay pending or are retried when their lease expires")

    running: set[asyncio.Task[None]] = set()

    def tracked(job: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            task = asyncio.current_task()
            assert task is not None
            running.add(task)
            try:
                await job()
            finally:
                running.discard(task)
        return run

    await sweep_job()  # catch up at once after downtime, before the first dispatch
    scheduler = AsyncIOScheduler(timezone=UTC)
    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
    scheduler.add_job(tracked(sweep_job), IntervalTrigger(seconds=max(settings.sweep_interval_seconds, 1)),
                      id="sweep", **common)
    for job in schedule.jobs:
        scheduler.add_job(tracked(feature_job(job)), IntervalTrigger(seconds=job.every(settings)), id=job.name,
                          next_run_time=datetime.now(UTC), **common)
    scheduler.add_job(tracked(dispatch_job), IntervalTrigger(seconds=max(settings.dispatch_interval_seconds, 1)),
                      id="dispatch", next_run_time=datetime.now(UTC), **common)
    scheduler.start()
    log.debug("reminder scheduler started", extra={"channels": sorted(dispatcher.channels)})
    try:
        await (stop or asyncio.Event()).wait()
    finally:
        # apscheduler's shutdown cancels a job mid-run (and logs it as an error with a traceback): start
        # no new run, let a running one finish briefly, then shut down.
        scheduler.pause()
        if running:
            await asyncio.wait(set(running), timeout=STOP_GRACE_SECONDS)
        scheduler.shutdown(wait=False)


def background_loop(services: Services, senders: Mapping[str, Sender],
                    schedule: Schedule = Schedule()) -> Callable[[], Awaitable[None]]:
    """For `licensebot run` with an event loop (web app): a coroutine function to start as a task."""
    rules = rules_from(services.settings)  # load now: a broken rules file stops start-up, not a task
    return lambda: run_forever(services, senders, rules, schedule=schedule)


def start_in_thread(services: Services, senders: Mapping[str, Sender],
                    schedule: Schedule = Schedule()) -> Callable[[], None]:
    """For `licensebot run` in the terminal: run the scheduler on a thread; returns a function to stop it."""
    rules = rules_from(services.settings)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(run_forever(services, senders, rules, stop, schedule))
        finally:  # let jobs still running see their cancellation, then close the loop
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    thread = threading.Thread(target=serve, name="reminder-scheduler", daemon=True)
    thread.start()

    def stop_it() -> None:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=10)

    return stop_it
