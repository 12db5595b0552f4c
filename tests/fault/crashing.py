"""`licensebot` with a planned crash: `python -m tests.fault.crashing run|chat …` kills itself with
SIGKILL at one point while answering the message whose text is FAULT_TEXT.

    FAULT_POINT=before_commit  inside the engine's transaction, the replies written, nothing committed
    FAULT_POINT=after_commit   the answer committed, nothing sent
    FAULT_POINT=during_send    the platform has accepted the first reply, it is not marked sent yet

Without FAULT_POINT it is plain `licensebot`. Only the test kit uses this; the bot has no such hook.
Recovery of the WeCom inbox is made quick (a message left for 0 s is picked up at start and every
half second) so that the fault tests take seconds, not minutes.
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import timedelta
from typing import Any

from bot.replies import FastPath, ReplyKeep
from channels import console_replies
from channels.wecom import inbox
from licensebot.cli.main import main

POINT = os.environ.get("FAULT_POINT", "")
TEXT = os.environ.get("FAULT_TEXT", "")


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def install() -> None:
    keep_rows, deliver, shown = (ReplyKeep.__call__, FastPath.deliver,
                                 console_replies.DurableReplies.shown)
    console_handle = console_replies.DurableReplies.handle
    marked: set[int] = set()  # ids of the ReplyKeeps that answer FAULT_TEXT

    def keep_then_maybe_die(self: ReplyKeep, session: Any, incoming: Any, replies: Any, now: Any) -> None:
        keep_rows(self, session, incoming, replies, now)
        if incoming.content.strip() == TEXT:
            marked.add(id(self))
            if POINT == "before_commit":
                session.flush()
                die()

    async def deliver_or_die(self: FastPath, keep: ReplyKeep, replies: Any, send: Any) -> Any:
        if POINT == "after_commit" and id(keep) in marked:
            die()
        if POINT == "during_send" and id(keep) in marked:
            async def send_then_die(reply: Any) -> Any:
                result = await send(reply)
                if result.ok:
                    die()
                return result
            return await deliver(self, keep, replies, send_then_die)
        return await deliver(self, keep, replies, send)

    def handle_or_die(self: console_replies.DurableReplies, incoming: Any) -> Any:
        out = console_handle(self, incoming)
        if POINT == "after_commit" and self._last is not None and id(self._last[0]) in marked:
            die()
        return out

    def shown_or_die(self: console_replies.DurableReplies) -> None:
        if POINT == "during_send" and self._last is not None and id(self._last[0]) in marked:
            die()  # printed (the terminal "accepted" it), not marked
        shown(self)

    ReplyKeep.__call__ = keep_then_maybe_die  # type: ignore[method-assign]
    FastPath.deliver = deliver_or_die  # type: ignore[method-assign]
    console_replies.DurableReplies.handle = handle_or_die  # type: ignore[method-assign]
    console_replies.DurableReplies.shown = shown_or_die  # type: ignore[method-assign]


if __name__ == "__main__":
    inbox.STALE = timedelta(0)
    inbox.RECOVER_EVERY = 0.5
    # With STALE at 0 the dying worker's own recovery may lease the very row it is handling; a lease of
    # minutes would then keep the restarted worker off it for longer than the test waits.
    inbox.LEASE = timedelta(seconds=1)
    if POINT:
        install()
    sys.exit(main(sys.argv[1:]))
