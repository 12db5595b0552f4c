"""Backup and restore of the SQLite default: a round trip through the CLI (in this process: a real
process costs seconds of start-up each time)."""

from __future__ import annotations

import io
import sqlite3
import sys
from pathlib import Path

import pytest

from licensebot.cli.main import main


def licensebot(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db: Path | str, *args: str,
               stdin: str = "") -> tuple[int, str]:
    monkeypatch.setenv("DATABASE_URL", db if isinstance(db, str) else f"sqlite:///{db}")
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out + out.err


def test_backup_then_restore_brings_the_conversation_back(tmp_path, monkeypatch, capsys):
    live = tmp_path / "live.db"
    run = lambda *args, stdin="": licensebot(monkeypatch, capsys, live, *args, stdin=stdin)  # noqa: E731
    run("chat", "--user", "dora", stdin="你好\n")
    code, out = run("backup", str(tmp_path / "b" / "snap.db"))
    assert code == 0, out
    run("chat", "--user", "dora", stdin="/forget\n确认删除\n")
    assert "消息记录: 0" in run("chat", "--user", "eve", stdin="/mydata\n")[1]
    code, out = run("restore", str(tmp_path / "b" / "snap.db"), "--force")
    assert code == 0, out
    mydata = run("chat", "--user", "dora", stdin="/mydata\n")[1]
    assert "消息记录: 2" in mydata  # dora's first exchange is back (her /mydata is logged after counting)


def test_restore_refuses_a_file_that_is_not_a_backup_and_keeps_the_database(tmp_path, monkeypatch, capsys):
    live = tmp_path / "live.db"
    licensebot(monkeypatch, capsys, live, "chat", "--user", "dora", stdin="你好\n")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all")
    code, out = licensebot(monkeypatch, capsys, live, "restore", str(junk))
    assert code == 1 and "not a SQLite database" in out
    assert "消息记录: 2" in licensebot(monkeypatch, capsys, live, "chat", "--user", "dora", stdin="/mydata\n")[1]


def test_backup_explains_postgres(monkeypatch, capsys):
    code, out = licensebot(monkeypatch, capsys, "postgresql+psycopg://u@127.0.0.1:1/x", "backup", "x.db")
    assert code == 2 and "pg_dump" in out


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_backup_does_not_overwrite_a_file_without_force(tmp_path, monkeypatch, capsys):
    live, snap = tmp_path / "live.db", tmp_path / "snap.db"
    licensebot(monkeypatch, capsys, live, "chat", "--user", "dora", stdin="你好\n")
    snap.write_bytes(b"last week's backup")
    code, out = licensebot(monkeypatch, capsys, live, "backup", str(snap))
    assert code == 1 and "already exists" in out and "--force" in out
    assert snap.read_bytes() == b"last week's backup"
    code, out = licensebot(monkeypatch, capsys, live, "backup", str(snap), "--force")
    assert code == 0 and snap.read_bytes().startswith(b"SQLite format 3")


def test_restore_says_stop_the_bot_before_and_replaces_nothing_unless_confirmed(tmp_path, monkeypatch, capsys):
    live, snap = tmp_path / "live.db", tmp_path / "snap.db"
    licensebot(monkeypatch, capsys, live, "backup", str(snap))  # nothing there yet: exit 1
    licensebot(monkeypatch, capsys, live, "chat", "--user", "dora", stdin="你好\n")
    assert licensebot(monkeypatch, capsys, live, "backup", str(snap))[0] == 0
    licensebot(monkeypatch, capsys, live, "chat", "--user", "dora", stdin="再问一次\n")
    code, out = licensebot(monkeypatch, capsys, live, "restore", str(snap))  # a script: nobody to ask
    assert code == 1 and "Stop the bot first" in out and "restored" not in out
    assert "再问一次" in logged(live)  # the database was not replaced
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{live}")
    monkeypatch.setattr(sys, "stdin", _Terminal("n\n"))
    assert main(["restore", str(snap)]) == 1  # the operator says no
    monkeypatch.setattr(sys, "stdin", _Terminal("y\n"))
    assert main(["restore", str(snap)]) == 0
    out = capsys.readouterr().out
    assert out.index("Stop the bot first") < out.index("restored")
    assert "你好" in logged(live) and "再问一次" not in logged(live)


def logged(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [t for (t,) in conn.execute("SELECT text FROM message_log WHERE direction = 'in'")]
