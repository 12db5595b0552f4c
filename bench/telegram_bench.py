"""Push reminders through the Telegram channel to the fake Bot API server and measure the send rate.

    python bench/telegram_bench.py [--messages 2000] [--chats 400] [--workers 50] [--processes 2]

The reminders are enqueued as Outbox rows, then delivered by concurrent workers through the
channel's Sender (the real PTB Bot over HTTP, the real rate limiter on the real clock). The fake
server runs in its own process (so the two do not share a GIL), and the rate is measured from the
times it received the sendMessage calls (CLOCK_MONOTONIC is shared by processes on one machine).
With --processes 2 two bot processes on one PostgreSQL database send at once, every chat getting
reminders from both: the limits they share (bot/shared_limits.py) must hold for the two together.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import multiprocessing.connection
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import select

from bot.clock import SystemClock
from bot.engine import Engine
from bot.messages import Button, ChatRef, Reply
from bot.outbox import body_to_reply, enqueue
from bot.ratelimit import Scope
from bot.settings import Settings
from bot.storage.models import Outbox
from channels.telegram.app import TelegramChannel
from licensebot.app import build_services
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.pgdb import private_database


def serve_fake(conn: multiprocessing.connection.Connection) -> None:
    """Child process: run the fake server, report its URL, and on request the sendMessage log."""
    fake = FakeTelegram().start()
    conn.send(fake.base_url)
    conn.recv()  # "stop"
    conn.send([(c.chat_id, c.at) for c in fake.sent(method="sendMessage")])
    fake.stop()


def max_in_window(times: list[float], seconds: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while times[start] <= t - seconds:
            start += 1
        best = max(best, end - start + 1)
    return best


def bench_settings(db_url: str, base_url: str) -> Settings:
    return replace(Settings.load(environ={}, env_file=Path("/nonexistent")), database_url=db_url,
                   telegram_bot_token=TOKEN, telegram_base_url=base_url)


def mine(i: int, chats: int, process: int, processes: int) -> bool:
    """Which process sends reminder i: every chat gets reminders from every process."""
    return (i // chats) % processes == process


async def send_share(db_url: str, base_url: str, chats: int, workers: int, process: int,
                     processes: int) -> tuple[int, list[float], float]:
    """One bot process: its own channel, sender and limiter (shared counters on PostgreSQL); sends its
    share of the outbox with `workers` concurrent senders. (failures, limiter slots, seconds)."""
    services = build_services(bench_settings(db_url, base_url), SystemClock(), migrate=False)
    channel = TelegramChannel(Engine(services))
    await channel.application.initialize()
    with services.db.session() as s:
        rows = [(r.chat_id, body_to_reply(r.body)) for r in s.exec(select(Outbox).order_by(Outbox.id)).all()]
    queue: asyncio.Queue[tuple[str, Reply]] = asyncio.Queue()
    for i, row in enumerate(rows):
        if mine(i, chats, process, processes):
            queue.put_nowait(row)
    failures = 0
    slots: list[float] = []  # when the limiter let each send go, as the bot sees it
    acquire = channel.limiter.acquire

    async def recording_acquire(*scopes: Scope) -> float:
        slot = await acquire(*scopes)
        slots.append(slot)
        return slot

    channel.limiter.acquire = recording_acquire  # type: ignore[method-assign]

    async def worker() -> None:
        nonlocal failures
        while not queue.empty():
            chat_id, reply = queue.get_nowait()
            result = await channel.sender.send(chat_id, reply)
            failures += not result.ok

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(workers)))
    elapsed = time.monotonic() - started
    await channel.application.shutdown()
    services.db.dispose()
    return failures, slots, elapsed


def process_main(conn: multiprocessing.connection.Connection, *args: object) -> None:
    conn.recv()  # "go": every process starts at once
    conn.send(asyncio.run(send_share(*args)))  # type: ignore[arg-type]


def run(messages: int, chats: int, workers: int, processes: int, db_url: str) -> None:
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve_fake, args=(child,), daemon=True)
    server.start()
    base_url = parent.recv()
    settings = bench_settings(db_url, base_url)
    services = build_services(settings, SystemClock())  # migrates
    now = services.clock.now()
    with services.db.session() as s:
        for i in range(messages):
            reply = Reply(f"提醒 #{i}：您的ICP许可证将于90天后到期。", buttons=(Button("开始续期", "/renew"),))
            enqueue(s, ChatRef("telegram", str(10_000 + i % chats)), reply, "reminder", f"bench:{i}", now)
    services.db.dispose()

    pipes, procs = [], []
    for k in range(processes):
        mine_end, theirs = multiprocessing.Pipe()
        proc = multiprocessing.Process(target=process_main,
                                       args=(theirs, db_url, base_url, chats, workers, k, processes))
        proc.start()
        pipes.append(mine_end)
        procs.append(proc)
    for pipe in pipes:
        pipe.send("go")
    results = [pipe.recv() for pipe in pipes]
    for proc in procs:
        proc.join(timeout=30)
    failures = sum(r[0] for r in results)
    slots = [t for r in results for t in r[1]]
    elapsed = max(r[2] for r in results)
    parent.send("stop")
    sends: list[tuple[int, float]] = parent.recv()
    server.join(timeout=10)

    times = [at for _chat, at in sends]
    per_chat: dict[int, list[float]] = {}
    for chat, at in sends:
        per_chat.setdefault(chat, []).append(at)
    span = max(times) - min(times)
    where = "PostgreSQL (shared limits)" if processes > 1 or not settings.is_sqlite else "SQLite (one process)"
    print(f"reminders: {messages} to {chats} private chats, {processes} bot process(es) x {workers} "
          f"concurrent senders, {where}")
    print(f"limits: {settings.telegram_rate_per_second}/s overall, {settings.telegram_private_per_second}/s per "
          f"private chat, {settings.telegram_group_per_minute}/min per group (for the whole bot)")
    print(f"delivered: {len(sends)} (failures {failures}) in {elapsed:.1f} s")
    print(f"achieved rate: {(len(sends) - 1) / span:.2f} messages/s (first to last send)")
    print(f"most sends in any 1 s window: {max_in_window(slots, 1.0)} as the bots booked them, "
          f"{max_in_window(times, 1.0)} as the server received them (network and scheduling jitter)")
    gaps = [b - a for t in per_chat.values() for a, b in itertools.pairwise(sorted(t))]
    most = max(max_in_window(t, 1.0) for t in per_chat.values())
    print(f"per chat: shortest gap between two sends {min(gaps):.3f} s, most sends in any 1 s window {most}"
          if gaps else "one send per chat")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--messages", type=int, default=2000)
    p.add_argument("--chats", type=int, default=400)
    p.add_argument("--workers", type=int, default=50, help="concurrent senders in each bot process")
    p.add_argument("--processes", type=int, default=1, help="bot processes; more than one runs on PostgreSQL")
    p.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = p.parse_args()
    if args.processes > 1:
        with private_database(args.admin_url, "licensebot_tgbench") as url:
            run(args.messages, args.chats, args.workers, args.processes, url)
    else:
        with tempfile.TemporaryDirectory() as folder:
            run(args.messages, args.chats, args.workers, 1, f"sqlite:///{folder}/bench.db")


if __name__ == "__main__":
    main()
