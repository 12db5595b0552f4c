"""PostgreSQL stopped and restarted while clients talk to the bot (a server of the test's own): a
message that meets the database down gets the "please send it again" reply and changes nothing; the
pooled connections are replaced (pinged when idle, bot/storage/db.py); nothing stored before is lost; /readyz tells."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select
from starlette.routing import BaseRoute

from bot.clock import FrozenClock
from bot.context import Services
from bot.engine import SORRY, Engine
from bot.storage.models import MessageLog
from licensebot.app import build_services
from licensebot.web import build_app
from tests.chat import ChatDriver
from tests.conftest import make_settings
from tests.fault.kit import wait_until
from tests.fault.pg_instance import PgInstance, private_postgres


class QuietChannel:
    """A channel with nothing to serve, so that /readyz has one to report."""

    name = "quiet"

    def routes(self) -> list[BaseRoute]:
        return []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


@pytest.fixture(scope="module")
def pg() -> Iterator[PgInstance]:
    with private_postgres() as instance:
        yield instance


@pytest.fixture
def bot(pg: PgInstance, clock: FrozenClock) -> Iterator[Services]:
    services = build_services(make_settings(pg.url, flood_per_minute=10_000), clock)
    yield services
    services.db.dispose()


async def readiness(services: Services) -> tuple[int, bool]:
    app = build_app(services, [QuietChannel()])  # type: ignore[list-item]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot") as http:
        response = await http.get("/readyz")
    return response.status_code, response.json()["database"]


def stored_messages(services: Services, clients: list[ChatDriver]) -> int:
    """Incoming messages of these clients in the message log."""
    with services.db.session() as s:
        return int(s.execute(select(func.count()).select_from(MessageLog).where(
            MessageLog.direction == "in", MessageLog.user_id.in_([c.user for c in clients]))).scalar_one())


async def test_a_message_sent_while_the_database_is_down_is_refused_and_can_be_sent_again(pg, bot):
    engine = Engine(bot)
    clients = [ChatDriver(engine, user=f"c{i}", channel="telegram", language="zh") for i in range(3)]
    for text, step in (("/renew", "（第1步）"), ("ICP", "（第2步）")):
        for client in clients:
            assert client.send(text)[0].text.startswith(step)
    before = stored_messages(bot, clients)

    pg.stop()
    assert await readiness(bot) == (503, False)
    assert clients[0].send("全网") == [SORRY]  # "please send it again"
    pg.start()
    assert await readiness(bot) == (200, True)

    for client in clients:  # the resend, and the others on pooled connections the restart broke
        assert client.send("全网")[0].text.startswith("（第3步）")
    assert stored_messages(bot, clients) == before + 3  # the refused message left no trace; nothing was lost


def test_a_restart_in_the_middle_of_traffic_costs_each_client_at_most_one_resend(pg, bot):
    engine = Engine(bot)
    clients = [ChatDriver(engine, user=f"t{i}", channel="telegram", language="zh") for i in range(4)]
    answered: dict[str, int] = {c.user: 0 for c in clients}
    refused: dict[str, int] = {c.user: 0 for c in clients}
    restarted = threading.Event()
    after_restart = {"answered": 0}
    odd: list[str] = []  # replies that were neither the answer nor the "send it again"
    stop = threading.Event()

    def traffic() -> None:  # clients take turns; one who is refused sends again once the database is back
        for _round in range(2000):
            for client in clients:
                if stop.is_set():
                    return
                while "测试答案" not in "".join(r.text for r in client.send("年报什么时候报")):
                    if client.replies != [SORRY]:
                        odd.append(client.text)
                    refused[client.user] += 1
                    wait_until(bot.db.ping, 30, "the database to come back", every=0.02)
                answered[client.user] += 1
                if restarted.is_set():
                    after_restart["answered"] += 1

    worker = threading.Thread(target=traffic, name="traffic")
    worker.start()
    try:
        wait_until(lambda: sum(answered.values()) >= 8, 30, "traffic to flow")
        old_server = pg.postmaster_pid()
        pg.stop()  # cuts the connections of whatever is being handled now
        pg.start()
        restarted.set()
        wait_until(lambda: after_restart["answered"] >= 8, 30, "traffic to flow after the restart")
    finally:
        stop.set()
        worker.join(timeout=30)
    assert pg.postmaster_pid() != old_server and odd == []
    assert all(n <= 1 for n in refused.values()), refused
    # Every answered message is stored. A refused one is normally not; only a connection cut during
    # COMMIT leaves the client unsure whether it was (then its resend is stored a second time).
    assert sum(answered.values()) <= stored_messages(bot, clients) <= sum(answered.values()) + sum(refused.values())
