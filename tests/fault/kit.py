"""What the fault tests share: `licensebot run` as a real process, a private PostgreSQL database on the
shared server, bounded waiting. Everything binds 127.0.0.1; every wait has a deadline."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from tests import pgdb
from tests.conftest import FIXTURES, PG_ADMIN_URL, require_postgres

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def wait_until(check: Callable[[], T | None], timeout: float, what: str, every: float = 0.05) -> T:
    """Poll `check` until it returns something truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def copy_knowledge(tmp_path: Path) -> Path:
    """The fixture knowledge base, copied where a test may break it."""
    folder = tmp_path / "kb"
    shutil.copytree(FIXTURES / "kb", folder)
    return folder


@contextmanager
def private_database() -> Iterator[str]:
    """A database of its own on the shared PostgreSQL server (skipped without one), dropped after."""
    require_postgres()
    with pgdb.private_database(PG_ADMIN_URL, "licensebot_fault") as url:
        yield url


def children(pid: int) -> list[int]:
    """Direct children of a process (Linux /proc)."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def is_worker(pid: int) -> bool:
    """A uvicorn worker (spawned by multiprocessing), not multiprocessing's resource tracker."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"spawn_main" in cmdline and b"resource_tracker" not in cmdline


@dataclass
class Service:
    """`licensebot run` started by a test."""

    process: subprocess.Popen[bytes]
    base: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def workers(self) -> list[int]:
        return sorted(p for p in children(self.pid) if is_worker(p))

    def log_lines(self, contains: str) -> list[str]:
        return [line for line in self.log.read_text(errors="replace").splitlines() if contains in line]


@contextmanager
def licensebot_run(env: Mapping[str, str], workers: int, log: Path) -> Iterator[Service]:
    """Start `licensebot run --workers N` with these settings; stopped (and killed if need be) after."""
    port = int(env["HTTP_PORT"])
    full_env = {**os.environ, "HTTP_HOST": "127.0.0.1", "PYTHONPATH": str(ROOT), **env}
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "licensebot.cli.main", "run", "--workers", str(workers)],
                                   cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            yield Service(process, f"http://127.0.0.1:{port}", log)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=5)
