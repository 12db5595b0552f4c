"""A web console on a real database: the app of `licensebot run` (console pages, no channels)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.clock import FrozenClock
from bot.context import Services
from bot.engine import Engine
from licensebot.app import build_services
from licensebot.web import build_app
from tests.chat import ChatDriver
from tests.conftest import make_settings
from workspace.auth import issue_link
from workspace.web import routes

CONSULTANTS = "console:alice,telegram:42"


@dataclass
class Desk:
    services: Services
    engine: Engine
    client: TestClient
    clock: FrozenClock

    def link_token(self, consultant: str = "console:alice") -> str:
        with self.services.db.session() as session:
            token = issue_link(session, consultant, self.clock.now())
            session.commit()
        return token

    def sign_in(self, consultant: str = "console:alice") -> str:
        """Signs in through a fresh link; returns the page's CSRF token."""
        response = self.client.post("/console/login", data={"t": self.link_token(consultant)}, follow_redirects=False)
        assert response.status_code == 303, response.text
        return self.csrf()

    def csrf(self, path: str = "/console") -> str:
        page = self.client.get(path)
        assert page.status_code == 200, page.text
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found is not None
        return found.group(1)

    def person(self, user: str) -> ChatDriver:
        return ChatDriver(self.engine, user=user)


def make_desk(db_url: str, clock: FrozenClock, approved: Path, **overrides: object) -> Iterator[Desk]:
    settings = make_settings(db_url, consultants=CONSULTANTS, kb_approved_dir=str(approved), **overrides)
    services = build_services(settings, clock)
    app = build_app(services, [], (), routes(services))
    with TestClient(app) as client:
        yield Desk(services, Engine(services), client, clock)
    services.db.dispose()


@pytest.fixture
def desk(fresh_sqlite: str, clock: FrozenClock, tmp_path: Path) -> Iterator[Desk]:
    yield from make_desk(fresh_sqlite, clock, tmp_path / "approved")


@pytest.fixture
def desk_any(db_url: str, clock: FrozenClock, tmp_path: Path) -> Iterator[Desk]:
    """The same on SQLite and on PostgreSQL."""
    yield from make_desk(db_url, clock, tmp_path / "approved")
