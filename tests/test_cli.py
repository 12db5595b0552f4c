"""The command line as a user runs it: real processes, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def licensebot(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "licensebot.cli.main", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, env=full_env, timeout=120)


def test_ask_json_answers_every_line_of_a_thousand_line_stdin():
    questions = [f"ICP证续期要什么材料{i}" if i % 3 else "" for i in range(1000)]
    questions[7] = "驾驶证到期换证 🚗"
    questions[8] = "x" * 5000
    done = licensebot("ask", "--json", stdin="\n".join(questions) + "\n")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1000
    for question, line in zip(questions, lines, strict=True):
        obj = json.loads(line)
        assert obj["query"] == question
        assert obj["decision"] in ("answer", "clarify", "fallback")
        assert len(obj["results"]) <= 5
        for r in obj["results"]:
            assert set(r) == {"id", "license", "topic", "score"} and 0.0 <= r["score"] <= 1.0


def test_ask_json_single_question_argument():
    done = licensebot("ask", "--json", "ICP证续期要什么材料")
    obj = json.loads(done.stdout)
    assert obj["query"] == "ICP证续期要什么材料" and obj["results"]


def test_chat_reads_stdin_when_not_a_terminal(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    done = licensebot("chat", "--user", "carol", stdin="/start\n/mydata\n", env=env)
    assert done.returncode == 0, done.stderr
    assert "许可证助手" in done.stdout and "消息记录: 2" in done.stdout  # /start in and out
    assert "Traceback" not in done.stdout + done.stderr


def test_two_console_users_on_one_database_are_two_clients(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    licensebot("chat", "--user", "a", stdin="你好\n你好\n", env=env)
    done = licensebot("chat", "--user", "b", stdin="/mydata\n", env=env)
    assert "消息记录: 0" in done.stdout


def test_db_upgrade_reports_success(tmp_path):
    done = licensebot("db", "upgrade", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'u.db'}"})
    assert done.returncode == 0 and "up to date" in done.stdout


def test_kb_lint_and_coverage_report_on_a_broken_folder(tmp_path):
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "x.yaml").write_text("- id: [oops\n", encoding="utf-8")
    done = licensebot("kb", "lint", env={"KNOWLEDGE_DIR": str(tmp_path)})
    assert done.returncode == 1 and "x.yaml" in done.stdout and "Traceback" not in done.stderr


def test_kb_lint_reports_a_missing_year_of_public_holidays(tmp_path):
    (tmp_path / "hours.yaml").write_text('weekly:\n  mon: "09:00-18:00"\nholidays: ["2001-01-01"]\n', encoding="utf-8")
    done = licensebot("kb", "lint", env={"KNOWLEDGE_DIR": str(tmp_path)})
    assert "hours.yaml: no public holidays listed for" in done.stdout


def test_a_gbk_paste_into_the_console_is_refused_politely(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    gbk = "你好，许可证".encode("gbk")  # not UTF-8: the console must not die on it
    done = subprocess.run([sys.executable, "-m", "licensebot.cli.main", "chat", "--user", "dora"],
                          input=gbk + b"\n/mydata\n", capture_output=True, cwd=ROOT, env={**os.environ, **env},
                          timeout=120)
    out, err = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 0 and "Traceback" not in out + err, err
    assert "无法识别的字符" in out and "消息记录: 0" in out  # refused, nothing stored
