"""Engine benchmark: CPU per message of Engine.handle (routing, search, state load and save, logs),
without any channel, on SQLite and on a private PostgreSQL database.

    python bench/engine_bench.py [--messages 1500] [--threads 1,4] [--no-postgres] [--plain]

Each of bench/load.py's scripts (FAQ questions, the renewal checklist by buttons, a hand-off request)
runs on 50 chats in turn; the numbers are process CPU time per message (what a worker pays, whatever
else the machine is doing), on PostgreSQL plus the CPU time of the server processes serving the
benchmark's database ("worker + server = total"), and messages per second of wall time. --threads runs the same messages from
several threads at once, as a worker's thread pool does. By default each message's replies are kept as
outbox rows in the engine's transaction, then "sent" (to a platform that accepts at once) and marked
sent by the channels' fast path (FastPath.send_rows in bot/replies.py, on an event loop per thread);
--plain measures Engine.handle alone, without the outbox.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load_parts import SCRIPTS, Script, cpu_seconds, database_backends  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.messages import Incoming, Reply  # noqa: E402
from bot.outbox import SendResult  # noqa: E402
from bot.replies import FastPath, ReplyKeep  # noqa: E402
from bot.settings import Settings  # noqa: E402
from licensebot.app import build_services  # noqa: E402
from tests.pgdb import private_database  # noqa: E402

CHATS = 50


def messages(script: Script, chat: int) -> list[Incoming]:
    return [Incoming(channel="telegram", chat_id=str(chat), user_id=str(chat), text=step.text,
                     payload=step.payload, display_name="bench") for step in script.steps]


PLAIN = False
LEASE = timedelta(seconds=30)


_LOOPS = threading.local()


async def accepted(_reply: Reply) -> SendResult:
    return SendResult(ok=True)


def answer(engine: Engine, fast: FastPath, message: Incoming) -> None:
    """What a channel does with one message, minus the network: answer, keep, send (the platform
    accepts at once) and mark sent, on an event loop of the thread's own as a channel's."""
    if PLAIN:
        engine.handle(message)
        return
    keep = ReplyKeep(LEASE)
    replies = engine.handle(message, keep=keep)
    rows = keep.rows_for(replies)
    if rows:
        loop = getattr(_LOOPS, "loop", None) or asyncio.new_event_loop()
        _LOOPS.loop = loop
        loop.run_until_complete(fast.send_rows(keep.channel, rows, accepted))


class Server:
    """CPU seconds used so far by the PostgreSQL processes serving one database (0 for SQLite)."""

    def __init__(self, admin_url: str | None, url: str) -> None:
        self.admin_url, self.url = admin_url, url
        self.seen: dict[int, float] = {}

    def used(self) -> float:
        if self.admin_url is None:
            return 0.0
        for pid in database_backends(self.admin_url, self.url):
            self.seen.setdefault(pid, 0.0)  # a backend that started since the last look counts from 0
        self.seen = {pid: cpu_seconds(pid) or was for pid, was in self.seen.items()}
        return sum(self.seen.values())


def run(engine: Engine, script: Script, total: int, threads: int, first_chat: int,
        server: Server) -> tuple[float, float, float]:
    """(CPU ms per message here, the database server's CPU ms per message, messages per second); one
    thread per chat at a time keeps each chat in order."""
    per_chat = max(1, total // (CHATS * len(script.steps)))
    plans = [[m for _ in range(per_chat) for m in messages(script, first_chat + c)] for c in range(CHATS)]
    count = sum(len(p) for p in plans)
    fast = FastPath(engine.services.db, engine.services.clock)
    served, cpu, wall = server.used(), time.process_time(), time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda plan: [answer(engine, fast, m) for m in plan], plans))
    here, wall = time.process_time() - cpu, time.perf_counter() - wall
    return here / count * 1000, (server.used() - served) / count * 1000, count / wall


def bench(label: str, url: str, total: int, thread_counts: list[int], admin_url: str | None = None) -> None:
    env = {"DATABASE_URL": url, "FLOOD_PER_MINUTE": "100000", "CONSULTANTS": "telegram:999",
           "CONSULTANT_GROUP": "telegram:-100999"}
    services = build_services(Settings.load({**os.environ, **env}, env_file=Path(os.devnull)))
    engine = Engine(services)
    server = Server(admin_url, url)
    try:
        for script in SCRIPTS:
            run(engine, script, CHATS * len(script.steps), 1, 1_000, server)  # warm up: rows, caches, connections
        for threads in thread_counts:
            cells = []
            for n, script in enumerate(SCRIPTS):
                ms, served, rate = run(engine, script, total, threads, 10_000 * (n + 1), server)
                total_ms = f" + {served:4.2f} = {ms + served:5.2f}" if admin_url else ""
                cells.append(f"{script.name} {ms:5.2f}{total_ms} ms ({rate:4.0f}/s)")
            print(f"{label:>10}, {threads} thread{'s' if threads > 1 else ' '}: CPU per message  " + "   ".join(cells))
    finally:
        services.db.dispose()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--messages", type=int, default=1500, help="messages per script and setting")
    p.add_argument("--threads", default="1,4", help="comma-separated thread counts")
    p.add_argument("--no-postgres", action="store_true")
    p.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--plain", action="store_true", help="Engine.handle alone, replies not kept in the outbox")
    args = p.parse_args()
    global PLAIN
    PLAIN = args.plain
    threads = [int(t) for t in args.threads.split(",")]
    what = "Engine.handle only" if PLAIN else "Engine.handle with replies kept in the outbox and marked sent"
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cpus; {what}, no channel")
    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite", f"sqlite:///{tmp}/bench.db", args.messages, [1])  # one writer at a time anyway
    if not args.no_postgres:
        with private_database(args.admin_url, "licensebot_engine") as url:
            bench("PostgreSQL", url, args.messages, threads, args.admin_url)


if __name__ == "__main__":
    main()
