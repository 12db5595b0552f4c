"""/metrics moves with what happens: a FAQ answer, a reminder sent (and one refused), a ticket claimed."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.clock import FrozenClock
from bot.context import Services
from bot.engine import Engine
from bot.outbox import SendResult
from licensebot.app import build_services
from licensebot.runtime import GAUGES, run_once
from licensebot.web import build_app
from scheduler.rules import load_rules
from tests.chat import ChatDriver
from tests.conftest import make_settings
from tests.reminders_support import FakeSender, add_license

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
def staffed(sqlite_url: str, clock: FrozenClock) -> Iterator[Services]:
    services = build_services(make_settings(sqlite_url, consultants="console:alice"), clock)
    yield services
    services.db.dispose()


async def scrape(services: Services) -> Samples:
    app = build_app(services, [], gauges=GAUGES)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot") as http:
        response = await http.get("/metrics")
    assert response.status_code == 200
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


async def test_a_faq_answer_a_reminder_and_a_claim_move_the_counters(staffed, clock):
    engine = Engine(staffed)
    before = await scrape(staffed)

    client = ChatDriver(engine, user="bob")
    client.send("ICP证续期要准备哪些材料？")
    assert "测试答案" in client.text

    rules = load_rules()
    today = rules.today(clock.now())
    for number, chat in (("京B2-20200001", "reached"), ("京B2-20200002", "blocked")):
        add_license(staffed.db, number, today + timedelta(days=30), today - timedelta(days=5), clock.now(),
                    chats=(chat,))
    sender = FakeSender(clock)
    sender.script["blocked"] = deque([SendResult(ok=False, permanent=True, error="forbidden: bot was blocked")])
    report = await run_once(staffed, rules, {"telegram": sender})
    assert (report.created, report.sent, report.failed) == (2, 1, 1)

    client.send("转人工")
    waiting = await scrape(staffed)
    clock.advance(minutes=4)
    alice = ChatDriver(engine, user="alice")
    alice.send("/claim 1")
    assert "consult-claimed" in alice.tags
    after = await scrape(staffed)

    assert moved(before, after, "licensebot_messages_in_total", channel="console") == 3
    assert moved(before, after, "licensebot_faq_decisions_total", decision="answer") == 1
    assert moved(before, after, "licensebot_reminders_total", event="created") == 2
    assert moved(before, after, "licensebot_reminders_total", event="sent") == 1
    assert moved(before, after, "licensebot_reminders_total", event="failed") == 1
    assert moved(before, after, "licensebot_send_errors_total", channel="telegram", kind="permanent") == 1
    assert waiting[("licensebot_handoff_queue", (("state", "waiting"),))] == 1
    assert after[("licensebot_handoff_queue", (("state", "waiting"),))] == 0
    assert after[("licensebot_handoff_queue", (("state", "claimed"),))] == 1
    assert moved(before, after, "licensebot_handoff_wait_seconds_count") == 1
    assert moved(before, after, "licensebot_handoff_wait_seconds_sum") == pytest.approx(240)
