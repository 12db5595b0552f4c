"""Benchmark: the reminder sweep over 100,000 licences, and the dispatcher against a fake channel.

    /work/.venv/bin/python bench/reminders_bench.py [--licenses 100000] [--dispatch 20000] [--cold-runs 3] [--db-url URL]

Two scenarios, each on a fresh database of licences registered two years earlier (so every licence
catches up with its latest renewal milestone): an ordinary day, and a day in the annual-report window
when every licence is also due an annual-report reminder (the worst case: one message per licence).
Prints the first sweep (cold: the outbox fills; target ≤ 5 s on SQLite), a second sweep at the same
moment and one five minutes later (warm: nothing new; target ≤ 2 s), the process's peak memory
(target ≤ 300 MB), and the dispatcher's throughput against a fake channel with the rate limit off.
Wall and CPU time are both printed: on a shared machine the difference is time spent waiting for a CPU.
On SQLite the cold sweep runs --cold-runs times, each on a copy of the freshly populated database.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, text

from bot.clock import FrozenClock
from bot.messages import Reply
from bot.outbox import SendResult
from bot.storage.db import Database
from bot.storage.models import Outbox
from registry.models import License, Subscription
from scheduler.dispatcher import Dispatcher, DispatchPolicy
from scheduler.rules import load_rules
from scheduler.sqlutil import chunks
from scheduler.sweep import sweep

ORDINARY = datetime(2027, 5, 11, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, outside the annual-report window
NOW = datetime(2027, 2, 16, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, the day after mid-February's annual milestone
TYPES = ("icp", "edi", "idc", "cdn", "sp", "call_center")


class FakeChannel:
    """A local channel that accepts everything at once (no network, no rate limit)."""

    channel = "telegram"

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, chat_id: str, reply: Reply) -> SendResult:
        self.sent += 1
        return SendResult(ok=True, platform_id=str(self.sent))


def populate(db: Database, n: int, today: date) -> None:
    rnd = random.Random(2027)
    since = today - timedelta(days=730)  # registered two years ago: every milestone since is due
    lics, subs = [], []
    for i in range(1, n + 1):
        expires = today + timedelta(days=rnd.randint(-30, 5 * 365))
        lics.append({"id": i, "number": f"B2-{2000 + i % 25}{i:06d}", "company": f"示例公司{i}",
                     "license_type": TYPES[i % len(TYPES)], "scope": "nationwide", "province": "",
                     "issued_on": date(2021, 1, 1), "expires_on": expires, "cycle": 1, "tracked_from": since,
                     "horizon_days": (expires - since).days, "created_on": since, "annual_done_year": None,
                     "source": "import", "created_at": NOW, "updated_at": NOW})
        subs.append({"license_id": i, "channel": "telegram", "chat_id": str(100000 + i), "user_id": str(100000 + i),
                     "lang": "en" if i % 5 == 0 else "zh", "status": "active", "paused_reason": "", "created_at": NOW})
    with db.session() as s:
        for table, rows in ((License.__table__, lics), (Subscription.__table__, subs)):  # type: ignore[attr-defined]
            for batch in chunks(rows, 5000):
                s.execute(insert(table), list(batch))


def timed(label: str, fn):
    start, cpu = time.perf_counter(), time.process_time()
    result = fn()
    print(f"{label:<38} {time.perf_counter() - start:6.2f} s wall {time.process_time() - cpu:6.2f} s cpu   {result}")
    return result


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def sweeps(db: Database, now: datetime, cold_runs: int) -> Database:
    """The cold sweep (cold_runs times, from a copy of the populated SQLite file), then two warm ones."""
    rules = load_rules()
    restore = _restorer(db) if cold_runs > 1 else None
    for run in range(cold_runs):
        if restore is not None and run:
            db = restore(db)
        label = "sweep 1 (cold: fills the outbox)" + (f" #{run + 1}" if cold_runs > 1 else "")
        timed(label, lambda db=db: sweep(db, rules, now))
    timed("sweep 2 (warm, same moment)", lambda: sweep(db, rules, now))
    timed("sweep 3 (warm, five minutes later)", lambda: sweep(db, rules, now + timedelta(minutes=5)))
    return db


def _restorer(db: Database):
    """Keep a copy of the SQLite file as populated; the function puts it back and opens it again."""
    path = Path(db.engine.url.database or "")
    pristine = path.with_suffix(".populated")
    db.dispose()  # the last connection closing checkpoints the WAL into the file
    shutil.copyfile(path, pristine)

    def restore(used: Database) -> Database:
        used.dispose()
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(pristine, path)
        return Database(used.url)

    return restore


def fresh_db(url: str, folder: str, name: str) -> Database:
    db = Database(url or f"sqlite:///{folder}/{name}.db")
    db.upgrade()
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--licenses", type=int, default=100_000)
    parser.add_argument("--dispatch", type=int, default=20_000, help="outbox rows to deliver for the throughput")
    parser.add_argument("--cold-runs", type=int, default=3, help="cold sweeps from the same start (SQLite only)")
    parser.add_argument("--db-url", default="", help="default: a fresh SQLite file in a temporary folder")
    args = parser.parse_args()
    cold_runs = 1 if args.db_url else max(args.cold_runs, 1)
    folder = tempfile.TemporaryDirectory()
    rules = load_rules()
    for title, now in (("an ordinary day", ORDINARY), ("the annual-report window (every licence due)", NOW)):
        db = fresh_db(args.db_url, folder.name, now.strftime("%m%d"))
        print(f"\n{db.engine.dialect.name}, {args.licenses:,} licences with one subscriber each, registered two "
              f"years earlier; {title}: now = {now.isoformat()}")
        timed("populate", lambda db=db, now=now: populate(db, args.licenses, rules.today(now)) or "done")
        db = sweeps(db, now, cold_runs)
        print(f"{'peak memory (max RSS of the process)':<38} {peak_mb():6.0f} MB")
        if now != NOW:
            db.dispose()
            if args.db_url:
                _truncate(db)
    with db.session() as s:
        pending = s.execute(select(func.count()).select_from(Outbox).where(Outbox.status == "pending")).scalar_one()
    channel = FakeChannel()
    dispatcher = Dispatcher(db, {"telegram": channel}, FrozenClock(NOW),
                            policy=DispatchPolicy(batch_size=500, concurrency=64))

    async def deliver() -> None:
        while channel.sent < min(args.dispatch, pending):
            if (await dispatcher.dispatch_once()).claimed == 0:
                break

    start, cpu = time.perf_counter(), time.process_time()
    asyncio.run(deliver())
    elapsed = time.perf_counter() - start
    print(f"{'dispatch (fake channel, no rate limit)':<38} {elapsed:6.2f} s wall {time.process_time() - cpu:6.2f} s cpu   "
          f"{channel.sent:,} messages, {channel.sent / elapsed:,.0f} messages/s ({pending:,} were pending)")
    print(f"load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
          "(wall > cpu means the process waited for a CPU)")
    db.dispose()
    folder.cleanup()


def _truncate(db: Database) -> None:
    with db.session() as s:
        s.execute(text("TRUNCATE outbox, reminders, license_subscriptions, licenses RESTART IDENTITY CASCADE"))


if __name__ == "__main__":
    main()
