"""Helpers for reminder tests: a recording fake channel, licences in bulk, a fake monotonic clock."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.clock import Clock
from bot.messages import Reply
from bot.outbox import SendResult
from bot.storage.db import Database
from registry.service import LicenseData, new_license, subscribe


@dataclass
class Sent:
    chat_id: str
    reply: Reply
    at: datetime

    def tag(self, prefix: str) -> str:
        return next(t.split(":", 1)[1] for t in self.reply.tags if t.startswith(prefix + ":"))


@dataclass
class FakeSender:
    """A channel that records what it is asked to send; `script` queues results per chat."""

    clock: Clock
    channel: str = "telegram"
    sent: list[Sent] = field(default_factory=list)
    script: dict[str, deque[SendResult]] = field(default_factory=dict)

    async def send(self, chat_id: str, reply: Reply) -> SendResult:
        queued = self.script.get(chat_id)
        result = queued.popleft() if queued else SendResult(ok=True, platform_id=str(len(self.sent)))
        if result.ok:
            self.sent.append(Sent(chat_id, reply, self.clock.now()))
        return result


class FakeTime:
    """A monotonic clock and a sleep that only advances it."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


def add_license(db: Database, number: str, expires_on: date, today: date, now: datetime, *,
                chats: tuple[str, ...] = ("c1",), channel: str = "telegram", company: str = "测试公司",
                license_type: str = "icp", issued_on: date | None = None, lang: str = "zh") -> int:
    with db.session() as s:
        lic = new_license(LicenseData(number, company, license_type, "nationwide", "", expires_on, issued_on),
                          today, now)
        s.add(lic)
        s.flush()
        for chat in chats:
            subscribe(s, lic, channel, chat, chat, lang, now)
        assert lic.id is not None
        return lic.id
