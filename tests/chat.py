"""A conversation driver for tests: send text, press buttons, read the last replies."""

from __future__ import annotations

from bot.engine import Engine
from bot.messages import Attachment, Incoming, Reply


class ChatDriver:
    def __init__(self, engine: Engine, user: str, channel: str = "console", chat_id: str | None = None,
                 language: str | None = None) -> None:
        self.engine = engine
        self.user = user
        self.channel = channel
        self.chat_id = chat_id or user
        self.language = language
        self.replies: list[Reply] = []

    def send(self, text: str, reply_to: str | None = None, attachment: Attachment | None = None) -> list[Reply]:
        """Send text; `reply_to` quotes a platform message id, `attachment` adds a file."""
        return self._deliver(Incoming(self.channel, self.chat_id, self.user, text=text, language=self.language,
                                      reply_to=reply_to, attachment=attachment, display_name=self.user))

    def press(self, label_or_payload: str) -> list[Reply]:
        """Press a button of the last replies by its label (or payload)."""
        for reply in reversed(self.replies):
            for b in reply.buttons:
                if label_or_payload in (b.label, b.payload):
                    return self._deliver(Incoming(self.channel, self.chat_id, self.user, payload=b.payload,
                                                  language=self.language, display_name=self.user))
        labels = [b.label for r in self.replies for b in r.buttons]
        raise AssertionError(f"no button {label_or_payload!r} among {labels}")

    def _deliver(self, incoming: Incoming) -> list[Reply]:
        self.replies = self.engine.handle(incoming)
        return self.replies

    def receive(self, replies: list[Reply]) -> None:
        """Show messages that arrived from elsewhere (Outbox rows), so their buttons can be pressed."""
        self.replies = list(replies)

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.replies)

    @property
    def tags(self) -> set[str]:
        return {t for r in self.replies for t in r.tags}

    @property
    def buttons(self) -> list[str]:
        return [b.label for r in self.replies for b in r.buttons]
