"""The shared ownership scenarios (transcripts.py) on the console: two terminals on one database,
the client's and the consultant's, each showing its own outbox rows as `licensebot chat` does."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from bot.engine import Engine
from bot.messages import Attachment
from channels.console import ConsoleSession, OutboxFeed, render
from intents.handoff_models import note_platform_id
from licensebot.app import build_services
from tests.conftest import make_settings
from tests.ownership.transcripts import CLIENT, CONSULTANT, SCENARIOS, number_beside, play


class ConsoleRig:
    def __init__(self, engine: Engine) -> None:
        services = engine.services
        self.sessions = {CLIENT: ConsoleSession(engine.handle, user="bob"),
                         CONSULTANT: ConsoleSession(engine.handle, user="alice")}
        self.feeds = {who: OutboxFeed(services.db, services.clock, [s.user], on_sent=note_platform_id)
                      for who, s in self.sessions.items()}
        self.screen = {CLIENT: "", CONSULTANT: ""}  # everything each terminal printed
        self.since = {CLIENT: "", CONSULTANT: ""}

    async def act(self, who: str, action: str, text: str) -> None:
        shown: dict[str, list[str]] = {CLIENT: [], CONSULTANT: []}
        session = self.sessions[who]
        if action == "file":  # the terminal cannot send files: the Incoming a file-capable channel makes
            incoming = replace(session.to_incoming(""), attachment=Attachment(text, b"%PDF-1.4"))
            shown[who] += [render(r) for r in session.handle(incoming)]
        else:
            line = text if action == "send" else number_beside(self.screen[who], text)
            shown[who] += [render(r) for r in session.send(line)]
        for side, feed in self.feeds.items():
            shown[side] += [self.sessions[side].received(item) for item in feed.take()]
        for side, parts in shown.items():
            self.since[side] = "\n".join(parts)
            self.screen[side] += "\n" + self.since[side]

    def seen(self, who: str) -> str:
        return self.since[who]


@pytest.fixture
def console(fresh_sqlite: str, clock) -> Iterator[ConsoleRig]:
    services = build_services(make_settings(fresh_sqlite, consultants="console:alice"), clock)
    yield ConsoleRig(Engine(services))
    services.db.dispose()


@pytest.mark.parametrize("name", SCENARIOS)
async def test_scenario_on_the_console(console: ConsoleRig, name: str):
    await play(console, SCENARIOS[name])
