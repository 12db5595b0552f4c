"""Reading the console's lines: a line editor in a terminal, plain lines from a pipe or a file.

In a terminal the reader is prompt_toolkit's: arrow keys move in the line, Up and Down walk the lines
sent before, Ctrl-A/Ctrl-E and the usual Emacs keys edit, and a paste is read whole (no 4,095-byte
cut of the terminal's line mode; a multi-line paste is one message, sent by Enter). Ctrl-C or
Ctrl-D at the prompt ends the session. Output printed while the prompt is shown (a consultant's
answer arriving) goes above the prompt, which is drawn again below it.

Anywhere else (a pipe, a file, the tests) a message is one line of stdin.

Files the bot sends (an exported checklist) are written to a folder and their path is shown.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, TextIO

from bot.messages import Attachment

PROMPT = "> "


class LineReader(Protocol):
    interactive: bool

    def read(self) -> str | None:
        """The next message, or None when the user leaves (end of input, Ctrl-D, Ctrl-C)."""

    def output(self) -> contextlib.AbstractContextManager[TextIO]:
        """Where to print while reading: above the prompt in a terminal, else the stream given."""


class StreamReader:
    """One message per line of a stream: a pipe or a file (scripts, tests), or a terminal whose output
    is redirected (then it is `interactive`: a "> " prompt, /quit, messages polled while waiting)."""

    def __init__(self, stream: TextIO, out: TextIO, interactive: bool = False) -> None:
        self.stream = stream
        self.out = out
        self.interactive = interactive

    def read(self) -> str | None:
        if self.interactive:
            self.out.write(PROMPT)
            self.out.flush()
        line = self.stream.readline()
        return line or None

    @contextlib.contextmanager
    def output(self) -> Iterator[TextIO]:
        yield self.out


class PromptReader:
    """prompt_toolkit's line editor with the lines of this session as its history."""

    interactive = True

    def __init__(self) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import InMemoryHistory

        # In memory only: what a client typed is personal data and is not written to a history file.
        self.session: PromptSession[str] = PromptSession(history=InMemoryHistory())

    def read(self) -> str | None:
        try:
            return self.session.prompt(PROMPT)
        except (EOFError, KeyboardInterrupt):
            return None

    @contextlib.contextmanager
    def output(self) -> Iterator[TextIO]:
        from prompt_toolkit.patch_stdout import patch_stdout

        with patch_stdout(raw=True):
            yield sys.stdout


def reader_for(stdin: TextIO, out: TextIO) -> LineReader:
    """The line editor when both ends are this process's terminal, plain lines otherwise."""
    if stdin is sys.stdin and out is sys.stdout and _is_terminal(stdin) and _is_terminal(out):
        return PromptReader()
    return StreamReader(stdin, out, interactive=_is_terminal(stdin))


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


_UNSAFE = re.compile(r"[^\w.\-]+")


def save_file(attachment: Attachment, folder: Path) -> Path:
    """Write a file the bot sent into `folder` under its own name (made safe); never overwrite one."""
    name = _UNSAFE.sub("_", Path(attachment.filename).name).strip("._") or "file"
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    n = 1
    while True:
        try:
            with target.open("xb") as f:  # "x": fails if the file exists, so nothing is overwritten
                f.write(attachment.content)
            return target
        except FileExistsError:
            n += 1
            target = folder / (f"{stem}-{n}.{suffix}" if suffix else f"{stem}-{n}")
