"""The console as a person uses it in a terminal: line editing, history, pastes, Ctrl-C, Ctrl-D.

Each test runs `licensebot chat` on a pseudo-terminal and types into it key by key (tests/terminal_kit.py);
what the bot received is read back from the message log.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.terminal_kit import CTRL_C, CTRL_D, ENTER, LEFT, PROMPT, UP, Terminal


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "t.db"


def terminal(db_file: Path, user: str = "pat") -> Terminal:
    return Terminal("--user", user, env={"DATABASE_URL": f"sqlite:///{db_file}",
                                         "CONSOLE_FILES_DIR": str(db_file.parent / "files")})


def received(db_file: Path) -> list[str]:
    with sqlite3.connect(db_file) as conn:
        return [t for (t,) in conn.execute("SELECT text FROM message_log WHERE direction = 'in' ORDER BY id")]


def test_a_line_edited_with_the_arrows_and_recalled_with_up_is_what_the_bot_receives(db_file):
    t = terminal(db_file)
    try:
        t.read_until(PROMPT)
        t.type("ICP续期材料" + LEFT * 4 + "证" + ENTER)  # back four characters, insert 证
        t.read_until("开始续期清单")
        t.read_until(PROMPT)
        t.type(UP + ENTER)  # the line before, sent again
        t.read_until("开始续期清单")
        t.read_until(PROMPT)
        t.type(CTRL_C)
        t.read_until("Bye")
        assert t.wait() == 0
    finally:
        t.close()
    assert "Traceback" not in t.screen and "KeyboardInterrupt" not in t.screen
    assert "^[[" not in t.screen  # arrow keys are keys, not text
    # the greeting was shown, not sent: the client's log holds only what they typed
    assert received(db_file) == ["ICP证续期材料", "ICP证续期材料"]


def test_a_long_paste_is_read_whole_and_a_multi_line_paste_is_one_message(db_file):
    t = terminal(db_file)
    try:
        t.read_until(PROMPT)
        t.paste("续" * 5000)
        t.type(ENTER)
        t.read_until("消息太长了（5000字）")  # the engine's too-long message names the real length
        t.read_until(PROMPT)
        rows = "\n".join(f"京B2-2021{i:04d}\tICP\t北京\t2027-03-{i % 28 + 1:02d}" for i in range(40))
        t.paste(rows)
        t.type(ENTER)
        t.read_until("没有把握回答")  # (no consultant configured here: no hand-off button)
        t.read_until(PROMPT)
        t.type(CTRL_D)
        assert t.wait() == 0
    finally:
        t.close()
    assert received(db_file) == [rows]  # forty lines, one message
    assert t.screen.count("您发送得太快了") == 0 and "Traceback" not in t.screen


def test_ctrl_c_while_typing_leaves_without_sending_the_line(db_file):
    t = terminal(db_file)
    try:
        t.read_until(PROMPT)
        t.type("半句话" + CTRL_C)
        assert t.wait() == 0
    finally:
        t.close()
    assert "Traceback" not in t.screen and received(db_file) == []


def test_a_file_the_bot_sends_is_saved_in_the_folder_and_its_path_shown(tmp_path):
    import io

    from bot.messages import Attachment, Reply
    from channels.console import ConsoleSession, run

    sheet = Attachment("renewal checklist/../a.xlsx", b"PK\x03\x04 sheet")
    session = ConsoleSession(lambda incoming: [Reply("清单如下", attachment=sheet)], user="pat")
    out = io.StringIO()
    run(session, stdin=io.StringIO("导出Excel\n导出Excel\n"), out=out, files=tmp_path / "files")
    saved = sorted((tmp_path / "files").iterdir())
    assert [p.name for p in saved] == ["a-2.xlsx", "a.xlsx"]  # the second one does not overwrite the first
    assert all(p.read_bytes() == sheet.content for p in saved)
    assert str(saved[1].resolve()) in out.getvalue() and str(saved[0].resolve()) in out.getvalue()


def test_a_message_arriving_while_typing_shows_above_the_line_being_typed(db_file):
    from datetime import UTC, datetime

    from bot.messages import ChatRef, Reply
    from bot.outbox import enqueue
    from bot.storage.db import Database

    t = terminal(db_file, user="bob")
    try:
        t.read_until(PROMPT)
        t.type("半句")
        db = Database(f"sqlite:///{db_file}")
        with db.session() as s:
            enqueue(s, ChatRef("console", "bob"), Reply("👤 顾问alice：在的"), "handoff-reply", "k1", datetime.now(UTC))
        db.dispose()
        t.read_until("在的", timeout=20)
        t.type("话" + ENTER)  # the half-typed line is still there, and is finished
        t.read_until("没有把握回答")
        t.read_until(PROMPT)  # keys typed before the prompt is back may be dropped by the line editor
        t.type(CTRL_D)
        assert t.wait() == 0
    finally:
        t.close()
    assert received(db_file) == ["半句话"]


def test_quit_ends_a_scripted_chat_too():
    """`/quit` in piped input ends the chat: the lines after it are not sent (the README says /quit leaves)."""
    import io

    from bot.messages import Reply
    from channels.console import ConsoleSession, run

    sent: list[str] = []

    def handle(incoming):
        sent.append(incoming.text)
        return [Reply("ok")]

    run(ConsoleSession(handle, "bob"), stdin=io.StringIO("你好\n/quit\n还在吗\n"), out=io.StringIO())
    assert sent == ["你好"]
