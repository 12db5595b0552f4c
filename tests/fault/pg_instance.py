"""A PostgreSQL server of the test's own (initdb + pg_ctl on a free port), which a test may stop and
restart without touching the shared one. As root, the server runs as the `postgres` user (initdb
refuses root). Skipped with the reason when the binaries are missing, unless REQUIRE_POSTGRES=1."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_PG
from tests.fault.kit import free_port


def _skip(reason: str) -> None:
    if REQUIRE_PG:
        pytest.fail(reason)
    pytest.skip(reason + " (set REQUIRE_POSTGRES=1 to make this a failure)")


def _bindir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3])
                   if p.parts[-3].isdigit() else 0)
    if found:
        return found[-1].parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


@dataclass
class PgInstance:
    bindir: Path
    folder: Path
    port: int
    as_user: list[str]  # command prefix that runs as the server's owner

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def ctl(self, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.bindir / "pg_ctl"), "-D", str(self.data), *args],
                       check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.ctl("-o", options, "-l", str(self.folder / "server.log"), "-w", "-t", "30", "start")

    def stop(self) -> None:
        """Fast shutdown: open transactions are rolled back and their connections cut."""
        self.ctl("-m", "fast", "-w", "-t", "30", "stop")

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])


@contextmanager
def private_postgres() -> Iterator[PgInstance]:
    bindir = _bindir()
    if bindir is None:
        _skip("PostgreSQL server binaries (initdb, pg_ctl) not found")
        raise AssertionError("unreachable")
    as_user: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="licensebot-pg-"))  # not under pytest's root-only tmp folders
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder)
            _skip("running as root and there is no postgres user to run a private server as")
            raise AssertionError("unreachable") from None
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    instance = PgInstance(bindir, folder, free_port(), as_user)
    try:
        subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(instance.data), "-U", "postgres",
                        "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"],
                       check=True, capture_output=True, timeout=120)
        instance.start()
        yield instance
    finally:
        if (instance.data / "postmaster.pid").exists():
            subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(instance.data), "-m", "immediate", "stop"],
                           capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)
