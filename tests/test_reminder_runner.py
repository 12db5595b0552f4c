"""Running the machinery: the APScheduler loop delivers and stops; run-once reports its counts."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from datetime import timedelta

import pytest

from bot.clock import SystemClock, business_today
from bot.messages import Reply
from bot.outbox import SendResult
from licensebot.runtime import run_forever, run_once
from scheduler.rules import load_rules
from tests.reminders_support import FakeSender, add_license
from tests.test_licenses_import import cli, write_csv

RULES = load_rules()


async def test_the_scheduler_loop_sweeps_delivers_and_stops(services, clock):
    today = RULES.today(clock.now())
    add_license(services.db, "京B2-20200001", today + timedelta(days=30), today - timedelta(days=5), clock.now())
    stop = asyncio.Event()

    class Stopping(FakeSender):
        async def send(self, chat_id: str, reply: Reply) -> SendResult:
            result = await super().send(chat_id, reply)
            stop.set()
            return result

    sender = Stopping(clock)
    await asyncio.wait_for(run_forever(services, {"telegram": sender}, RULES, stop), timeout=30)
    assert [s.reply.tags[:3] for s in sender.sent] == [("reminder", "renewal", "d30")]


async def test_run_once_counts_created_sent_and_failed(services, clock):
    today = RULES.today(clock.now())
    for i, chat in enumerate(("ok", "blocked")):
        add_license(services.db, f"京B2-2020000{i}", today + timedelta(days=7), today - timedelta(days=5),
                    clock.now(), chats=(chat,))
    sender = FakeSender(clock)
    sender.script["blocked"] = deque([SendResult(ok=False, permanent=True, error="blocked")])
    report = await run_once(services, RULES, {"telegram": sender})
    assert report.as_dict() == {"created": 2, "sent": 1, "deferred": 0, "failed": 1, "retrying": 0}
    again = await run_once(services, RULES, {"telegram": sender})
    assert (again.created, again.sent) == (0, 0)


def test_run_once_cli_reports_deferred_reminders_at_night(tmp_path, monkeypatch, capsys):
    db_file = tmp_path / "cli.db"
    today = business_today(SystemClock())  # the CLI registers imported licences as of today
    row = f"示例公司,icp,京B2-20200001,地网,北京,,{today + timedelta(days=120)},telegram,1001"
    cli(monkeypatch, capsys, db_file, "licenses", "import",
        str(write_csv(tmp_path / "list.csv", [row, row.replace("1001", "1002")])))
    night = f"{today + timedelta(days=30)}T22:30"  # the day the 90-days-before milestone comes due
    code, out, err = cli(monkeypatch, capsys, db_file, "reminders", "run-once", "--now", night, "--json")
    assert code == 0, err  # a month ahead of the real clock: counted, rolled back, nothing written or sent
    assert json.loads(out) == {"created": 2, "sent": 0, "deferred": 2, "failed": 0, "retrying": 0, "dry_run": True}
    assert "--write" in err and "scratch database" in err
    assert _outbox_rows(db_file) == 0
    code, out, err = cli(monkeypatch, capsys, db_file, "reminders", "run-once", "--now", night, "--json", "--write")
    assert code == 0, err
    assert json.loads(out) == {"created": 2, "sent": 0, "deferred": 2, "failed": 0, "retrying": 0}
    assert "scratch database" in err and _outbox_rows(db_file) == 2
    with pytest.raises(SystemExit):  # argparse: exit 2 with the reason
        cli(monkeypatch, capsys, db_file, "reminders", "run-once", "--now", "yesterday")
    assert "not an ISO date" in capsys.readouterr().err


def _outbox_rows(db_file) -> int:
    import sqlite3

    with sqlite3.connect(db_file) as conn:
        return conn.execute("SELECT count(*) FROM outbox WHERE kind = 'reminder'").fetchone()[0]


def test_time_travel_within_a_minute_of_the_real_clock_is_not_travel():
    from datetime import UTC, datetime

    from licensebot.cli.reminders import time_travels

    real = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    assert not time_travels(real + timedelta(seconds=59), real)
    assert time_travels(real + timedelta(seconds=61), real) and time_travels(real - timedelta(days=1), real)


def test_run_starts_the_scheduler_in_process_and_stops_it(settings):
    from licensebot.cli.run import start_scheduler

    stop = start_scheduler(settings)
    stop()  # returns once the thread has ended
    import threading

    assert "reminder-scheduler" not in {t.name for t in threading.enumerate()}
