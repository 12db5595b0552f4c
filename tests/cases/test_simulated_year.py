"""A year of reminders, day by day, with acknowledgements, escalations and the weekly reminders after
expiry: every message arrives once, in order, and none about a renewal after it is marked renewed."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from bot.clock import FrozenClock
from bot.engine import Engine
from bot.messages import Incoming
from bot.settings import Settings
from licensebot.app import build_services
from licensebot.runtime import run_once
from registry import contacts
from scheduler.rules import load_rules
from tests.reminders_support import FakeSender, add_license

RULES = load_rules()
START = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
TODAY = date(2026, 11, 27)
CONSULTANT, LEGAL = "900", "777"


def test_a_year_of_case_aware_reminders(settings: Settings, tmp_path) -> None:
    clock = FrozenClock(START)
    svc = build_services(replace(settings, consultants=f"telegram:{CONSULTANT}", consultant_group="",
                                 case_files_dir=str(tmp_path / "files")), clock)
    engine = Engine(svc)
    acker = add_license(svc.db, "B2-20260001", TODAY + timedelta(days=200), TODAY, START, chats=("a",))
    silent = add_license(svc.db, "B2-20260002", TODAY + timedelta(days=100), TODAY, START, chats=("b",))
    renewer = add_license(svc.db, "B2-20260003", TODAY + timedelta(days=150), TODAY, START, chats=("c",))
    with svc.db.session() as s:
        code = contacts.invite(s, silent, "法定代表人", "telegram:b", START).code
    engine.handle(Incoming("telegram", LEGAL, LEGAL, text=f"/contact {code}"))

    def say(user: str, text: str) -> None:
        replies = engine.handle(Incoming("telegram", user, user, text=text))
        assert replies and "error" not in replies[0].tags, replies

    sender = FakeSender(clock)
    renewed_on = TODAY + timedelta(days=121)  # the day after its 30-day reminder, before it could escalate
    for day in range(366):
        today = TODAY + timedelta(days=day)
        clock.set(START + timedelta(days=day))
        if today == renewed_on:
            say("c", f"/license {renewer} renewed")
            say("c", str(today + timedelta(days=365 * 5)))
        before = len(sender.sent)
        asyncio.run(run_once(svc, RULES, {"telegram": sender}))
        for sent in sender.sent[before:]:
            if sent.chat_id == "a" and "renewal" in sent.reply.tags:
                say("a", f"/license {acker} ack")  # the client presses 已在处理 the day it arrives

    log: dict[str, list[tuple[str, ...]]] = {}
    for sent in sender.sent:
        log.setdefault(sent.chat_id, []).append((*sent.reply.tags[:3], sent.tag("license"), sent.tag("due")))
    for chat, items in log.items():
        assert not [k for k, n in Counter(items).items() if n > 1], f"{chat} got a message twice"
        dues = [i[4] for i in items]
        assert dues == sorted(dues), f"{chat} got messages out of order"

    weekly = ["d-1", "d-8", "d-15", "d-22", "d-29", "d-36", "d-43", "d-50", "d-57"]
    renewal = {c: [i[2] for i in items if i[1] == "renewal"] for c, items in log.items()}
    assert renewal["b"] == ["d120", "d90", "d60", "d30", "d14", "d7", "d1", "d0", *weekly]  # at most eight weekly
    assert renewal["a"][:2] == ["d180", "d120"] and renewal["a"][-1] == "d-57"
    assert renewal["c"] == ["d180", "d120", "d90", "d60", "d30"]  # nothing after 已续期
    assert all(date.fromisoformat(i[4]) < renewed_on for i in log["c"] if i[1] == "renewal")
    escalated = [(i[2], i[3]) for i in log[LEGAL]]
    assert escalated == [("d30", str(silent)), ("d14", str(silent))]  # never the acknowledged or renewed ones
    assert [(i[2], i[3]) for i in log[CONSULTANT] if i[1] == "escalation"] == escalated
    first_d30 = next(s for s in sender.sent if s.chat_id == LEGAL)
    assert first_d30.at.date() - date.fromisoformat(first_d30.tag("due")) >= timedelta(days=RULES.escalate_after_days)
    svc.db.dispose()


def test_a_licence_registered_inside_the_14_day_window_has_two_days_to_acknowledge(settings: Settings, tmp_path) -> None:
    clock = FrozenClock(START)
    svc = build_services(replace(settings, consultants=f"telegram:{CONSULTANT}", consultant_group=""), clock)
    add_license(svc.db, "B2-20260009", TODAY + timedelta(days=10), TODAY, START, chats=("z",))
    sender = FakeSender(clock)
    got = []
    for hours in (0, 24, 47, 49):  # the 14-day reminder is caught up at once; escalated after 48 hours
        clock.set(START + timedelta(hours=hours))
        asyncio.run(run_once(svc, RULES, {"telegram": sender}))
        got.append([s.reply.tags[1] for s in sender.sent if s.chat_id == CONSULTANT])
    assert got == [[], [], [], ["escalation"]]
    svc.db.dispose()
