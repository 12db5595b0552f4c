"""Push reminders through the Telegram channel to the fake Bot API server and measure the send rate.

    python bench/telegram_bench.py [--messages 2000] [--chats 400] [--workers 50]

The reminders are enqueued as Outbox rows, then delivered by concurrent workers through the
channel's Sender (the real PTB Bot over HTTP, the real rate limiter on the real clock). The fake
server runs in its own process (so the two do not share a GIL), and the rate is measured from the
times it received the sendMessage calls (CLOCK_MONOTONIC is shared by processes on one machine).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import multiprocessing.connection
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import select

from bot.app import build_services
from bot.channels.telegram.app import TelegramChannel
from bot.clock import SystemClock
from bot.engine import Engine
from bot.messages import Button, ChatRef, Reply
from bot.outbox import body_to_reply, enqueue
from bot.ratelimit import Scope
from bot.settings import Settings
from bot.storage.models import Outbox
from tests.fake_telegram import TOKEN, FakeTelegram


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


async def run(messages: int, chats: int, workers: int) -> None:
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve_fake, args=(child,), daemon=True)
    server.start()
    base_url = parent.recv()
    folder = tempfile.mkdtemp(prefix="tgbench-")
    settings = replace(Settings.load(environ={}, env_file=Path("/nonexistent")),
                       database_url=f"sqlite:///{folder}/bench.db", telegram_bot_token=TOKEN,
                       telegram_base_url=base_url)
    services = build_services(settings, SystemClock())
    channel = TelegramChannel(Engine(services))
    await channel.application.initialize()
    now = services.clock.now()
    with services.db.session() as s:
        for i in range(messages):
            reply = Reply(f"提醒 #{i}：您的ICP许可证将于90天后到期。", buttons=(Button("开始续期", "/renew"),))
            enqueue(s, ChatRef("telegram", str(10_000 + i % chats)), reply, "reminder", f"bench:{i}", now)
    with services.db.session() as s:
        rows = [(r.chat_id, body_to_reply(r.body)) for r in s.exec(select(Outbox).order_by(Outbox.id)).all()]

    queue: asyncio.Queue[tuple[str, Reply]] = asyncio.Queue()
    for row in rows:
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
    parent.send("stop")
    sends: list[tuple[int, float]] = parent.recv()
    server.join(timeout=10)

    times = [at for _chat, at in sends]
    per_chat: dict[int, list[float]] = {}
    for chat, at in sends:
        per_chat.setdefault(chat, []).append(at)
    span = max(times) - min(times)
    print(f"reminders: {messages} to {chats} private chats, {workers} concurrent senders")
    print(f"limits: {settings.telegram_rate_per_second}/s overall, {settings.telegram_private_per_second}/s per "
          f"private chat, {settings.telegram_group_per_minute}/min per group")
    print(f"delivered: {len(sends)} (failures {failures}) in {elapsed:.1f} s")
    print(f"achieved rate: {(len(sends) - 1) / span:.2f} messages/s (first to last send)")
    print(f"most sends in any 1 s window: {max_in_window(slots, 1.0)} as the bot sent them, "
          f"{max_in_window(times, 1.0)} as the server received them (network and scheduling jitter)")
    gaps = [b - a for t in per_chat.values() for a, b in zip(sorted(t), sorted(t)[1:], strict=False)]
    print(f"shortest gap between two sends to one chat: {min(gaps):.3f} s" if gaps else "one send per chat")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--messages", type=int, default=2000)
    p.add_argument("--chats", type=int, default=400)
    p.add_argument("--workers", type=int, default=50)
    args = p.parse_args()
    asyncio.run(run(args.messages, args.chats, args.workers))


if __name__ == "__main__":
    main()
