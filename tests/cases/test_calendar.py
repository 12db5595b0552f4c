"""The calendar: an .ics from chat and a private, revocable subscription URL on the web app; it parses
with a standard iCalendar parser and holds the same dates as `reminders preview`."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
from icalendar import Calendar

from bot.clock import FrozenClock
from bot.engine import Engine
from bot.messages import Incoming
from bot.settings import Settings
from licensebot.app import build_services
from licensebot.web import build_app
from scheduler.ical_web import calendar_routes
from scheduler.preview import preview
from scheduler.rules import load_rules
from tests.cases.kit import add_client_license

START = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
RULES = load_rules()


def events(ics: bytes) -> dict[str, date]:
    cal = Calendar.from_ical(ics)
    out = {}
    for ev in cal.walk("VEVENT"):
        assert ev.walk("VALARM"), "every event has an alarm"
        out[str(ev["uid"])] = ev.decoded("dtstart")
    return out


async def test_ics_file_and_subscription_url(settings: Settings, tmp_path: Path) -> None:
    clock = FrozenClock(START)
    svc = build_services(replace(settings, public_base_url="https://bot.example.com"), clock)
    engine = Engine(svc)
    lid = add_client_license(svc.db, date(2026, 11, 27), START, channel="telegram", user="42")
    add_client_license(svc.db, date(2026, 11, 27), START, channel="telegram", user="99", number="B2-20210002")

    [reply] = engine.handle(Incoming("telegram", "42", "42", text="/calendar"))
    assert reply.attachment is not None and reply.attachment.filename.endswith(".ics")
    got = events(reply.attachment.content)
    with svc.db.session() as s:
        planned = [p for p in preview(s, RULES, date(2026, 11, 27), 800) if p.license_number == "京B2-20210001"]
    reminders = {uid: on for uid, on in got.items() if "-renewal-" in uid or "-annual-" in uid}
    assert sorted(reminders.values()) == sorted(p.due_on for p in planned)  # the same dates as preview
    assert got[f"{lid}-expires-1@licensebot"] == date(2027, 5, 20)
    assert got[f"{lid}-apply-by-1@licensebot"] == date(2027, 2, 19)
    assert not any(uid.startswith("2-") for uid in got)  # nobody else's licence

    [link] = engine.handle(Incoming("telegram", "42", "42", payload="/calendar link"))
    url = next(line for line in link.text.splitlines() if line.startswith("https://"))
    path = url.removeprefix("https://bot.example.com")
    app = build_app(svc, [], extra_routes=calendar_routes(svc))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot") as http:
        served = await http.get(path)
        assert served.status_code == 200 and served.headers["content-type"].startswith("text/calendar")
        assert events(served.content).keys() == got.keys()
        assert (await http.get(path.replace(path[10:20], "x" * 10))).status_code == 404  # a guessed token
        engine.handle(Incoming("telegram", "42", "42", payload="/calendar revoke"))
        assert (await http.get(path)).status_code == 404
    clock.advance(days=1)
    [again] = engine.handle(Incoming("telegram", "42", "42", payload="/calendar link"))
    assert path not in again.text  # a new token after revoking
    assert len(path.split("/")[-1].removesuffix(".ics")) >= 32
    svc.db.dispose()
