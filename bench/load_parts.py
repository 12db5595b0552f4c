"""Pieces of bench/load.py: the private database, the fake Bot API process, the bot process, and
the scripts simulated clients follow.

Everything listens on 127.0.0.1 only; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import multiprocessing
import multiprocessing.connection
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fake_telegram import TOKEN, FakeTelegram  # noqa: E402

SECRET = "load-bench-secret"
CONSULTANT = 999  # a consultant's private chat; tickets are announced to the group below
GROUP = -100999


# ── scripts: what a client sends in one go (each step a text or a button payload) ──────────────


@dataclass(frozen=True)
class Step:
    text: str = ""
    payload: str | None = None  # a button press (callback_query with this callback_data)


@dataclass(frozen=True)
class Script:
    name: str
    steps: tuple[Step, ...]
    weight: int


def said(text: str) -> Step:
    return Step(text=text)


def pressed(payload: str) -> Step:
    return Step(payload=payload)


# Each script leaves the chat as it found it (no flow, no open ticket), so its replies are the same
# every time it runs: the calibration learns them once.
SCRIPTS = (
    Script("faq", (said("ICP证年报什么时候报"), said("EDI证是什么"), said("外资可以办ICP证吗")), 6),
    Script("checklist", (said("/renew"), pressed("icp"), pressed("provincial"), pressed("北京"),
                         pressed("skip"), said("/cancel")), 3),
    Script("handoff", (said("转人工"), said("ICP备案和ICP证有什么区别"), said("/bot")), 1),
)


def mean_steps() -> float:
    return sum(len(s.steps) * s.weight for s in SCRIPTS) / sum(s.weight for s in SCRIPTS)


def fingerprint(text: str) -> str:
    """What identifies a reply: its start, numbers blanked (ticket numbers differ between runs)."""
    return re.sub(r"\d+", "#", text)[:40]


class Updates:
    """Telegram updates as the Bot API would post them to the webhook."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)

    def make(self, chat_id: int, step: Step) -> dict[str, Any]:
        n = next(self._ids)
        user = {"id": chat_id, "is_bot": False, "first_name": f"c{chat_id}", "language_code": "zh-hans"}
        chat = {"id": chat_id, "type": "private", "first_name": f"c{chat_id}"}
        if step.payload is None:
            message: dict[str, Any] = {"message_id": n, "date": int(time.time()), "chat": chat, "from": user,
                                       "text": step.text}
            if step.text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(step.text.split()[0])}]
            return {"update_id": n, "message": message}
        # A press on a keyboard message the bot sent (its id is not known here, so each press names a
        # message of its own: Telegram's "one press per keyboard" check then lets every press through).
        pressed_on = {"message_id": 10_000_000 + n, "date": int(time.time()), "chat": chat,
                      "from": {"id": 123456, "is_bot": True, "first_name": "bot"}, "text": "…"}
        return {"update_id": n, "callback_query": {"id": str(n), "chat_instance": "ci", "from": user,
                                                   "data": step.payload, "message": pressed_on}}


# ── a lean HTTP/1.1 client for the webhook posts (httpx costs the clients ~3 ms a post) ──────────


class Poster:
    """POSTs JSON over a pool of keep-alive connections; returns the status (0 when the connection failed)."""

    def __init__(self, host: str, port: int, size: int, headers: dict[str, str], timeout: float = 30.0) -> None:
        self.host, self.port, self.size, self.timeout = host, port, size, timeout
        self.head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._gate = asyncio.Semaphore(size)

    async def post(self, path: str, payload: dict[str, Any]) -> int:
        body = json.dumps(payload, ensure_ascii=False).encode()
        request = (f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{self.head}"
                   f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
        async with self._gate:
            # An idle connection the server has closed (keep-alive timeout) fails at once: send again on a
            # new one, as Telegram would. The bot ignores an update_id it has seen, should it have got it.
            for reused in (bool(self._idle), False):
                conn = self._idle.pop() if reused else None
                try:
                    if conn is None:
                        conn = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), self.timeout)
                    reader, writer = conn
                    writer.write(request)
                    status, length = await asyncio.wait_for(self._read_head(reader), self.timeout)
                    await asyncio.wait_for(reader.readexactly(length), self.timeout)
                except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError):
                    if conn is not None:
                        conn[1].close()
                    if reused:
                        continue
                    return 0
                self._idle.append(conn)
                return status
            return 0

    @staticmethod
    async def _read_head(reader: asyncio.StreamReader) -> tuple[int, int]:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        length = next((int(h.split(":", 1)[1]) for h in head if h.lower().startswith("content-length:")), 0)
        return int(head[0].split()[1]), length

    async def close(self) -> None:
        for _reader, writer in self._idle:
            writer.close()
        self._idle.clear()


# ── the fake Bot API server in a process of its own ───────────────────────────────────────────


def _serve_fake(conn: multiprocessing.connection.Connection) -> None:
    fake = FakeTelegram().start()
    conn.send(fake.base_url)
    while True:
        command = conn.recv()
        if command == "stop":
            break
        sent = fake.sent(method="sendMessage")
        if command == "count":
            conn.send((len(sent), fake.count("setWebhook")))
        elif command == "log":
            conn.send([(c.chat_id, c.text, c.at) for c in sent])
    fake.stop()
    conn.send("stopped")


class FakeServer:
    """The fake Bot API (tests/fake_telegram.py) in a child process, driven over a pipe."""

    def __init__(self) -> None:
        self._conn, child = multiprocessing.Pipe()
        self._process = multiprocessing.get_context("spawn").Process(target=_serve_fake, args=(child,), daemon=True)
        self._process.start()
        if not self._conn.poll(30):
            raise RuntimeError("the fake Bot API server did not start")
        self.base_url: str = self._conn.recv()
        self.pid = int(self._process.pid or 0)

    def counts(self) -> tuple[int, int]:
        """(sendMessage calls so far, setWebhook calls so far)."""
        self._conn.send("count")
        result: tuple[int, int] = self._conn.recv()
        return result

    def log(self) -> list[tuple[int, str, float]]:
        """Every sendMessage: (chat_id, text, time.monotonic() of arrival), in arrival order."""
        self._conn.send("log")
        result: list[tuple[int, str, float]] = self._conn.recv()
        return result

    def stop(self) -> None:
        self._conn.send("stop")
        self._conn.poll(10)
        self._process.join(timeout=10)


# ── a private database and the bot as a subprocess ──────────────────────────────────────────────


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class BotProcess:
    base: str  # http://127.0.0.1:PORT
    pid: int


@contextmanager
def bot_process(database_url: str, fake_url: str, workers: int, chat_pace: int, log_file: Path,
                port: int | None = None, webhook_url: str = "", plain: bool = False) -> Iterator[BotProcess]:
    """`licensebot run --workers N` in webhook mode against the fake server (the webhook URL it registers
    is its own address unless given, e.g. a reverse proxy's). `plain`: replies are not kept in the outbox
    (bench/plain/sitecustomize.py), to measure what durable replies cost."""
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": TOKEN,
           "TELEGRAM_BASE_URL": fake_url, "TELEGRAM_WEBHOOK_URL": webhook_url or f"{base}/telegram/webhook",
           "TELEGRAM_WEBHOOK_SECRET": SECRET, "HTTP_HOST": "127.0.0.1", "HTTP_PORT": str(port),
           # Telegram allows about 30 messages a second per bot: raised, or the limiter, not the bot, is measured.
           "TELEGRAM_RATE_PER_SECOND": "100000", "TELEGRAM_PRIVATE_PER_SECOND": str(chat_pace),
           "CHANNEL_RATE_PER_SECOND": "1000", "FLOOD_PER_MINUTE": "1000",
           "CONSULTANTS": f"telegram:{CONSULTANT}", "CONSULTANT_GROUP": f"telegram:{GROUP}",
           "LOG_JSON": "true", "LOG_LEVEL": "INFO",
           "PYTHONPATH": os.pathsep.join([*([str(ROOT / "bench" / "plain")] if plain else []), str(ROOT)])}
    with log_file.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "licensebot.cli.main", "run", "--workers", str(workers)],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield BotProcess(base, process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def wait_ready(base: str, fake: FakeServer, workers: int, timeout: float = 60) -> None:
    """Until /readyz answers 200 and every worker has registered its webhook with the fake server."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            ready = httpx.get(f"{base}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            ready = False
        if ready and fake.counts()[1] >= workers:
            return
        time.sleep(0.2)
    raise RuntimeError(f"the bot did not become ready within {timeout:.0f} s")


# ── CPU accounting (Linux /proc): what the run cost, whatever else the machine was doing ───────


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """The process and its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def database_backends(admin_url: str, database_url: str) -> list[int]:
    """PostgreSQL server processes serving connections to this database."""
    import psycopg

    name = database_url.rpartition("/")[2]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        return [int(r[0]) for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,))]


class CpuMeter:
    """CPU seconds used between start() and stop() by named groups of processes."""

    def __init__(self) -> None:
        self.start_at: dict[int, float] = {}
        self.used: dict[str, float] = {}

    def start(self, pids: list[int]) -> None:
        self.start_at = {p: cpu_seconds(p) for p in pids}

    def stop(self, groups: dict[str, list[int]]) -> None:
        self.used = {name: sum(max(cpu_seconds(p) - self.start_at.get(p, 0.0), 0.0) for p in pids)
                     for name, pids in groups.items()}
