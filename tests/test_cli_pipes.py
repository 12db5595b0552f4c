"""Every command ends like a terminal program: a reader that closes the pipe early (`… | head`) or Ctrl-C
stops it without a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.test_cli import ROOT

CHECKLIST = ("checklist", "--license", "icp", "--scope", "provincial", "--province", "北京",
             "--expires", "2027-03-15", "--today", "2026-11-27")


@pytest.mark.parametrize("args", [CHECKLIST, ("--help",), ("kb", "coverage"), ("ask", "ICP证续期要什么材料")],
                         ids=["checklist", "help", "kb-coverage", "ask"])
def test_a_closed_pipe_ends_the_command_without_a_traceback(tmp_path, args):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"}
    process = subprocess.Popen([sys.executable, "-m", "licensebot.cli.main", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, cwd=ROOT, env=env)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # `| head` that has read what it wanted
    err = process.stderr.read().decode()
    process.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert process.returncode in (0, 141)


def test_ctrl_c_ends_a_piped_chat_without_a_traceback(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"}
    process = subprocess.Popen([sys.executable, "-m", "licensebot.cli.main", "chat", "--user", "pat"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                               env=env)
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    process.stdin.write(b"/help\n")
    process.stdin.flush()
    shown = b""
    deadline = time.monotonic() + 60
    while "可用命令".encode() not in shown and time.monotonic() < deadline:
        shown += process.stdout.read1(4096)  # type: ignore[attr-defined]
    process.send_signal(signal.SIGINT)  # the chat now waits for the next line
    err = process.stderr.read().decode()
    process.wait(timeout=60)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert process.returncode in (0, 130)


def test_no_command_overwrites_an_existing_file_without_force(tmp_path):
    from tests.test_cli import licensebot

    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"}
    kept = tmp_path / "kept"
    for suffix, args in ((".csv", ("licenses", "export")), (".yaml", ("kb", "gaps", "--yaml")),
                         (".xlsx", (*CHECKLIST, "--xlsx"))):
        target = kept.with_suffix(suffix)
        target.write_text("the operator's own file", encoding="utf-8")
        done = licensebot(*args, str(target), env=env)
        assert done.returncode == 1 and "--force" in done.stderr, (args, done.stdout, done.stderr)
        assert target.read_text(encoding="utf-8") == "the operator's own file"
        done = licensebot(*args, str(target), "--force", env=env)
        assert done.returncode == 0, done.stderr
        assert target.read_bytes() != b"the operator's own file"
