"""A broken knowledge-base file at reload: the consultants' /reload says what is wrong and the bot keeps
answering from the version in service; a fixed file is taken up. SIGHUP does the same in the process."""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.context import Services
from bot.engine import Engine
from knowledge.base import KnowledgeBase
from knowledge.reload import reload_on_sighup
from licensebot.app import build_services
from tests.chat import ChatDriver
from tests.conftest import make_settings
from tests.fault.kit import copy_knowledge, wait_until

NEW_ENTRY = """
- id: general-reload-check
  license: general
  topic: need
  question: 重新加载测试问题是什么？
  alternates: [重新加载测试]
  answer: 测试答案：新加的条目。
  related: []
  source: 测试
  reviewed: 2026-11-01
"""


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    return copy_knowledge(tmp_path)


@pytest.fixture
def services(kb: Path, sqlite_url: str, clock: FrozenClock) -> Iterator[Services]:
    settings = replace(make_settings(sqlite_url, consultants="console:alice"), knowledge_dir=str(kb))
    s = build_services(settings, clock)
    yield s
    s.db.dispose()


def test_reload_reports_a_broken_file_keeps_answering_and_takes_up_a_fixed_one(kb, services):
    engine = Engine(services)
    client, alice = ChatDriver(engine, user="bob"), ChatDriver(engine, user="alice")
    faq = kb / "faq" / "test.yaml"
    good = faq.read_text(encoding="utf-8")

    faq.write_text(good + "\n- id: [unclosed\n", encoding="utf-8")
    alice.send("/reload")
    assert alice.tags == {"reload-failed"} and "test.yaml" in alice.text and "not valid YAML" in alice.text
    client.send("ICP证续期要准备哪些材料？")
    assert "测试答案：ICP续期材料" in client.text  # the version in service still answers

    client.send("/reload")  # not a consultant: refused, nothing reloaded
    assert "reload-ok" not in client.tags and "reload-failed" not in client.tags

    faq.write_text(good + NEW_ENTRY, encoding="utf-8")
    alice.send("/reload")
    assert alice.tags == {"reload-ok"} and "3" in alice.text
    client.send("重新加载测试问题是什么？")
    assert "测试答案：新加的条目" in client.text


def test_sighup_reloads_and_a_broken_file_leaves_the_old_version_in_service(kb, services, caplog):
    faq = kb / "faq" / "test.yaml"
    good = faq.read_text(encoding="utf-8")
    previous = signal.getsignal(signal.SIGHUP)
    try:
        reload_on_sighup(services.get(KnowledgeBase))
        faq.write_text(good + NEW_ENTRY, encoding="utf-8")
        os.kill(os.getpid(), signal.SIGHUP)
        wait_until(lambda: services.get(KnowledgeBase).get("general-reload-check"), 10, "the reload after SIGHUP")

        serving = services.get(KnowledgeBase).snapshot
        faq.write_text("not: [a list", encoding="utf-8")
        with caplog.at_level(logging.ERROR, logger="knowledge.base"):
            os.kill(os.getpid(), signal.SIGHUP)
            wait_until(lambda: "knowledge reload failed" in caplog.text, 10, "the failed reload to be logged")
        assert services.get(KnowledgeBase).snapshot is serving
        client = ChatDriver(Engine(services), user="bob")
        client.send("重新加载测试问题是什么？")
        assert "测试答案：新加的条目" in client.text
    finally:
        signal.signal(signal.SIGHUP, previous)
