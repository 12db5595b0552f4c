"""`licensebot run --workers 2` on PostgreSQL, as a real process: the worker that handled a client's
last checklist step is killed with SIGKILL; the other worker goes on at the right step and the
supervisor starts a replacement; SIGHUP with a broken knowledge-base file leaves every worker
answering; /metrics sums the workers (the dead one's counts included)."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import httpx

from tests.fake_telegram import TOKEN, FakeTelegram
from tests.fault.kit import Service, copy_knowledge, free_port, licensebot_run, private_database, wait_until
from tests.telegram_kit import USER, fake_fixture  # noqa: F401

SECRET = "fault-secret"


def post(base: str, update: dict[str, object]) -> int:
    """Post an update as Telegram does; a worker still connecting to Telegram answers 503: send again."""

    def attempt() -> int | None:
        try:
            status = httpx.post(f"{base}/telegram/webhook", json=update, timeout=30,
                                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}).status_code
        except httpx.TransportError:
            return None
        return None if status == 503 else status

    return wait_until(attempt, 30, "the webhook to take the update", every=0.2)


def ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def messages_in(base: str) -> float:
    text = httpx.get(f"{base}/metrics", timeout=5).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("licensebot_messages_in_total{"))


def last_handler(bot: Service) -> int:
    """The worker that handled the latest message (JSON logs carry the worker's pid)."""
    return int(json.loads(bot.log_lines('"message handled"')[-1])["pid"])


def test_a_worker_killed_in_a_checklist_is_replaced_and_the_checklist_resumes(fake: FakeTelegram,
                                                                              tmp_path: Path) -> None:
    kb = copy_knowledge(tmp_path)
    port = free_port()
    with private_database() as url:
        env = {"DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": fake.base_url,
               "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook",
               "TELEGRAM_WEBHOOK_SECRET": SECRET, "HTTP_PORT": str(port), "KNOWLEDGE_DIR": str(kb),
               "SCHEDULER_IN_PROCESS": "false", "TELEGRAM_PRIVATE_PER_SECOND": "100", "LOG_JSON": "true"}
        with licensebot_run(env, 2, tmp_path / "bot.log") as bot:
            booted = lambda n: len(bot.log_lines("Telegram channel up")) >= n  # noqa: E731
            wait_until(lambda: booted(2) and ready(bot.base), 60, "two workers to serve")

            def say(text: str) -> str:
                before = len(fake.texts(USER))
                assert post(bot.base, fake.message_update(USER, text, language_code="zh")) == 200
                return "\n".join(fake.texts(USER)[before:])  # sent before the webhook answered

            assert say("/renew").startswith("（第1步）")
            assert say("ICP").startswith("（第2步）")
            victim = last_handler(bot)
            os.kill(victim, signal.SIGKILL)  # in the middle of the checklist, nothing handed over

            assert say("全网").startswith("（第3步）")  # the other worker goes on where the dead one stopped
            assert last_handler(bot) != victim
            assert say("/back").startswith("（第2步）")
            wait_until(lambda: booted(3) and len(bot.workers()) == 2 and victim not in bot.workers(), 60,
                       "the supervisor to replace the killed worker")
            assert "已退出" in say("/cancel")

            (kb / "faq" / "test.yaml").write_text("- id: [broken\n", encoding="utf-8")
            os.kill(bot.pid, signal.SIGHUP)  # the supervisor passes it on: each worker reloads in place
            wait_until(lambda: len(bot.log_lines("knowledge reload failed")) == 2, 30,
                       "both workers to report the broken file")
            assert "测试答案：每年第一季度" in say("年报什么时候报")  # the previous version still answers
            assert bot.process.poll() is None and len(bot.workers()) == 2

            assert messages_in(bot.base) == 6  # every worker's count, the killed one's too
