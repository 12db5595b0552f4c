"""Channel-agnostic message types: what comes in from a chat and what goes back out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ChatRef:
    """A stored address of a conversation: enough to send to it later, from any process."""

    channel: str
    chat_id: str


@dataclass(frozen=True)
class Incoming:
    """One message or button press from a user, as every channel translates it."""

    channel: str
    chat_id: str
    user_id: str
    text: str = ""
    payload: str | None = None  # set when the user pressed a button; the button's payload
    language: str | None = None  # the platform's language hint (e.g. Telegram language_code)
    at: datetime | None = None  # when the platform says it was sent; the engine's clock if None
    is_group: bool = False
    reply_to: str | None = None  # platform id of the message this one replies to, if any
    attachment: Attachment | None = None
    display_name: str = ""
    numbered: bool = False  # the channel shows buttons as numbered options: "2" may press one (bot/keyboard.py)

    @property
    def chat(self) -> ChatRef:
        return ChatRef(self.channel, self.chat_id)

    @property
    def content(self) -> str:
        """The button payload if one was pressed, otherwise the typed text."""
        return self.payload if self.payload is not None else self.text


@dataclass(frozen=True)
class Button:
    """A choice under a reply. Pressing it sends `payload` back as Incoming.payload."""

    label: str
    payload: str


@dataclass(frozen=True)
class Attachment:
    """A file sent with a reply (e.g. the checklist as .xlsx) or received from a user."""

    filename: str
    content: bytes
    mime: str = "application/octet-stream"
    ref: str = ""  # a received file the platform keeps (its file id), when the content was not fetched


@dataclass(frozen=True)
class Reply:
    """One outgoing message. Channels render buttons natively or as numbered options."""

    text: str
    buttons: tuple[Button, ...] = ()
    attachment: Attachment | None = None
    markdown: bool = False
    tags: tuple[str, ...] = field(default=())  # machine-readable hints for tests and metrics
    number_from: int = 1  # the number of the first button when several replies of a turn carry buttons
