"""The console works the whole loop: two terminals on one database, each showing its own Outbox rows."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
from pathlib import Path

from sqlmodel import select

from bot.messages import Button, ChatRef, Reply
from bot.outbox import enqueue
from bot.storage.models import Outbox
from channels.console import ConsoleSession, OutboxFeed, run
from intents.handoff_models import note_platform_id
from licensebot.cli import chat
from tests.conftest import make_settings
from tests.handoff.conftest import Hub

ROOT = Path(__file__).resolve().parents[2]


def test_feed_takes_only_this_terminals_rows_once_and_marks_them_sent(hub: Hub, clock):
    db = hub.services.db
    with db.session() as s:
        for i, (channel, chat) in enumerate([("console", "alice"), ("console", "bob"), ("telegram", "alice"),
                                             ("console", "consultants")]):
            enqueue(s, ChatRef(channel, chat), Reply(f"m{i}"), "test", f"k{i}", clock.now())
        enqueue(s, ChatRef("console", "alice"), Reply("later"), "test", "k-later", clock.now(),
                not_before=clock.now().replace(hour=clock.now().hour + 1))
    seen: list[tuple[int, str]] = []
    feed = OutboxFeed(db, clock, ["alice", "consultants"], on_sent=lambda s, oid, pid: seen.append((oid, pid)))
    taken = feed.take()
    assert [(chat, reply.text) for chat, _pid, reply in taken] == [("alice", "m0"), ("consultants", "m3")]
    assert seen == [(1, "1"), (4, "4")]
    assert feed.take() == []
    clock.advance(hours=2)
    assert [reply.text for _c, _p, reply in feed.take()] == ["later"]
    with db.session() as s:
        statuses = {r.dedupe_key: r.status for r in s.exec(select(Outbox)).all()}
    assert statuses == {"k0": "sent", "k1": "pending", "k2": "pending", "k3": "sent", "k-later": "sent"}


def test_a_line_starting_with_gt_replies_to_the_last_message_received():
    session = ConsoleSession(lambda incoming: [], user="alice")
    assert session.to_incoming("> hi").reply_to is None  # nothing received yet: plain text
    shown = session.received(("alice", "17", Reply("💬 #1 bob：在吗", buttons=(Button("ok", "/ok"),))))
    assert shown.startswith("« 💬 #1 bob")
    assert session.received(("consultants", "18", Reply("🆕 #2"))).startswith("[consultants] ")
    incoming = session.to_incoming(">  在的，请讲\n")
    assert (incoming.text, incoming.reply_to) == ("在的，请讲", "17")  # the group row is not the one quoted
    typed = session.to_incoming("1")  # what "1" presses is the core's decision (bot/keyboard.py)
    assert typed.payload is None and typed.numbered


def terminal(hub: Hub, user: str, lines: str, chats: tuple[str, ...] = ()) -> str:
    """One non-interactive console run (a script piped into `licensebot chat`) on the hub's database."""
    out = io.StringIO()
    session = ConsoleSession(hub.engine.handle, user=user)
    feed = OutboxFeed(hub.services.db, hub.services.clock, (user, *chats), on_sent=note_platform_id)
    run(session, stdin=io.StringIO(lines), out=out, feed=feed)
    return out.getvalue()


def test_two_terminals_work_the_whole_loop(make_hub):
    hub = make_hub(consultants="console:alice", consultant_group="console:consultants")
    assert "#1" in terminal(hub, "bob", "/human\n")
    shown = terminal(hub, "alice", "1\n", chats=("consultants",))  # sees the announcement, presses claim
    assert "[consultants] 🆕" in shown and "case-packet" not in shown and "/human" in shown
    assert "已接入" in terminal(hub, "bob", "续期要多久？\n")  # the claim notice arrives first
    shown = terminal(hub, "alice", "> 一般20个工作日\n/close\n", chats=("consultants",))
    assert "« 💬 #1 bob：续期要多久？" in shown and "✓ 已发给 #1" in shown and "已结束 #1" in shown
    shown = terminal(hub, "bob", "5\n")  # reads the answer and the rating request, presses 5
    assert "« 👤 顾问alice：一般20个工作日" in shown and "谢谢您的评分" in shown
    assert hub.ticket().rating == 5


def chat_main(monkeypatch, capsys, settings, lines: str, user: str = "", consultant: str = "") -> str:
    """`licensebot chat` with piped stdin, in this process (a new Services each time, like a new process)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(lines))
    assert chat.main(argparse.Namespace(user=user, consultant=consultant, lang=None), settings) == 0
    out = capsys.readouterr()
    return out.out + out.err


def test_chat_terminals_share_one_database(tmp_path, monkeypatch, capsys):
    settings = make_settings(f"sqlite:///{tmp_path / 'shared.db'}", consultants="console:alice",
                             consultant_group="console:consultants")
    chat_main(monkeypatch, capsys, settings, "转人工\n", user="bob")
    shown = chat_main(monkeypatch, capsys, settings, "/claim 1\n/reply 1 您好，我是顾问\n", consultant="alice")
    assert "[consultants] 🆕 新工单 #1" in shown and "✓ 已发给 #1" in shown
    shown = chat_main(monkeypatch, capsys, settings, "/bot\n", user="bob")
    assert "« 👤 顾问alice：您好，我是顾问" in shown and "请为本次顾问服务打分" in shown


def test_licensebot_chat_consultant_not_on_the_list_is_warned_and_refused(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}", "CONSULTANTS": "console:alice"}
    done = subprocess.run([sys.executable, "-m", "licensebot.cli.main", "chat", "--consultant", "mallory"],
                          input="/queue\n", capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "not in CONSULTANTS" in done.stderr and "仅供顾问使用" in done.stdout


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_interactive_console_shows_arriving_messages_while_waiting_for_input(hub: Hub, clock):
    import threading

    arrived = threading.Event()

    class Screen(io.StringIO):
        def write(self, text: str) -> int:
            if "«" in text:
                arrived.set()
            return super().write(text)

    class Keyboard(_Tty):
        def readline(self, size: int = -1) -> str:
            assert arrived.wait(timeout=10), "the poll never showed the message"
            return "/quit\n"

    with hub.services.db.session() as s:
        enqueue(s, ChatRef("console", "bob"), Reply("👤 顾问alice：在的"), "handoff-reply", "k1", clock.now())
    screen = Screen()
    session = ConsoleSession(hub.engine.handle, user="bob")
    run(session, stdin=Keyboard(), out=screen, feed=OutboxFeed(hub.services.db, clock, ["bob"]),
        poll_seconds=0.01)
    assert "« 👤 顾问alice：在的" in screen.getvalue()
