"""Every answer survives a crash: per channel, `licensebot` killed with SIGKILL while answering the
second of three messages — inside the engine's transaction, after its commit, and after the platform
accepted the reply but before it was marked sent — then started again. After the restart every
message has its answer, the engine answered each message once, and the chat's answers are in order
(the only allowed blemish: the reply that was in flight at the kill shows twice, one after the other).

The platforms redeliver what was not acknowledged, as they do: Telegram re-posts a webhook update
that got no answer and returns unconfirmed updates to getUpdates; WeCom's acknowledged callbacks and
fetched customer-service messages are in the bot's inbox; on the console the person types their
line again when it got no answer and never reached the database.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from bot.clock import SystemClock
from channels.wecom import xmlmsg
from channels.wecom.crypto import WeComCrypto
from tests.conftest import FIXTURES
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.fake_wecom import FakeState, serve
from tests.fake_wecom import build_app as build_fake
from tests.fault.kit import ROOT, free_port, wait_until
from tests.telegram_kit import USER, fake_fixture  # noqa: F401
from tests.wecom.rig import (
    AES_KEY,
    AGENT_ID,
    CONSULTANT,
    CORP_ID,
    KF_PATH,
    KF_SECRET,
    MEMBER_PATH,
    OPEN_KFID,
    ROBOT_KEY,
)
from tests.wecom.rig import SECRET as SECRET_APP
from tests.wecom.rig import TOKEN as WECOM_TOKEN

POINTS = ("before_commit", "after_commit", "during_send")
MESSAGES = ("/start", "/help", "ICP证续期要准备哪些材料？")  # the crash comes while answering the second
MARKERS = ("您好！我是", "可用命令", "测试答案：ICP续期材料")  # what each answer contains
SECRET = "crash-secret"


def base_env(tmp_path: Path, point: str = "") -> dict[str, str]:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "KNOWLEDGE_DIR": str(FIXTURES / "kb"),
           "CONSULTANCY_NAME": "测试顾问", "REPLY_LEASE_SECONDS": "1", "DISPATCH_INTERVAL_SECONDS": "1",
           "SWEEP_INTERVAL_SECONDS": "3600", "HTTP_PORT": str(free_port()), "DEFAULT_LANG": "zh",
           "TELEGRAM_PRIVATE_PER_SECOND": "100", "FAULT_TEXT": MESSAGES[1], "LOG_LEVEL": "INFO"}
    if point:
        env["FAULT_POINT"] = point
    return env


@contextmanager
def bot(env: dict[str, str], log: Path, *args: str, stdin: int | None = None) -> Iterator[subprocess.Popen[bytes]]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WECOM_", "FAULT_"))}
    with log.open("ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "tests.fault.crashing", *args], cwd=ROOT,
                                   env={**full, "PYTHONPATH": str(ROOT), **env}, stdin=stdin,
                                   stdout=subprocess.PIPE if stdin is not None else out, stderr=out)
        try:
            yield process
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)


def answered_in(texts: list[str]) -> list[int]:
    """Which message each sent text answers (texts answering none are left out)."""
    return [i for text in texts for i, marker in enumerate(MARKERS) if marker in text]


def all_sent(db: Path) -> bool:
    with sqlite3.connect(db) as c:
        return c.execute("SELECT count(*) FROM outbox WHERE status != 'sent'").fetchone()[0] == 0


def finish(process: subprocess.Popen[bytes], db: Path) -> None:
    """Once every row is marked sent there is nothing left to shut down gracefully: kill it (quick)."""
    wait_until(lambda: all_sent(db), 30, "every reply to be marked sent")
    process.kill()
    process.wait(timeout=10)


def check(texts: list[str], db: Path, point: str) -> None:
    """Every message answered, in order; only the reply in flight at the kill may show twice in a row."""
    answers = answered_in(texts)
    collapsed = [a for i, a in enumerate(answers) if i == 0 or answers[i - 1] != a]
    assert collapsed == [0, 1, 2], texts
    assert len(answers) - len(collapsed) <= (1 if point == "during_send" else 0), texts
    with sqlite3.connect(db) as c:  # the engine answered each message once
        ins = [t for (t,) in c.execute("SELECT text FROM message_log WHERE direction = 'in' ORDER BY id")]
        unsent = c.execute("SELECT count(*) FROM outbox WHERE status != 'sent'").fetchone()[0]
    assert ins == list(MESSAGES) and unsent == 0


def died(process: subprocess.Popen[bytes]) -> bool:
    try:
        return process.wait(timeout=20) == -9
    except subprocess.TimeoutExpired:
        return False


# ── Telegram ───────────────────────────────────────────────────────────────────────────────────

def telegram_env(tmp_path: Path, fake: FakeTelegram, point: str, webhook: bool) -> dict[str, str]:
    env = base_env(tmp_path, point) | {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": fake.base_url}
    if webhook:
        env |= {"TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{env['HTTP_PORT']}/telegram/webhook",
                "TELEGRAM_WEBHOOK_SECRET": SECRET}
    return env


def answered(fake: FakeTelegram, n: int) -> Callable[[], bool]:
    return lambda: len(set(answered_in(fake.texts(USER)))) >= n


@pytest.mark.parametrize("point", POINTS)
def test_telegram_polling_loses_no_answer_to_a_crash(point: str, fake: FakeTelegram, tmp_path: Path) -> None:
    env = telegram_env(tmp_path, fake, point, webhook=False)
    with bot(env, tmp_path / "bot.log", "run") as first:
        fake.push_text(USER, MESSAGES[0], language_code="zh")
        wait_until(answered(fake, 1), 30, "the first answer")
        fake.push_text(USER, MESSAGES[1], language_code="zh")
        assert died(first)
    fake.push_text(USER, MESSAGES[2], language_code="zh")  # written while the bot is down
    with bot({k: v for k, v in env.items() if k != "FAULT_POINT"}, tmp_path / "bot.log", "run") as second:
        wait_until(answered(fake, 3), 30, "every answer after the restart")
        wait_until(lambda: fake.all_fetched(), 10, "the updates to be confirmed")
        finish(second, tmp_path / "bot.db")
    check(fake.texts(USER), tmp_path / "bot.db", point)


def post_update(base: str, update: dict[str, object]) -> int | None:
    try:
        return httpx.post(f"{base}/telegram/webhook", json=update, timeout=30,
                          headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}).status_code
    except httpx.TransportError:
        return None  # refused, or the connection died with the process


def deliver(base: str, update: dict[str, object]) -> None:
    """Post until the bot answers 200, as Telegram does."""
    wait_until(lambda: post_update(base, update) == 200, 30, "the webhook to take the update", every=0.2)


@pytest.mark.parametrize("point", POINTS)
def test_telegram_webhook_loses_no_answer_to_a_crash(point: str, fake: FakeTelegram, tmp_path: Path) -> None:
    env = telegram_env(tmp_path, fake, point, webhook=True)
    base = f"http://127.0.0.1:{env['HTTP_PORT']}"
    updates = [fake.message_update(USER, text, language_code="zh") for text in MESSAGES]
    with bot(env, tmp_path / "bot.log", "run") as first:
        deliver(base, updates[0])
        assert post_update(base, updates[1]) is None  # the bot died while handling it: no answer
        assert died(first)
    with bot({k: v for k, v in env.items() if k != "FAULT_POINT"}, tmp_path / "bot.log", "run") as second:
        deliver(base, updates[1])  # Telegram posts an unanswered update again
        deliver(base, updates[2])
        wait_until(answered(fake, 3), 30, "every answer after the restart")
        finish(second, tmp_path / "bot.db")
    check(fake.texts(USER), tmp_path / "bot.db", point)


# ── console ────────────────────────────────────────────────────────────────────────────────────

def console(env: dict[str, str], tmp_path: Path, lines: list[str]) -> tuple[int, str]:
    with bot(env, tmp_path / "bot.log", "chat", "--user", "bob", stdin=subprocess.PIPE) as process:
        out, _ = process.communicate("".join(f"{line}\n" for line in lines).encode(), timeout=60)
    return process.returncode, out.decode()


@pytest.mark.parametrize("point", POINTS)
def test_the_console_loses_no_answer_to_a_crash(point: str, tmp_path: Path) -> None:
    env = base_env(tmp_path, point)
    code, shown = console(env, tmp_path, list(MESSAGES[:2]))
    assert code == -9
    env.pop("FAULT_POINT")
    time.sleep(1.2)  # the dead console's lease on its reply ends
    again = [MESSAGES[1]] if point == "before_commit" else []  # no answer, nothing stored: typed again
    code, more = console(env, tmp_path, [*again, MESSAGES[2]])
    assert code == 0
    check((shown + more).split("\n\n"), tmp_path / "bot.db", point)


# ── WeCom: members and WeChat Customer Service clients ────────────────────────────────────────

@pytest.fixture
def wecom() -> Iterator[tuple[str, FakeState]]:
    state = FakeState(clock=SystemClock(), corp_id=CORP_ID, secrets={SECRET_APP: "app", KF_SECRET: "kf"},
                      robot_key=ROBOT_KEY)
    with serve(build_fake(state)) as url:
        yield url, state


def wecom_env(tmp_path: Path, api: str, point: str) -> dict[str, str]:
    return base_env(tmp_path, point) | {
        "WECOM_CORP_ID": CORP_ID, "WECOM_AGENT_ID": str(AGENT_ID), "WECOM_SECRET": SECRET_APP,
        "WECOM_TOKEN": WECOM_TOKEN, "WECOM_AES_KEY": AES_KEY, "WECOM_KF_SECRET": KF_SECRET,
        "WECOM_API_BASE": api, "WECOM_KF_CONSULTANT": CONSULTANT}


def callback(base: str, path: str, inner: dict[str, str | int]) -> int | None:
    """Post an encrypted callback as WeCom does; None when the bot is not there."""
    ts, nonce = str(int(time.time())), f"n{time.monotonic_ns()}"
    ciphertext, sig = WeComCrypto(WECOM_TOKEN, AES_KEY, CORP_ID).seal(xmlmsg.render(inner), ts, nonce)
    body = xmlmsg.render({"ToUserName": CORP_ID, "Encrypt": ciphertext, "AgentID": AGENT_ID})
    try:
        return httpx.post(f"{base}{path}", params={"msg_signature": sig, "timestamp": ts, "nonce": nonce},
                          content=body, timeout=10).status_code
    except httpx.TransportError:
        return None


def member_says(base: str, text: str, msgid: int) -> None:
    inner: dict[str, str | int] = {"ToUserName": CORP_ID, "FromUserName": "zhangsan", "CreateTime": int(time.time()),
                                   "MsgType": "text", "Content": text, "MsgId": msgid, "AgentID": AGENT_ID}
    wait_until(lambda: callback(base, MEMBER_PATH, inner) == 200, 30, "the callback to be acknowledged", every=0.2)


def client_says(base: str, state: FakeState, text: str) -> None:
    state.client_writes(OPEN_KFID, "wmCLIENT", text)
    signal_ = {"ToUserName": CORP_ID, "CreateTime": int(time.time()), "MsgType": "event",
               "Event": "kf_msg_or_event", "Token": f"t{time.monotonic_ns()}", "OpenKfId": OPEN_KFID}
    wait_until(lambda: callback(base, KF_PATH, signal_) == 200, 30, "the callback to be acknowledged", every=0.2)


def wecom_texts(state: FakeState, kind: str, who: str) -> list[str]:
    return [s.text for s in state.to(kind, who)]


def wecom_answered(state: FakeState, kind: str, who: str, n: int) -> Callable[[], bool]:
    return lambda: len(set(answered_in(wecom_texts(state, kind, who)))) >= n


@pytest.mark.parametrize("point", POINTS)
def test_wecom_members_lose_no_answer_to_a_crash(point: str, wecom: tuple[str, FakeState], tmp_path: Path) -> None:
    api, state = wecom
    env = wecom_env(tmp_path, api, point)
    base = f"http://127.0.0.1:{env['HTTP_PORT']}"
    with bot(env, tmp_path / "bot.log", "run") as first:
        member_says(base, MESSAGES[0], 1)
        wait_until(wecom_answered(state, "member", "zhangsan", 1), 30, "the first answer")
        member_says(base, MESSAGES[1], 2)  # acknowledged at once, then the bot dies answering it
        assert died(first)
    with bot({k: v for k, v in env.items() if k != "FAULT_POINT"}, tmp_path / "bot.log", "run") as second:
        member_says(base, MESSAGES[2], 3)
        wait_until(wecom_answered(state, "member", "zhangsan", 3), 30, "every answer after the restart")
        finish(second, tmp_path / "bot.db")
    check(wecom_texts(state, "member", "zhangsan"), tmp_path / "bot.db", point)
    if point == "during_send":  # the repeat went out with WeCom's duplicate check, which dropped it
        assert len(state.duplicates_dropped) == 1


@pytest.mark.parametrize("point", POINTS)
def test_wechat_clients_lose_no_answer_to_a_crash(point: str, wecom: tuple[str, FakeState], tmp_path: Path) -> None:
    api, state = wecom
    env = wecom_env(tmp_path, api, point)
    base = f"http://127.0.0.1:{env['HTTP_PORT']}"
    with bot(env, tmp_path / "bot.log", "run") as first:
        client_says(base, state, MESSAGES[0])
        wait_until(wecom_answered(state, "kf", "wmCLIENT", 1), 30, "the first answer")
        client_says(base, state, MESSAGES[1])  # fetched past the cursor, then the bot dies answering it
        assert died(first)
    with bot({k: v for k, v in env.items() if k != "FAULT_POINT"}, tmp_path / "bot.log", "run") as second:
        client_says(base, state, MESSAGES[2])
        wait_until(wecom_answered(state, "kf", "wmCLIENT", 3), 30, "every answer after the restart")
        finish(second, tmp_path / "bot.db")
    check(wecom_texts(state, "kf", "wmCLIENT"), tmp_path / "bot.db", point)
