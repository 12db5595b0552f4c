"""The terminal channel. Buttons show as numbered options; typing the number or the label presses one.

When stdin is not a terminal it reads one message per line and prints the replies, for scripts.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import TextIO

from bot.messages import Button, Incoming, Reply

CHANNEL = "console"


def render(reply: Reply) -> str:
    lines = [reply.text]
    lines += [f"  [{i}] {b.label}" for i, b in enumerate(reply.buttons, 1)]
    if reply.attachment is not None:
        lines.append(f"  (file: {reply.attachment.filename}, {len(reply.attachment.content)} bytes)")
    return "\n".join(lines)


class ConsoleSession:
    """One user's terminal conversation; remembers the last buttons shown so they can be pressed."""

    def __init__(self, handle: Callable[[Incoming], list[Reply]], user: str, lang: str | None = None) -> None:
        self.handle = handle
        self.user = user
        self.lang = lang
        self.buttons: tuple[Button, ...] = ()

    def to_incoming(self, line: str) -> Incoming:
        text = line.rstrip("\r\n")
        stripped = text.strip()
        pressed = self._pressed(stripped)
        return Incoming(channel=CHANNEL, chat_id=self.user, user_id=self.user, text=text,
                        payload=pressed.payload if pressed else None, language=self.lang,
                        display_name=self.user)

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


def run(session: ConsoleSession, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout,
        greeting: Iterable[Reply] = ()) -> None:
    interactive = stdin.isatty()
    for reply in greeting:
        print(render(reply), file=out)
    while True:
        if interactive:
            out.write("> ")
            out.flush()
        line = stdin.readline()
        if not line:
            break
        if interactive and line.strip() in ("/quit", "/exit"):
            break
        for reply in session.send(line):
            print(render(reply), file=out)
        if not interactive:
            print(file=out)
        out.flush()
