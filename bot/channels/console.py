"""The terminal channel. Buttons show as numbered options; typing the number or the label presses one.

When stdin is not a terminal it reads one message per line and prints the replies, for scripts.

Messages for this terminal that are not direct replies (a consultant's answer, a relayed client
message, a reminder) are Outbox rows addressed to ("console", chat id). Only the process running
the terminal can show them, so it delivers them itself: a poll every second in interactive mode,
before and after each line otherwise. A line starting with ">" replies to the last such message.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterable
from typing import TextIO

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.clock import Clock
from bot.messages import Button, Incoming, Reply
from bot.outbox import body_to_reply
from bot.storage.db import Database
from bot.storage.models import Outbox

CHANNEL = "console"
log = logging.getLogger(__name__)

Delivered = tuple[str, str, Reply]  # (chat id, platform message id, reply)


def render(reply: Reply) -> str:
    lines = [reply.text]
    lines += [f"  [{i}] {b.label}" for i, b in enumerate(reply.buttons, 1)]
    if reply.attachment is not None:
        lines.append(f"  (file: {reply.attachment.filename}, {len(reply.attachment.content)} bytes)")
    return "\n".join(lines)


class ConsoleSession:
    """One user's terminal conversation; remembers the last buttons shown so they can be pressed."""

    def __init__(self, handle: Callable[[Incoming], list[Reply]], user: str, lang: str | None = None,
                 shown: Callable[[], None] = lambda: None) -> None:
        self.handle = handle
        self.shown = shown  # called once the replies are printed (console_replies.py marks them sent)
        self.user = user
        self.lang = lang
        self.buttons: tuple[Button, ...] = ()
        self.last_received: str | None = None  # platform id of the last Outbox message shown here

    def to_incoming(self, line: str) -> Incoming:
        text = line.rstrip("\r\n")
        stripped = text.strip()
        if stripped.startswith(">") and self.last_received is not None:
            return Incoming(channel=CHANNEL, chat_id=self.user, user_id=self.user, text=stripped[1:].strip(),
                            language=self.lang, reply_to=self.last_received, display_name=self.user)
        pressed = self._pressed(stripped)
        return Incoming(channel=CHANNEL, chat_id=self.user, user_id=self.user, text=text,
                        payload=pressed.payload if pressed else None, language=self.lang,
                        display_name=self.user)

    def received(self, delivered: Delivered) -> str:
        """Remember a delivered Outbox message (its buttons, its id for ">" replies); return it rendered."""
        chat_id, platform_id, reply = delivered
        if reply.buttons:
            self.buttons = reply.buttons
        if chat_id == self.user:
            self.last_received = platform_id
            return "« " + render(reply)
        return f"[{chat_id}] " + render(reply)

    def _pressed(self, text: str) -> Button | None:
        if text.isdigit() and 1 <= int(text) <= len(self.buttons):
            return self.buttons[int(text) - 1]
        return next((b for b in self.buttons if b.label == text), None)

    def send(self, line: str) -> list[Reply]:
        replies = self.handle(self.to_incoming(line))
        with_buttons = [r for r in replies if r.buttons]
        if with_buttons:
            self.buttons = with_buttons[-1].buttons
        return replies


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
                out.append((row.chat_id, str(row.id), body_to_reply(row.body)))
        return out


def run(session: ConsoleSession, stdin: TextIO | None = None, out: TextIO | None = None,
        greeting: Iterable[Reply] = (), feed: OutboxFeed | None = None, poll_seconds: float = 1.0) -> None:
    if stdin is None and hasattr(sys.stdin, "reconfigure"):
        # Bytes that are not UTF-8 (a GBK paste) arrive as lone surrogates, which the engine's guard
        # refuses politely, instead of a UnicodeDecodeError ending the chat.
        sys.stdin.reconfigure(errors="surrogateescape")
    stdin, out = stdin or sys.stdin, out or sys.stdout
    interactive = stdin.isatty()
    printing = threading.Lock()

    def deliver(prompt: bool) -> None:
        if feed is None:
            return
        try:
            delivered = feed.take()
        except Exception:  # a busy database must not end the terminal session
            log.exception("could not read messages for this console")
            return
        with printing:
            for item in delivered:
                print(("\r" if prompt else "") + session.received(item), file=out)
            if delivered and prompt:
                out.write("> ")
            out.flush()

    stop = threading.Event()
    if interactive and feed is not None:
        def poll() -> None:
            while not stop.wait(poll_seconds):
                deliver(prompt=True)
        threading.Thread(target=poll, name="console-outbox", daemon=True).start()
    try:
        _loop(session, stdin, out, greeting, interactive, deliver, printing)
    finally:
        stop.set()


def _loop(session: ConsoleSession, stdin: TextIO, out: TextIO, greeting: Iterable[Reply], interactive: bool,
          deliver: Callable[[bool], None], printing: threading.Lock) -> None:
    for reply in greeting:
        print(render(reply), file=out)
    session.shown()
    while True:
        if not interactive:
            deliver(False)
        if interactive:
            out.write("> ")
            out.flush()
        line = stdin.readline()
        if not line:
            break
        if interactive and line.strip() in ("/quit", "/exit"):
            break
        replies = session.send(line)
        with printing:
            for reply in replies:
                print(render(reply), file=out)
            if not interactive:
                print(file=out)
            out.flush()
        session.shown()
        if not interactive:
            deliver(False)
