"""Drive `licensebot chat` through a pseudo-terminal, keystroke by keystroke, as a person types."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEFT, UP, CTRL_C, CTRL_D, ENTER = "\x1b[D", "\x1b[A", "\x03", "\x04", "\r"
PROMPT = "\x1b[?2004h"  # the line editor switches bracketed paste on each time it shows the prompt


class Terminal:
    """One `licensebot chat` on a pty; `screen` is everything it printed, escape codes and all."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        full_env = {**os.environ, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1", "COLUMNS": "200",
                    "LINES": "50", **env}
        self.process = subprocess.Popen([sys.executable, "-m", "licensebot.cli.main", "chat", *args],
                                        stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=full_env,
                                        start_new_session=True)
        os.close(slave)
        self.screen = ""
        self.mark = 0  # where the next read_until starts looking

    def read_until(self, text: str, timeout: float = 60.0) -> str:
        """Read the terminal until `text` appears after the last text waited for; return what came between."""
        deadline = time.monotonic() + timeout
        while (found := self.screen.find(text, self.mark)) < 0:
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} did not appear; the terminal shows:\n{self.screen[-3000:]}")
            self._pump(0.1)
        between, self.mark = self.screen[self.mark:found], found + len(text)
        return between

    def _pump(self, wait: float) -> None:
        ready, _, _ = select.select([self.master], [], [], wait)
        if ready:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # the program ended and closed the terminal
                chunk = b""
            if not chunk:
                time.sleep(wait)
            self.screen += chunk.decode("utf-8", "replace")

    def type(self, keys: str, pause: float = 0.05) -> None:
        """Keystrokes one at a time (an escape sequence is one key)."""
        for key in _keys(keys):
            os.write(self.master, key.encode())
            time.sleep(pause)
            self._pump(0)

    def paste(self, text: str) -> None:
        """A paste as a terminal delivers it: bracketed, in large chunks."""
        data = ("\x1b[200~" + text + "\x1b[201~").encode()
        for i in range(0, len(data), 1024):
            os.write(self.master, data[i:i + 1024])
            self._pump(0)

    def wait(self, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            self._pump(0.1)
        self._pump(0.1)
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise AssertionError(f"the chat did not end; the terminal shows:\n{self.screen[-3000:]}")
        return self.process.returncode

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        os.close(self.master)


def _keys(keys: str) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(keys):
        if keys.startswith("\x1b[", i):
            out.append(keys[i:i + 3])
            i += 3
        else:
            out.append(keys[i])
            i += 1
    return out
