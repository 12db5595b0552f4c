"""The terminal channel. Buttons show as numbered options; typing the number or the label presses one
(the core decides which: bot/keyboard.py).

When stdin is not a terminal it reads one message per line and prints the replies, for scripts.

Messages for this terminal that are not direct replies (a consultant's answer, a relayed client
message, a reminder) are Outbox rows addressed to ("console", chat id). Only the process running
the terminal can show them, so it delivers them itself: a poll every second in interactive mode,
before and after each line otherwise. A line starting with ">" replies to the last such message.
`/file PATH` sends a file from this computer, as a document sent on Telegram or WeCom would arrive.
"""

from __future__ import annotations

import logging
import mimetypes
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot import keyboard
from bot.clock import Clock
from bot.messages import Attachment, Incoming, Reply
from bot.outbox import body_to_reply
from bot.storage.db import Database
from bot.storage.models import Outbox
from channels.terminal import LineReader, reader_for, save_file

CHANNEL = "console"
FILE_COMMAND = "/file"
MAX_FILE_BYTES = 100 * 1024 * 1024  # read no more than this from disk; the feature checks its own limit
log = logging.getLogger(__name__)

Delivered = tuple[str, str, Reply]  # (chat id, platform message id, reply)


def render(reply: Reply) -> str:
    lines = [reply.text]
    lines += [f"  [{i}] {b.label}" for i, b in enumerate(reply.buttons, reply.number_from)]
    if reply.attachment is not None:
        lines.append(f"  (file: {reply.attachment.filename}, {len(reply.attachment.content)} bytes)")
    return "\n".join(lines)


class ConsoleSession:
    """One user's terminal conversation."""

    def __init__(self, handle: Callable[[Incoming], list[Reply]], user: str, lang: str | None = None,
                 shown: Callable[[], None] = lambda: None) -> None:
        self.handle = handle
        self.shown = shown  # called once the replies are printed (console_replies.py marks them sent)
        self.user = user
        self.lang = lang
        self.last_received: str | None = None  # platform id of the last Outbox message shown here

    def to_incoming(self, line: str) -> Incoming:
        text = line.rstrip("\r\n")
        stripped = text.strip()
        if stripped.startswith(">") and self.last_received is not None:
            return Incoming(channel=CHANNEL, chat_id=self.user, user_id=self.user, text=stripped[1:].strip(),
                            language=self.lang, reply_to=self.last_received, display_name=self.user)
        return Incoming(channel=CHANNEL, chat_id=self.user, user_id=self.user, text=text, language=self.lang,
                        display_name=self.user, numbered=True)

    def received(self, delivered: Delivered) -> str:
        """Remember a delivered Outbox message (its buttons, its id for ">" replies); return it rendered."""
        chat_id, platform_id, reply = delivered
        if chat_id == self.user:
            self.last_received = platform_id
            return "« " + render(reply)
        return f"[{chat_id}] " + render(reply)

    def send(self, line: str) -> list[Reply]:
        stripped = line.strip()
        if stripped == FILE_COMMAND or stripped.startswith(FILE_COMMAND + " "):
            attachment = read_local_file(stripped[len(FILE_COMMAND):].strip())
            if isinstance(attachment, Reply):
                return [attachment]
            incoming = Incoming(channel=CHANNEL, chat_id=self.user, user_id=self.user, language=self.lang,
                                attachment=attachment, display_name=self.user)
        else:
            incoming = self.to_incoming(line)
        return self.handle(incoming)

    def greet(self, answer: Callable[[Incoming], list[Reply]], command: str) -> list[Reply]:
        """What the terminal shows at start (`answer` stores nothing but its buttons: the user did not type it)."""
        return answer(self.to_incoming(command))


def read_local_file(path_text: str) -> Attachment | Reply:
    """The file at PATH as an attachment, or a message saying why it cannot be sent."""
    path = Path(path_text.strip().strip("'\"")).expanduser()
    if not path_text.strip():
        return Reply("用法：/file 文件路径（例如 /file ~/营业执照.pdf）/ Usage: /file PATH", tags=("console-file",))
    if not path.is_file():
        return Reply(f"找不到文件：{path} / No such file: {path}", tags=("console-file",))
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return Reply(f"文件太大（{size // 1024 // 1024}MB）/ File too large ({size // 1024 // 1024} MB)",
                     tags=("console-file",))
    try:
        content = path.read_bytes()
    except OSError as exc:
        return Reply(f"无法读取文件：{exc.strerror} / Cannot read the file: {exc.strerror}", tags=("console-file",))
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Attachment(path.name, content, mime)


class OutboxFeed:
    """Takes the pending Outbox rows addressed to this terminal's console chats and marks them sent.

    `on_sent(session, outbox_id, platform_id)` runs in the same transaction (e.g. so a consultant's
    ">" reply can be matched to the relayed message). The platform id of a console message is the
    Outbox row id.
    """

    def __init__(self, db: Database, clock: Clock, chat_ids: Iterable[str],
                 on_sent: Callable[[Session, int, str], None] | None = None) -> None:
        self.db = db
        self.clock = clock
        self.chat_ids = tuple(dict.fromkeys(chat_ids))
        self.on_sent = on_sent

    def take(self) -> list[Delivered]:
        now = self.clock.now()
        out: list[Delivered] = []
        with self.db.session() as session:
            rows = session.exec(select(Outbox).where(
                Outbox.channel == CHANNEL, col(Outbox.chat_id).in_(self.chat_ids),
                col(Outbox.status).in_(("pending", "sending")),  # 'sending': a reply a crashed console left
                Outbox.not_before <= now).order_by(col(Outbox.id))).all()
            for row in rows:
                # Claim the row: another process showing the same chat must not show it too.
                won = session.execute(
                    update(Outbox).where(col(Outbox.id) == row.id, col(Outbox.status) == row.status,
                                         col(Outbox.attempts) == row.attempts)
                    .values(status="sent", sent_at=now, attempts=row.attempts + 1))
                if not won.rowcount:  # type: ignore[attr-defined]
                    continue
                if self.on_sent is not None:
                    self.on_sent(session, row.id or 0, str(row.id))
                reply = body_to_reply(row.body)
                # one terminal is one screen: buttons shown here (a group's too) are what a number presses
                keyboard.shown_later(session, CHANNEL, self.chat_ids[0], reply.buttons, now)
                out.append((row.chat_id, str(row.id), reply))
        return out


def run(session: ConsoleSession, stdin: TextIO | None = None, out: TextIO | None = None,
        greeting: Iterable[Reply] = (), feed: OutboxFeed | None = None, poll_seconds: float = 1.0,
        files: Path | None = None) -> None:
    """The terminal conversation until the user leaves (/quit, Ctrl-D, Ctrl-C or the end of stdin).

    `files`: the folder where files the bot sends are saved (their path is shown); None shows only
    their name and size.
    """
    if stdin is None and hasattr(sys.stdin, "reconfigure"):
        # Bytes that are not UTF-8 (a GBK paste) arrive as lone surrogates, which the engine's guard
        # refuses politely, instead of a UnicodeDecodeError ending the chat.
        sys.stdin.reconfigure(errors="surrogateescape")
    stdin, out = stdin or sys.stdin, out or sys.stdout
    reader = reader_for(stdin, out)
    for reply in greeting:  # before the line editor takes the terminal, so the prompt comes after it
        print(render(reply), file=out)
    out.flush()
    session.shown()
    with reader.output() as shown:
        try:
            _converse(session, reader, shown, feed, poll_seconds, files)
        except KeyboardInterrupt:  # Ctrl-C while the bot was answering
            pass
        if reader.interactive:
            print("再见！/ Bye.", file=shown)


def _converse(session: ConsoleSession, reader: LineReader, out: TextIO, feed: OutboxFeed | None,
              poll_seconds: float, files: Path | None) -> None:
    printing = threading.Lock()

    def show(reply: Reply, text: str = "") -> None:
        text = text or render(reply)
        if files is not None and reply.attachment is not None:
            try:
                saved = save_file(reply.attachment, files)
                text += f"\n  （文件已保存 / saved: {saved.resolve()}）"
            except OSError as exc:
                text += f"\n  （文件未能保存 / could not save the file: {exc}）"
        print(text, file=out)

    def deliver() -> None:
        if feed is None:
            return
        try:
            delivered = feed.take()
        except Exception:  # a busy database must not end the terminal session
            log.exception("could not read messages for this console")
            return
        with printing:
            for item in delivered:
                show(item[2], session.received(item))
            out.flush()

    stop = threading.Event()
    if reader.interactive and feed is not None:
        def poll() -> None:
            while not stop.wait(poll_seconds):
                deliver()
        threading.Thread(target=poll, name="console-outbox", daemon=True).start()
    try:
        while True:
            if not reader.interactive:
                deliver()
            line = reader.read()
            if line is None:
                break
            if line.strip() in ("/quit", "/exit"):  # also in a script: the README says /quit leaves
                break
            if reader.interactive and not line.strip():
                continue  # Enter on an empty line: nothing was sent, as in any terminal program
            replies = session.send(line)
            with printing:
                for reply in replies:
                    show(reply)
                if not reader.interactive:
                    print(file=out)
                out.flush()
            session.shown()  # printed: the replies' outbox rows are marked sent (console_replies.py)
            if not reader.interactive:
                deliver()
    finally:
        stop.set()

