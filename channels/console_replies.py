"""The console's answers as outbox rows: written with the state they answer, marked sent once printed.

The terminal is the platform here: a reply is "accepted" when it is printed. A console killed after
the engine's commit and before printing shows the reply when it starts again (`OutboxFeed` takes the
chat's rows whose lease has ended); one killed between printing and marking shows it twice.
"""

from __future__ import annotations

from datetime import timedelta

from bot.engine import Engine
from bot.messages import Incoming, Reply
from bot.outbox import SendResult
from bot.replies import FastPath, ReplyKeep


class DurableReplies:
    """`handle` for a ConsoleSession: the engine's answer kept in the outbox; `shown` marks it sent."""

    def __init__(self, engine: Engine) -> None:
        services = engine.services
        self.engine = engine
        self.fast = FastPath(services.db, services.clock)
        self.lease = timedelta(seconds=services.settings.reply_lease_seconds)
        self._last: tuple[ReplyKeep, list[Reply]] | None = None

    def handle(self, incoming: Incoming) -> list[Reply]:
        """The replies to print now: none when earlier rows of this chat wait (the feed shows them in order)."""
        keep = ReplyKeep(self.lease)
        replies = self.engine.handle(incoming, keep=keep)
        self._last = (keep, replies)
        return [] if keep.kept(replies) and not keep.fast else replies

    def shown(self) -> None:
        """The last answer is on the screen: its rows are sent."""
        if self._last is None:
            return
        keep, replies = self._last
        self._last = None
        rows = keep.rows_for(replies)
        if rows:
            self.fast.record(keep.channel, rows, [SendResult(ok=True)] * len(rows))
