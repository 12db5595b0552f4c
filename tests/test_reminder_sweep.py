"""The sweep: every configured reminder exactly once, in order, across a simulated year.

Time is injected (FrozenClock); the sweep and the dispatcher run every 23 hours of simulated time, so
every day is visited at a different hour, quiet hours included.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import func, select

from bot.clock import FrozenClock
from bot.storage.db import Database
from bot.storage.models import Outbox
from registry.models import License, Reminder
from registry.service import mark_annual_done, mark_renewed
from scheduler.dispatcher import Dispatcher
from scheduler.milestones import upcoming
from scheduler.rules import load_rules
from scheduler.sweep import sweep
from tests.reminders_support import FakeSender, add_license

RULES = load_rules()
START = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
TODAY = RULES.today(START)


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    database.upgrade()
    yield database
    database.dispose()


def _count(db: Database, model) -> int:
    with db.session() as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_a_year_of_reminders_arrives_exactly_once_in_order_outside_quiet_hours(sqlite_url):
    db = Database(sqlite_url)
    db.upgrade()
    clock = FrozenClock(START)
    rnd = random.Random(6)
    licences: dict[int, dict] = {}
    for i in range(240):
        chats = (f"chat{i}", f"chat{i}b") if i % 10 == 0 else (f"chat{i}",)
        issued = TODAY + timedelta(days=60) if i % 17 == 0 else TODAY - timedelta(days=rnd.randint(30, 1500))
        expires = TODAY + timedelta(days=rnd.randint(-3, 420))
        lid = add_license(db, f"B2-2020{i:04d}", expires, TODAY, START, chats=chats, issued_on=issued,
                          lang="en" if i % 7 == 0 else "zh")
        licences[lid] = {"expires": expires, "issued": issued, "chats": chats}
    renewed, annual_done = next(iter(licences)), list(licences)[1]
    licences[renewed]["expires"] = TODAY + timedelta(days=100)
    with db.session() as s:
        s.get(License, renewed).expires_on = TODAY + timedelta(days=100)
        s.get(License, renewed).horizon_days = 100
    sender = FakeSender(clock)
    dispatcher = Dispatcher(db, {"telegram": sender}, clock, quiet=RULES.quiet)
    end = START + timedelta(days=365)
    crashed = False

    async def travel() -> None:
        nonlocal db, dispatcher, crashed
        while clock.now() < end:
            today = RULES.today(clock.now())
            if today == TODAY + timedelta(days=50) and licences[renewed].get("renewed_on") is None:
                with db.session() as s:
                    mark_renewed(s, s.get(License, renewed), TODAY + timedelta(days=300), today, clock.now())
                licences[renewed]["renewed_on"] = today
            if today == date(2027, 2, 1) and licences[annual_done].get("done") is None:
                with db.session() as s:
                    mark_annual_done(s, s.get(License, annual_done), 2027, clock.now())
                licences[annual_done]["done"] = True
            created = sweep(db, RULES, clock.now()).created
            if not crashed and today > TODAY + timedelta(days=200) and created and not RULES.quiet.is_quiet(clock.now()):
                dispatcher.claim(clock.now())  # the process dies holding these rows…
                db.dispose()  # …and a new one starts on the same database
                db = Database(sqlite_url)
                dispatcher = Dispatcher(db, {"telegram": sender}, clock, quiet=RULES.quiet)
                crashed = True
            await dispatcher.drain()
            clock.advance(hours=23)

    asyncio.run(travel())
    assert crashed
    last_day = RULES.today(clock.now() - timedelta(hours=23))  # the last day visited
    got: dict[tuple[str, str], list[tuple[str, str, int]]] = defaultdict(list)
    for sent in sender.sent:
        assert not RULES.quiet.is_quiet(sent.at), f"sent in quiet hours: {sent.at}"
        due_on = date.fromisoformat(sent.tag("due"))
        assert sent.at >= datetime.combine(due_on, time(9), RULES.tz), "sent before its day"
        if due_on < last_day:
            got[(sent.tag("license"), sent.reply.tags[1])].append((sent.reply.tags[2], sent.chat_id,
                                                                     int(sent.tag("cycle"))))
    expected: dict[tuple[str, str], list[tuple[str, str, int]]] = defaultdict(list)
    for lid, info in licences.items():
        for due in _expected(info, last_day - timedelta(days=1)):
            for chat in info["chats"]:
                expected[(str(lid), due.kind)].append((due.milestone, chat, due.cycle))
    assert sum(len(v) for v in expected.values()) > 1500
    for key in expected.keys() | got.keys():
        for chat in {c for _, c, _ in expected[key]} | {c for _, c, _ in got[key]}:
            # each subscriber gets each milestone once, in due order
            assert [(m, cy) for m, c, cy in got[key] if c == chat] == \
                   [(m, cy) for m, c, cy in expected[key] if c == chat], (key, chat)
    # registered 100 days before expiry: the 120-day milestone at once; renewed on day 50; then weekly
    # after the new expiry (day 300) until the year ends
    renewed_got = [m for m, c, _ in got[(str(renewed), "renewal")] if c == "chat0"]
    assert renewed_got == ["d120", "d90", "d60", "d180", "d120", "d90", "d60", "d30", "d14", "d7", "d1", "d0", "d-1",
                           "d-8", "d-15", "d-22", "d-29", "d-36", "d-43", "d-50", "d-57"][:len(renewed_got)]
    assert len(renewed_got) >= 18
    assert [m for m, _, _ in got[(str(annual_done), "annual")]] == ["early_jan"]
    db.dispose()


def _expected(info: dict, last: date) -> list:
    """What the rules say this licence's subscribers get between TODAY and `last`."""
    def dues(expires: date, cycle: int, start: date) -> list:
        return upcoming(RULES, expires_on=expires, cycle=cycle, tracked_from=start, created_on=TODAY,
                        issued_on=info["issued"], annual_done_year=None, start=start, end=last)

    whole = dues(info["expires"], 1, TODAY)
    out = [d for d in whole if d.kind == "annual" and not ("done" in info and d.due_on >= date(2027, 2, 1))]
    if "renewed_on" in info:
        r = info["renewed_on"]
        out += [d for d in whole if d.kind == "renewal" and d.due_on < r]
        out += [d for d in dues(TODAY + timedelta(days=300), 2, r) if d.kind == "renewal"]
    else:
        out += [d for d in whole if d.kind == "renewal"]
    return out


def test_sweeping_twice_or_on_two_workers_at_once_writes_each_reminder_once(db, db_url):
    for i in range(60):
        add_license(db, f"B2-2021{i:04d}", TODAY + timedelta(days=(90, 30, 0, -1)[i % 4]), TODAY - timedelta(days=200),
                    START, chats=("a", "b") if i % 3 == 0 else ("a",))
    barrier = threading.Barrier(2)
    reports = []

    def worker() -> None:
        own = Database(db_url)  # a separate engine: its own connections and sessions
        barrier.wait()
        reports.append(sweep(own, RULES, START))
        own.dispose()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.milestones for r in reports) == 60
    assert sum(r.created for r in reports) == 80
    again = sweep(db, RULES, START + timedelta(minutes=5))
    assert (again.milestones, again.created) == (0, 0)
    assert (_count(db, Reminder), _count(db, Outbox)) == (60, 80)


def test_after_downtime_only_the_latest_missed_milestone_goes_out(db):
    lid = add_license(db, "京B2-20200001", TODAY + timedelta(days=100), TODAY, START)
    sweep(db, RULES, START)  # registered inside the 120-day window: that milestone at once, not 180 too
    with db.session() as s:
        (first,) = s.exec(select(Reminder).where(Reminder.kind == "renewal")).all()
    assert first.milestone == "d120" and _count(db, Outbox) == 1
    back = START + timedelta(days=45)  # down while 90 (day 10) and 60 (day 40) came due
    report = sweep(db, RULES, back)
    assert (report.milestones, report.created) == (2, 2)  # d60, and the annual report's early_jan
    with db.session() as s:
        (row,) = s.exec(select(Reminder).where(Reminder.kind == "renewal", Reminder.milestone != "d120")).all()
        (out,) = s.exec(select(Outbox).where(Outbox.dedupe_key.startswith(f"rem:{lid}:renewal:d60:"))).all()
    assert (row.license_id, row.milestone, row.cycle) == (lid, "d60", 1)
    assert out.dedupe_key == f"rem:{lid}:renewal:d60:1:1"
    assert "还有55天" in out.body["text"] and "第二十七条" in out.body["text"]


def test_reminders_due_in_quiet_hours_wait_for_the_morning(db):
    add_license(db, "京B2-20200002", TODAY + timedelta(days=31), TODAY, START)
    night = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai, the day 30 comes due
    report = sweep(db, RULES, night)
    assert (report.created, report.deferred) == (1, 1)
    with db.session() as s:
        (out,) = s.exec(select(Outbox)).all()
    assert out.not_before.replace(tzinfo=UTC) == datetime(2026, 11, 29, 1, 0, tzinfo=UTC)  # 09:00 next day
    assert "还有29天" in out.body["text"]  # as of the day it will be read


def test_paused_subscribers_and_licences_without_subscribers_get_nothing(db):
    from registry.models import Subscription
    from registry.service import set_paused

    lid = add_license(db, "京B2-20200003", TODAY + timedelta(days=30), TODAY - timedelta(days=10), START,
                      chats=("a", "b"))
    with db.session() as s:
        sub = s.exec(select(Subscription).where(Subscription.chat_id == "b")).one()
        set_paused(s, [sub], True, "on holiday")
    assert sweep(db, RULES, START).created == 1
    with db.session() as s:
        assert [o.chat_id for o in s.exec(select(Outbox))] == ["a"]
        for sub in s.exec(select(Subscription).where(Subscription.license_id == lid)):
            set_paused(s, [sub], True, "all away")
    with db.session() as s:
        s.get(License, lid).expires_on = TODAY + timedelta(days=14)
    assert sweep(db, RULES, START).milestones == 0  # nobody listening: not even the ledger row


def test_english_subscribers_get_english_reminders_with_buttons(db):
    lid = add_license(db, "B2-20200004", TODAY + timedelta(days=7), TODAY - timedelta(days=10), START, lang="en")
    sweep(db, RULES, START)
    with db.session() as s:
        (out,) = s.exec(select(Outbox)).all()
    assert out.body["text"].startswith("[Renewal] The ICP licence of 测试公司 (B2-20200004) expires on 2026-12-04")
    assert [b[1] for b in out.body["buttons"]] == [f"/license {lid} ack", f"/upload {lid}", "/human",
                                                   f"/license {lid} renewed"]


def test_annual_report_reminders_skip_licences_issued_this_year_and_filed_ones(db):
    jan = datetime(2027, 1, 10, 3, 0, tzinfo=UTC)
    old = add_license(db, "B2-20200005", date(2029, 1, 1), TODAY, START, issued_on=date(2024, 5, 1))
    add_license(db, "B2-20270006", date(2032, 1, 1), TODAY, START, issued_on=date(2027, 1, 3))
    filed = add_license(db, "B2-20200007", date(2029, 1, 1), TODAY, START)
    with db.session() as s:
        mark_annual_done(s, s.get(License, filed), 2027, START)
    assert sweep(db, RULES, jan).milestones == 1
    with db.session() as s:
        (row,) = s.exec(select(Reminder)).all()
        (out,) = s.exec(select(Outbox)).all()
    assert (row.license_id, row.kind, row.milestone, row.cycle) == (old, "annual", "early_jan", 2027)
    assert "2026年度" in out.body["text"] and "电信业务市场综合管理信息系统" in out.body["text"]


def test_rows_written_by_the_sweep_are_stored_like_any_other_and_go_out_at_once(db):
    from sqlalchemy import text

    from bot.messages import ChatRef, Reply
    from bot.outbox import enqueue

    add_license(db, "京B2-20200012", TODAY + timedelta(days=7), TODAY - timedelta(days=10), START)
    sweep(db, RULES, START)
    with db.session() as s:
        enqueue(s, ChatRef("telegram", "x"), Reply("relay"), "relay", "relay-1", START)
    with db.session() as s:
        stored = s.execute(text("SELECT not_before, created_at FROM outbox ORDER BY id")).all()
    assert stored[0] == stored[1]  # same instant, same stored form, whoever wrote it
    sender = FakeSender(FrozenClock(START))
    report = asyncio.run(Dispatcher(db, {"telegram": sender}, FrozenClock(START)).drain())
    assert report.sent == 2
