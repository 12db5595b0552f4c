"""For `bench/load.py --plain` only: on this path, every Python process of the bot keeps no reply.

The bot's workers import this at start-up (Python's `sitecustomize` hook; the bench puts this folder on
PYTHONPATH of the bot it starts and nowhere else). `ReplyKeep` then writes no outbox row, so each answer
is sent straight away as before durable replies existed: the same bot and bench, with and without
the outbox's fast path, measure what it costs per message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.messages import Incoming, Reply
from bot.replies import ReplyKeep


def _keep_nothing(self: ReplyKeep, _session: Any, incoming: Incoming, replies: list[Reply], _now: datetime) -> None:
    self._replies, self.channel = replies, incoming.channel  # no rows written: `kept()` says no, send directly


ReplyKeep.__call__ = _keep_nothing  # type: ignore[method-assign]
