"""Load test: simulated Telegram clients against `licensebot run --workers N` on PostgreSQL.

    python bench/load.py [--clients 500] [--rate 200] [--seconds 60] [--workers 2] [--chat-pace 20] [--plain]

What runs (all on 127.0.0.1): a private PostgreSQL database (created on --admin-url, dropped after),
the fake Bot API server (tests/fake_telegram.py) in a process of its own, the bot as a subprocess in
webhook mode, and here the clients. Each client starts a script (FAQ questions; the renewal checklist
by button presses; a hand-off request and its cancellation) every few seconds, so that all together
send --rate messages a second. A script's messages are posted one after the other, each as soon as
the previous POST was acknowledged (as Telegram delivers one chat's updates), without waiting for the
bot's replies: so a chat has several messages in flight, and the order of its replies is checked.

Replies are what the fake server receives (sendMessage to that chat). A calibration run first learns
the replies of each script (their texts, numbers blanked). Then, per chat, the k-th reply with a given
text belongs to the k-th message expected to get that text:
- lost: an expected reply that never came; duplicated: a reply beyond those expected;
- out of order: a reply that arrived after a reply belonging to a later message of the same chat;
- latency: from posting a message to the arrival of its last reply (p50/p99 over complete messages).

Telegram limits one bot to about 30 messages a second and about 1 a second per private chat. The bot
raises no such limit by itself: the bench raises TELEGRAM_RATE_PER_SECOND and sets the per-chat pace to
--chat-pace (a script's replies would otherwise be spaced a second apart by design).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load_parts import (
    SCRIPTS,
    SECRET,
    CpuMeter,
    FakeServer,
    Poster,
    Script,
    Updates,
    bot_process,
    children,
    database_backends,
    fingerprint,
    mean_steps,
    wait_ready,
)
from tests.pgdb import private_database

HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
FIRST_CHAT = 100_000
CALIBRATION_CHAT = 50_000


@dataclass
class Posted:
    chat: int
    expected: list[str]  # fingerprints of the replies this message should get, in order
    at: float  # time.monotonic() when it was posted
    status: int = 0


@dataclass
class Outcome:
    posted: list[Posted] = field(default_factory=list)
    post_errors: int = 0


async def post(http: Poster, update: dict[str, Any]) -> int:
    return await http.post("/telegram/webhook", update)


async def calibrate(http: Poster, fake: FakeServer, updates: Updates) -> dict[str, list[list[str]]]:
    """Each script's replies, message by message, learned by running it once on a chat of its own."""
    learned: dict[str, list[list[str]]] = {}
    for n, script in enumerate(SCRIPTS):
        chat = CALIBRATION_CHAT + n
        learned[script.name] = []
        for step in script.steps:
            before = len([1 for c, _t, _a in fake.log() if c == chat])
            if await post(http, updates.make(chat, step)) != 200:
                raise RuntimeError("the webhook refused a calibration update")
            texts = await replies_after(fake, chat, before)
            learned[script.name].append([fingerprint(t) for t in texts])
    return learned


async def replies_after(fake: FakeServer, chat: int, before: int, timeout: float = 15.0) -> list[str]:
    """The chat's new replies, once at least one came and none more for half a second."""
    deadline = time.monotonic() + timeout
    seen, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        texts = [t for c, t, _a in fake.log() if c == chat][before:]
        if len(texts) != seen:
            seen, quiet_since = len(texts), time.monotonic()
        elif texts and time.monotonic() - quiet_since > 0.5:
            return texts
        await asyncio.sleep(0.05)
    raise RuntimeError(f"calibration: no reply for chat {chat} within {timeout:.0f} s")


async def drive(http: Poster, updates: Updates, learned: dict[str, list[list[str]]],
                clients: int, rate: float, seconds: float) -> Outcome:
    """Every client starts a script every `period` seconds (offsets spread), for `seconds`."""
    outcome = Outcome()
    period = clients * mean_steps() / rate
    weights = [s.weight for s in SCRIPTS]
    start = time.monotonic() + 0.5

    async def client(i: int) -> None:
        rng = random.Random(i)
        chat = FIRST_CHAT + i
        t = start + rng.uniform(0, period)
        while t < start + seconds:
            await asyncio.sleep(max(0.0, t - time.monotonic()))
            script: Script = rng.choices(SCRIPTS, weights)[0]
            for k, step in enumerate(script.steps):
                sent = Posted(chat, learned[script.name][k], time.monotonic())
                sent.status = await post(http, updates.make(chat, step))
                outcome.posted.append(sent)
                if sent.status != 200:
                    outcome.post_errors += 1
            t += period

    await asyncio.gather(*(client(i) for i in range(clients)))
    return outcome


async def drain(fake: FakeServer, expected: int, limit: float) -> float:
    """Wait (at most `limit` s) until the client chats got as many replies as expected; returns the wait."""
    began = time.monotonic()
    last, still = -1, time.monotonic()
    while time.monotonic() - began < limit:
        got = sum(1 for c, _t, _a in fake.log() if c >= FIRST_CHAT)
        if got >= expected:
            break
        if got != last:
            last, still = got, time.monotonic()
        elif time.monotonic() - still > 15:  # nothing for 15 s: the rest is lost
            break
        await asyncio.sleep(0.5)
    return time.monotonic() - began


@dataclass
class Verdict:
    complete: int = 0
    lost: int = 0
    duplicated: int = 0
    out_of_order: int = 0
    chats_out_of_order: int = 0
    latencies: list[float] = field(default_factory=list)
    last_reply: float = 0.0


def judge(posted: list[Posted], log: list[tuple[int, str, float]]) -> Verdict:
    """Match each chat's replies to its messages (see the module docstring) and count what went wrong."""
    v = Verdict()
    by_chat: dict[int, list[Posted]] = defaultdict(list)
    for p in sorted(posted, key=lambda p: p.at):
        by_chat[p.chat].append(p)
    arrived: dict[int, list[tuple[str, float]]] = defaultdict(list)
    for chat, text, at in log:
        if chat >= FIRST_CHAT:
            arrived[chat].append((fingerprint(text), at))
            v.last_reply = max(v.last_reply, at)
    for chat, messages in by_chat.items():
        slots: dict[str, list[int]] = defaultdict(list)  # fingerprint -> indexes of messages expecting it
        for m, p in enumerate(messages):
            for fp in p.expected:
                slots[fp].append(m)
        used: Counter[str] = Counter()
        got: list[list[float]] = [[] for _ in messages]
        highest, disordered = -1, 0
        for fp, at in arrived.get(chat, []):
            if used[fp] >= len(slots[fp]):
                v.duplicated += 1
                continue
            m = slots[fp][used[fp]]
            used[fp] += 1
            got[m].append(at)
            if m < highest:
                disordered += 1
            highest = max(highest, m)
        v.out_of_order += disordered
        v.chats_out_of_order += disordered > 0
        for p, times in zip(messages, got, strict=True):
            v.lost += len(p.expected) - len(times)
            if len(times) == len(p.expected):
                v.complete += 1
                if times:
                    v.latencies.append(max(times) - p.at)
    return v


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def scrape_total(base: str, name: str) -> float:
    text = httpx.get(f"{base}/metrics", timeout=5).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name + "{"))


async def main_async(args: argparse.Namespace) -> int:
    fake = FakeServer()
    meter = CpuMeter()
    log_file = Path(tempfile.mkdtemp(prefix="licensebot-load-")) / "bot.log"
    try:
        with private_database(args.admin_url) as url, \
                bot_process(url, fake.base_url, args.workers, args.chat_pace, log_file, plain=args.plain) as bot:
            wait_ready(bot.base, fake, args.workers)
            http = Poster("127.0.0.1", int(bot.base.rpartition(":")[2]), args.connections, HEADERS)
            try:
                updates = Updates()
                learned = await calibrate(http, fake, updates)
                meter.start([*children(bot.pid), fake.pid, os.getpid(), *database_backends(args.admin_url, url)])
                began = time.monotonic()
                outcome = await drive(http, updates, learned, args.clients, args.rate, args.seconds)
                posting = time.monotonic() - began
                expected = sum(len(p.expected) for p in outcome.posted)
                waited = await drain(fake, expected, args.drain)
                meter.stop({"bot": children(bot.pid), "PostgreSQL": database_backends(args.admin_url, url),
                            "fake Bot API": [fake.pid], "clients": [os.getpid()]})
            finally:
                await http.close()
            metrics_in = scrape_total(bot.base, "licensebot_messages_in_total")
            verdict = judge(outcome.posted, fake.log())
    finally:
        fake.stop()
    first = min(p.at for p in outcome.posted)
    n = len(outcome.posted)
    print(f"load: {args.clients} clients, {args.rate:g} msg/s offered for {args.seconds:g} s, "
          f"{args.workers} workers on PostgreSQL; per-chat pace {args.chat_pace}/s"
          + ("; --plain: replies sent directly, not kept in the outbox" if args.plain else ""))
    print(f"posted: {n} updates in {posting:.1f} s ({n / posting:.1f}/s), POST errors {outcome.post_errors}; "
          f"expected replies {expected}; drain wait {waited:.1f} s")
    print(f"handled: {verdict.complete} messages with all their replies, "
          f"{verdict.complete / max(verdict.last_reply - first, 1e-9):.1f} msg/s (first post to last reply)")
    print(f"latency post → last reply: p50 {percentile(verdict.latencies, 0.5) * 1000:.0f} ms, "
          f"p99 {percentile(verdict.latencies, 0.99) * 1000:.0f} ms, max {max(verdict.latencies, default=0) * 1000:.0f} ms"
          f", mean {statistics.fmean(verdict.latencies or [0]) * 1000:.0f} ms")
    print(f"lost {verdict.lost}, duplicated {verdict.duplicated}, out of order {verdict.out_of_order} "
          f"(in {verdict.chats_out_of_order} chats)")
    used = meter.used
    per_message = (used["bot"] + used["PostgreSQL"]) / max(n, 1)
    print("CPU seconds used: " + ", ".join(f"{k} {v:.1f}" for k, v in used.items())
          + f"; bot + PostgreSQL {per_message * 1000:.1f} ms per message "
          f"(one core's worth: {1 / per_message if per_message else 0:.0f} msg/s)")
    print(f"/metrics licensebot_messages_in_total (summed over the workers): {metrics_in:.0f}")
    print(f"bot log: {log_file}")
    ok = verdict.lost == 0 and verdict.duplicated == 0 and verdict.out_of_order == 0
    return 0 if ok else 1


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=500)
    p.add_argument("--rate", type=float, default=200.0, help="messages a second, all clients together")
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--chat-pace", type=int, default=20, help="TELEGRAM_PRIVATE_PER_SECOND for the bot")
    p.add_argument("--connections", type=int, default=100, help="HTTP connections the clients share")
    p.add_argument("--drain", type=float, default=120.0, help="at most this long to wait for late replies")
    p.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--plain", action="store_true",
                   help="the bot keeps no reply in the outbox (sends each directly): what durable replies cost")
    args = p.parse_args()
    sys.exit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
