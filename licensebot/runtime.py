"""What runs beside the engine, built in one place: the channels and their senders, the jobs features
add to the scheduler (with the dispatcher's delivery hook), and the figures /metrics reads.

`licensebot run`, `licensebot scheduler` and `licensebot reminders run-once` all take them from here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot import metrics
from bot.context import Services
from bot.engine import Engine
from bot.outbox import Sender
from bot.settings import Settings
from channels import telegram
from channels.wecom import factory as wecom
from intents import ticket_rounds
from intents.handoff_models import note_platform_id
from intents.tickets import queue_lengths
from licensebot.standins import wecom_kf_stand_in
from scheduler import runner
from scheduler.rules import Rules
from scheduler.runner import Job, RunOnceReport, Schedule

if TYPE_CHECKING:
    from channels.base import Channel

# One line per channel: (name, is it configured?, factory). Channels add themselves here.
CHANNEL_FACTORIES: tuple[tuple[str, Callable[[Settings], bool], Callable[[Engine], Channel]], ...] = (
    ("telegram", telegram.is_configured, telegram.build_channel),
    ("wecom", wecom.members_configured, wecom.build_members),
    ("wecom_kf", wecom.kf_configured, lambda engine: wecom.build_kf(engine, wecom_kf_stand_in(engine.services.settings))),
    ("wecom_robot", wecom.robot_configured, wecom.build_robot),
)


def configured_channels(settings: Settings, engine: Engine) -> list[Channel]:
    return [factory(engine) for _name, is_on, factory in CHANNEL_FACTORIES if is_on(settings)]


def configured_senders(settings: Settings, services: Services | None = None) -> dict[str, Sender]:
    """Senders of the channels configured for this process, by channel name, for a scheduler without
    the channels themselves (`licensebot scheduler`, `reminders run-once`, the console's thread).

    The Telegram and WeCom adapters contribute theirs here (each live channel has a `sender`); the
    console delivers its own rows. A channel without a sender keeps its messages pending.
    WeCom's senders keep state in the database (reply windows, button keys), so they need `services`,
    and Customer Service the stand-in for the clients its window does not let us message.
    """
    senders: dict[str, Sender] = {}
    if telegram.is_configured(settings):
        senders["telegram"] = telegram.build_sender(settings)
    if services is not None:
        senders.update(wecom.build_senders(services, wecom_kf_stand_in(settings)))
    return senders


# The features' scheduled jobs, and what the dispatcher does with a sent row's platform message id
# (a consultant replies to a relayed message by quoting it).
SCHEDULE = Schedule(
    jobs=(Job("hand-off round", ticket_rounds.round_job, ticket_rounds.round_interval),),
    on_sent=note_platform_id,
)


async def run_once(services: Services, rules: Rules, senders: Mapping[str, Sender]) -> RunOnceReport:
    """The scheduler's `run_once` with the features' jobs."""
    return await runner.run_once(services, rules, senders, SCHEDULE)


async def run_forever(services: Services, senders: Mapping[str, Sender], rules: Rules,
                      stop: asyncio.Event | None = None) -> None:
    """The scheduler's `run_forever` with the features' jobs."""
    await runner.run_forever(services, senders, rules, stop, SCHEDULE)


def background_loop(services: Services, senders: Mapping[str, Sender]) -> Callable[[], Awaitable[None]]:
    return runner.background_loop(services, senders, SCHEDULE)


def start_in_thread(services: Services, senders: Mapping[str, Sender]) -> Callable[[], None]:
    return runner.start_in_thread(services, senders, SCHEDULE)


def handoff_queue(session: Session) -> None:
    """How many tickets wait and how many are claimed."""
    metrics.set_handoff_queue(queue_lengths(session))


# Figures /metrics reads from the database at scrape time (licensebot/web.py).
GAUGES: tuple[Callable[[Session], None], ...] = (handoff_queue,)
