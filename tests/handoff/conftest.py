"""Fixtures for the hand-off tests: consultants configured, chats on any channel, the Outbox as mailboxes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime

import pytest
from sqlmodel import col, select

from bot.clock import SHANGHAI, FrozenClock
from bot.context import Services
from bot.engine import Engine
from bot.messages import Reply
from bot.outbox import body_to_reply
from bot.storage.models import Outbox
from intents.handoff_models import Ticket, note_platform_id
from licensebot.app import build_services
from tests.chat import ChatDriver
from tests.conftest import make_settings

CONSULTANTS = "wecom:zhangsan, wecom:lisi, console:alice"
GROUP = ("wecom", "consultants-room")


def shanghai(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


class Hub:
    """One bot with its database: drivers for clients and consultants, and what the Outbox holds."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.engine = Engine(services)
        self._seen: dict[tuple[str, str], int] = {}

    def client(self, user: str = "1001", channel: str = "telegram", language: str | None = None) -> ChatDriver:
        return ChatDriver(self.engine, user=user, channel=channel, language=language)

    def consultant(self, user: str = "zhangsan", channel: str = "wecom", chat_id: str | None = None) -> ChatDriver:
        return ChatDriver(self.engine, user=user, channel=channel, chat_id=chat_id)

    def rows(self, channel: str | None = None, chat_id: str | None = None) -> list[Outbox]:
        with self.services.db.session() as s:
            stmt = select(Outbox).order_by(col(Outbox.id))
            if channel is not None:
                stmt = stmt.where(Outbox.channel == channel)
            if chat_id is not None:
                stmt = stmt.where(Outbox.chat_id == chat_id)
            return list(s.exec(stmt).all())

    def inbox(self, channel: str, chat_id: str) -> list[Reply]:
        """Outbox messages for this chat not read through this helper before (what the chat would show)."""
        seen = self._seen.get((channel, chat_id), 0)
        rows = [r for r in self.rows(channel, chat_id) if (r.id or 0) > seen]
        if rows:
            self._seen[(channel, chat_id)] = rows[-1].id or 0
        return [body_to_reply(r.body) for r in rows]

    def deliver_to(self, driver: ChatDriver) -> list[Reply]:
        """The driver's chat receives its pending Outbox messages (so their buttons can be pressed)."""
        replies = self.inbox(driver.channel, driver.chat_id)
        driver.receive(replies)
        return replies

    def sent_with_platform_id(self, channel: str, chat_id: str, platform_id: str) -> Outbox:
        """Pretend the dispatcher sent the last row for this chat and learned its message id."""
        row = self.rows(channel, chat_id)[-1]
        with self.services.db.session() as s:
            note_platform_id(s, row.id or 0, platform_id)
        return row

    def ticket(self, ticket_id: int = 1) -> Ticket:
        with self.services.db.session() as s:
            found = s.get(Ticket, ticket_id)
            assert found is not None, f"no ticket #{ticket_id}"
            return found

    def tickets(self) -> list[Ticket]:
        with self.services.db.session() as s:
            return list(s.exec(select(Ticket).order_by(col(Ticket.id))).all())


def _hub(url: str, clock: FrozenClock, **overrides: object) -> Iterator[Hub]:
    settings = make_settings(url, consultants=CONSULTANTS, consultant_group=":".join(GROUP), **overrides)
    services = build_services(settings, clock)
    yield Hub(services)
    services.db.dispose()


@pytest.fixture
def hub(fresh_sqlite: str, clock: FrozenClock) -> Iterator[Hub]:
    """SQLite only: most hand-off tests."""
    yield from _hub(fresh_sqlite, clock)


@pytest.fixture
def hub_any(db_url: str, clock: FrozenClock) -> Iterator[Hub]:
    """On SQLite and on PostgreSQL: the full loops."""
    yield from _hub(db_url, clock)


@pytest.fixture
def make_hub(fresh_sqlite: str, clock: FrozenClock) -> Iterator:
    """A hub with other settings (e.g. no consultants, another knowledge folder)."""
    made: list[Hub] = []

    def make(**overrides: object) -> Hub:
        knowledge_dir = overrides.pop("knowledge_dir", None)
        settings = make_settings(fresh_sqlite, **overrides)
        if knowledge_dir is not None:
            settings = replace(settings, knowledge_dir=str(knowledge_dir))
        h = Hub(build_services(settings, clock))
        made.append(h)
        return h

    yield make
    for h in made:
        h.services.db.dispose()
