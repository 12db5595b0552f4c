"""The notification log: every reminder with when, to whom, channel and sent / acknowledged, in
/mylicenses and `licensebot reminders log NUMBER [--json]`; second contacts register with a code."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.engine import Engine
from bot.messages import Incoming
from licensebot.app import build_services
from licensebot.cli.main import main
from licensebot.runtime import run_once
from scheduler.rules import load_rules
from tests.cases.kit import add_client_license
from tests.conftest import make_settings
from tests.reminders_support import FakeSender

START = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def test_log_in_chat_and_on_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    clock = FrozenClock(START)
    svc = build_services(make_settings(url, case_files_dir=str(tmp_path / "files")), clock)
    engine = Engine(svc)
    lid = add_client_license(svc.db, date(2026, 11, 27), START, channel="telegram", user="42")
    sender = FakeSender(clock)
    asyncio.run(run_once(svc, load_rules(), {"telegram": sender}))
    ack = engine.handle(Incoming("telegram", "42", "42", payload=f"/license {lid} ack"))
    assert "已记录您正在处理" in ack[0].text
    shown = engine.handle(Incoming("telegram", "42", "42", payload=f"/license {lid} log"))[0].text
    assert "续期 d180 → telegram:42 [已确认]" in shown
    other = engine.handle(Incoming("telegram", "43", "43", payload=f"/license {lid} log"))[0].text
    assert "没有找到" in other  # nobody sees another client's log

    invite = engine.handle(Incoming("telegram", "42", "42", payload=f"/license {lid} contact 王总"))[0].text
    code = invite.split("/contact ", 1)[1].split()[0]
    assert "已登记" in engine.handle(Incoming("wecom", "wangzong", "wangzong", text=f"/contact {code}"))[0].text
    assert "无效" in engine.handle(Incoming("wecom", "other", "other", text=f"/contact {code}"))[0].text
    svc.db.dispose()

    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["reminders", "log", "京B2-20210001", "--json"]) == 0
    [entry] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert entry["to"] == "telegram:42" and entry["channel"] == "telegram" and entry["status"] == "acknowledged"
    assert entry["milestone"] == "d180" and entry["acknowledged_by"] == "telegram:42"
    assert main(["reminders", "log", "京B2-29999999"]) == 1
