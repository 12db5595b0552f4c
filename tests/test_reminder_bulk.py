"""The sweep at scale: stencils write the same JSON a dict would, bulk inserts store what the ORM stores,
and a sweep that dies between windows keeps whole licences and is completed by the next run."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, text

import scheduler.sqlutil as sqlutil
import scheduler.sweep as sweep_module
from bot.messages import ChatRef, Reply
from bot.outbox import enqueue
from bot.storage.db import Database
from bot.storage.models import Outbox
from registry.models import License, Reminder
from scheduler.milestones import annual_due, renewal_due
from scheduler.rules import Text, load_rules
from scheduler.sqlutil import insert_ignoring_duplicates
from scheduler.sweep import sweep
from scheduler.texts import (
    ANNUAL_BUTTONS,
    RENEWAL_BUTTONS,
    LicenseFacts,
    ReminderRenderer,
    license_name,
    show_date,
)
from tests.reminders_support import add_license

RULES = load_rules()
START = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
TODAY = RULES.today(START)
AWKWARD = ['测试公司', 'Quote " and \\ backslash', "{company} {0} {{braces}}", "tab\tnew\nline\r",
           "\x00\x1f\u2028 emoji 😀", "", "%s %d %(x)s", "a" * 300]


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    database.upgrade()
    yield database
    database.dispose()


def _expected(due, lic: LicenseFacts, lang: str, deliver_on: date, rules=RULES) -> dict:
    """The body written the plain way: the text's format_map, buttons and tags as a dict."""
    values = {"company": lic.company, "number": lic.number, "license": license_name(lic.license_type, lang)}
    if due.kind == "renewal":
        values |= {"expires_on": show_date(lic.expires_on, lang), "days_left": (lic.expires_on - deliver_on).days,
                   "apply_by": show_date(lic.expires_on - timedelta(days=rules.apply_days_before), lang),
                   "days_to_submit": max((lic.expires_on - timedelta(days=rules.apply_days_before) - deliver_on).days, 0)}
    else:
        closes = rules.closes_on(due.cycle)
        values |= {"year": due.cycle, "report_year": due.cycle - 1, "closes": show_date(closes, lang),
                   "days_to_close": max((closes - deliver_on).days, 0)}
    pick = 1 if lang == "en" else 0
    buttons = [[b[pick], b[2].replace("{id}", str(lic.id)).replace("{type}", lic.license_type)]
               for b in (RENEWAL_BUTTONS if due.kind == "renewal" else ANNUAL_BUTTONS)]
    tags = ["reminder", due.kind, due.milestone, f"license:{lic.id}", f"cycle:{due.cycle}", f"due:{due.due_on}"]
    return {"text": rules.texts[due.text].get(lang).format_map(values), "buttons": buttons, "tags": tags}


def test_every_reminder_text_is_stored_as_the_json_of_its_message_whatever_the_company_is_called():
    deliver_on = date(2027, 2, 16)
    renderer = ReminderRenderer(RULES, deliver_on)
    dues = [renewal_due(m, deliver_on + timedelta(days=40), 2) for m in RULES.renewal]
    dues += [annual_due(m, 2027) for m in RULES.annual]
    checked = 0
    for due in dues:
        for lang in ("zh", "en"):
            for i, company in enumerate(AWKWARD):
                lic = LicenseFacts(1000 + i, AWKWARD[-1 - i], company, ("icp", "call_center", 'x"y')[i % 3],
                                   deliver_on + timedelta(days=17 * i - 30))
                stored = renderer.body_json(due, lic, lang)
                expected = _expected(due, lic, lang, deliver_on)
                assert json.loads(stored) == expected
                assert stored == json.dumps(expected, ensure_ascii=False, separators=(",", ":"))
                checked += 1
    assert checked == (len(RULES.renewal) + len(RULES.annual)) * 2 * len(AWKWARD)


def test_a_text_with_format_specs_is_formatted_as_written():
    texts = dict(RULES.texts)
    texts["renewal_prepare"] = Text(zh="{company!r}：还有{days_left:>5}天，{license:.3}，{number}",
                                    en="{company!r} has {days_left:+d} days; {number:>12}|{expires_on}")
    texts["annual_open"] = Text(zh="{company}{year:05d}年报截止{closes!s}（{days_to_close:x}）", en="{report_year:,}")
    rules = replace(RULES, texts=texts)
    deliver_on = date(2027, 1, 10)
    renderer = ReminderRenderer(rules, deliver_on)
    renewal = next(m for m in rules.renewal if m.text == "renewal_prepare")
    annual = next(m for m in rules.annual if m.text == "annual_open")
    for due in (renewal_due(renewal, date(2027, 7, 1), 1), annual_due(annual, 2027)):
        for lang in ("zh", "en"):
            for company in AWKWARD[:4]:
                lic = LicenseFacts(7, "京B2-2020\"0001", company, "icp", date(2027, 7, 1))
                assert renderer.body(due, lic, lang) == _expected(due, lic, lang, deliver_on, rules)
    lic = LicenseFacts(7, "B2-1", "O'Neil", "icp", date(2027, 7, 1))
    assert renderer.body(renewal_due(renewal, date(2027, 7, 1), 1), lic, "en")["text"] == \
        '"O\'Neil" has +172 days;         B2-1|2027-07-01'


def test_bulk_insert_stores_what_the_orm_stores_and_only_new_keys(db, monkeypatch):
    monkeypatch.setattr(sqlutil, "ROWS_PER_STATEMENT", 2)  # SQLite: statements of two rows and a last one
    now = datetime(2027, 2, 16, 2, 0, tzinfo=UTC)
    body = {"text": "提醒 \"quoted\" \\ {x}", "buttons": [["已续期", "/license 1 renewed"]], "tags": ["reminder"]}
    rows = [("telegram", f"chat{i}", f"bulk-{i}", json.dumps(body, ensure_ascii=False)) for i in range(3)]
    names = ("channel", "chat_id", "dedupe_key", "body")

    def same(error: str) -> dict:
        return {"kind": "reminder", "status": "pending", "attempts": 0, "not_before": now, "created_at": now,
                "sent_at": None, "last_error": error}

    odd = "a\x00b" if db.is_sqlite else "b"  # SQLite: a NUL cannot be written as a literal (PostgreSQL: not at all)
    with db.session() as s:
        assert insert_ignoring_duplicates(s, Outbox.__table__, names, rows, ("dedupe_key",), same=same("it's"),
                                          json_text=("body",)) == 3
        enqueue(s, ChatRef("telegram", "orm"), Reply(body["text"], tags=("reminder",)), "reminder", "orm-1", now)
    with db.session() as s:
        more = [rows[1], ("telegram", "chat9", "bulk-9", json.dumps(body)), rows[2]]
        assert insert_ignoring_duplicates(s, Outbox.__table__, names, more, ("dedupe_key",), same=same(odd),
                                          json_text=("body",)) == 1
    with db.session() as s:
        stored = {o.dedupe_key: o for o in s.execute(select(Outbox)).scalars()}
        raw = dict(s.execute(text("SELECT dedupe_key, not_before FROM outbox")).all())
    assert sorted(stored) == ["bulk-0", "bulk-1", "bulk-2", "bulk-9", "orm-1"]
    for key, error in (("bulk-0", "it's"), ("bulk-1", "it's"), ("bulk-9", odd)):
        row = stored[key]
        assert row.body == body
        assert (row.kind, row.status, row.attempts, row.sent_at, row.last_error) == (
            "reminder", "pending", 0, None, error)
        assert row.not_before.replace(tzinfo=UTC) == now
        assert raw[key] == raw["orm-1"]  # the same stored form as a row the ORM wrote


def test_bulk_insert_converts_values_given_per_row_and_encodes_json_values(db):
    lid = add_license(db, "B2-20200021", TODAY + timedelta(days=30), TODAY, START)
    rows = [(lid, "d30", 1, TODAY), (lid, "d14", 1, TODAY + timedelta(days=16))]
    with db.session() as s:
        assert insert_ignoring_duplicates(s, Reminder.__table__, ("license_id", "milestone", "cycle", "due_on"),
                                          rows, ("license_id", "kind", "milestone", "cycle"),
                                          same={"kind": "renewal", "created_at": START}) == 2
        body = {"text": "x", "buttons": [], "tags": []}
        names = ("channel", "chat_id", "dedupe_key", "body", "kind", "status", "attempts", "not_before",
                 "created_at", "sent_at", "last_error")
        row = ("telegram", "c", "k", body, "reminder", "pending", 0, START, START, None, "")
        assert insert_ignoring_duplicates(s, Outbox.__table__, names, [row], ("dedupe_key",)) == 1
    with db.session() as s:
        assert sorted((r.milestone, r.due_on) for r in s.execute(select(Reminder)).scalars()) == [
            ("d14", TODAY + timedelta(days=16)), ("d30", TODAY)]
        assert s.execute(select(Outbox.body)).scalar_one() == body


def _licences(db: Database, n: int) -> dict[int, int]:
    """n licences due a renewal reminder now (every third with two subscribers); id → subscribers."""
    out = {}
    for i in range(n):
        chats = ("a", "b") if i % 3 == 0 else ("a",)
        lid = add_license(db, f"B2-2022{i:04d}", TODAY + timedelta(days=(90, 30, 0, 7)[i % 4]),
                          TODAY - timedelta(days=200), START, chats=chats, lang=("zh", "en")[i % 2])
        out[lid] = len(chats)
    return out


def _ledger_and_outbox(db: Database) -> tuple[set[int], dict[int, int]]:
    with db.session() as s:
        ledger = set(s.execute(select(Reminder.license_id)).scalars())
        keys = s.execute(select(Outbox.dedupe_key)).scalars().all()
    per: dict[int, int] = {}
    for key in keys:
        lid = int(key.split(":")[1])
        per[lid] = per.get(lid, 0) + 1
    return ledger, per


def test_a_sweep_that_dies_midway_keeps_whole_licences_and_the_next_one_completes_it(db, monkeypatch):
    licences = _licences(db, 11)
    with db.session() as s:  # gaps in the ids: windows count licences, not ids
        gone = list(licences)[4:6]
        s.execute(delete(License).where(License.id.in_(gone)))
    for lid in gone:
        del licences[lid]
    real = sweep_module.insert_ignoring_duplicates
    calls = []

    def dies_on_the_third_window(session, table, *args, **kwargs):
        calls.append(table.name)
        if calls.count("outbox") == 3:
            raise RuntimeError("power cut")
        return real(session, table, *args, **kwargs)

    monkeypatch.setattr(sweep_module, "insert_ignoring_duplicates", dies_on_the_third_window)
    with pytest.raises(RuntimeError):
        sweep(db, RULES, START, window=2)
    ledger, per = _ledger_and_outbox(db)
    done = list(licences)[:4]  # two windows of two licences
    assert ledger == set(done)
    assert per == {lid: licences[lid] for lid in done}  # every subscriber of a written licence, nobody else

    monkeypatch.setattr(sweep_module, "insert_ignoring_duplicates", real)
    report = sweep(db, RULES, START, window=2)
    assert (report.milestones, report.created) == (len(licences) - 4, sum(licences.values()) - 6)
    ledger, per = _ledger_and_outbox(db)
    assert ledger == set(licences) and per == licences
    again = sweep(db, RULES, START + timedelta(minutes=5), window=3)
    assert (again.milestones, again.created) == (0, 0)


def test_windows_of_any_size_write_the_same_messages(sqlite_url, tmp_path):
    bodies = []
    for size, url in ((1, sqlite_url), (5000, f"sqlite:///{tmp_path / 'other.db'}")):
        database = Database(url)
        database.upgrade()
        _licences(database, 9)
        jan = datetime(2027, 1, 10, 3, 0, tzinfo=UTC)  # the annual report's first milestone too
        report = sweep(database, RULES, jan, window=size)
        # a renewal reminder for each of the 12 subscribers; the annual report for licences valid in 2027
        # (every fourth: licences 0, 4 and 8, with 2 + 1 + 1 subscribers)
        assert (report.milestones, report.created) == (9 + 3, 12 + 4)
        with database.session() as s:
            bodies.append(sorted(s.execute(select(Outbox.dedupe_key, Outbox.body, Outbox.not_before)).all()))
            assert s.execute(select(func.count()).select_from(Reminder)).scalar_one() == 12
        database.dispose()
    assert bodies[0] == bodies[1]
