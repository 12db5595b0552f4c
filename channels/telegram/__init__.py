"""The Telegram channel (python-telegram-bot as transport). See app.py for the picture."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from bot.settings import Settings

# Opt in to PTB's coming behaviour (durations as timedelta) and silence its deprecation warnings.
os.environ.setdefault("PTB_TIMEDELTA", "true")

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.outbox import Sender
    from channels.base import Channel


def is_configured(settings: Settings) -> bool:
    """On when TELEGRAM_BOT_TOKEN is set."""
    return bool(settings.telegram_bot_token)


def build_channel(engine: Engine) -> Channel:
    """Build the channel; imports python-telegram-bot only when Telegram is configured."""
    from channels.telegram.app import TelegramChannel

    return TelegramChannel(engine)


def build_sender(settings: Settings) -> Sender:
    """A Sender alone, for processes that deliver the outbox without receiving (`licensebot scheduler`)."""
    from channels.telegram.app import standalone_sender

    return standalone_sender(settings)
