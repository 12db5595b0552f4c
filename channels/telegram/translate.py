"""Telegram ↔ core translation, with no I/O: Update → Incoming, Reply → message texts and keyboards.

    Message ──▶ addressed to us? (private; group: command, @mention, reply to the bot) ──▶ Incoming
    (a document or photo: `file_of` says what to fetch; the channel attaches the bytes)
    CallbackQuery ──▶ Incoming(payload = callback_data, resolved by the caller if stored)
    Reply ──▶ [text ≤ 4096 UTF-16 units, split at line breaks] + inline keyboard on the last part
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageEntity

from bot.messages import Attachment, Button, Incoming
from channels.telegram.models import KEY_PREFIX

CHANNEL = "telegram"
MAX_TEXT = 4096  # Telegram counts UTF-16 code units
MAX_CALLBACK_BYTES = 64
GROUP_TYPES = ("group", "supergroup")

# Deep links t.me/<bot>?start=<param>: the parameter's prefix and the command it opens.
DEEP_LINKS: tuple[tuple[str, str], ...] = (
    ("renew", "/renew"),
    ("sub-", "/subscribe "),
    ("faq-", "/faq "),
    ("human", "/human"),
    ("lang-", "/lang "),
)


@dataclass(frozen=True)
class BotIdentity:
    """Who the bot is, from getMe: needed to tell whether a group message is addressed to it."""

    id: int
    username: str


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fits_callback(payload: str) -> bool:
    """A payload can ride in callback_data as it is (1–64 UTF-8 bytes, not our stored-key form)."""
    return 0 < len(payload.encode("utf-8")) <= MAX_CALLBACK_BYTES and not payload.startswith(KEY_PREFIX)


def deep_link(text: str) -> str:
    """'/start renew' → '/renew', '/start sub-AB12' → '/subscribe AB12'; other text unchanged."""
    head, _, param = text.strip().partition(" ")
    if head.split("@", 1)[0].lower() != "/start" or not param.strip():
        return text
    param = param.strip()
    for prefix, command in DEEP_LINKS:
        if param == prefix or (prefix.endswith("-") and param.startswith(prefix)):
            return (command + param[len(prefix):]).strip()
    return "/start"


def message_to_incoming(message: Message, me: BotIdentity) -> Incoming | None:
    """The core's Incoming for a message, or None when it is not for us (e.g. group chatter)."""
    user = message.from_user
    if user is None or user.is_bot:
        return None
    text = message.text or message.caption or ""
    is_group = message.chat.type in GROUP_TYPES
    if is_group:
        addressed = addressed_text(message, text, me)
        if addressed is None:
            return None
        text = addressed
    else:
        text = deep_link(text)
    reply_to = message.reply_to_message
    return Incoming(
        channel=CHANNEL, chat_id=str(message.chat.id), user_id=str(user.id), text=text,
        language=user.language_code, at=message.date, is_group=is_group,
        reply_to=str(reply_to.message_id) if reply_to else None, display_name=user.full_name,
        attachment=received_file(message),
    )


@dataclass(frozen=True)
class SentFile:
    """A document or photo in a message: what to fetch (getFile) and what to call it."""

    file_id: str
    filename: str
    mime: str
    size: int


def file_of(message: Message) -> SentFile | None:
    """The document, or the largest size of the photo, a message carries."""
    if message.document is not None:
        d = message.document
        return SentFile(d.file_id, d.file_name or f"document-{message.message_id}", d.mime_type or "", d.file_size or 0)
    if message.photo:
        p = max(message.photo, key=lambda size: size.width * size.height)
        return SentFile(p.file_id, f"photo-{message.message_id}.jpg", "image/jpeg", p.file_size or 0)
    return None


def received_file(message: Message) -> Attachment | None:
    """A document or photo the user sent, by Telegram's file id (the content stays with Telegram)."""
    if message.document is not None:
        doc = message.document
        return Attachment(doc.file_name or "document", b"", doc.mime_type or "application/octet-stream",
                          ref=doc.file_id)
    if message.photo:
        return Attachment("photo.jpg", b"", "image/jpeg", ref=message.photo[-1].file_id)
    return None


def addressed_text(message: Message, text: str, me: BotIdentity) -> str | None:
    """In a group: the text without our @mention if the message is for us, else None."""
    mention = f"@{me.username}".lower() if me.username else None
    if text.startswith("/"):
        head = text.split(maxsplit=1)[0]
        target = head.partition("@")[2].lower()
        return text if not target or (mention and target == mention[1:]) else None
    mentioned = any(
        (e.type == MessageEntity.MENTION and mention and message.parse_entity(e).lower() == mention)
        or (e.type == MessageEntity.TEXT_MENTION and e.user is not None and e.user.id == me.id)
        for e in (message.entities or message.caption_entities or ())
    )
    replied = message.reply_to_message
    to_us = replied is not None and replied.from_user is not None and replied.from_user.id == me.id
    if not (mentioned or to_us):
        return None
    if mention:
        text = re.sub(re.escape(mention), "", text, flags=re.IGNORECASE)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def callback_to_incoming(query: CallbackQuery, payload: str) -> Incoming:
    """The core's Incoming for a pressed button; `payload` is the resolved callback data."""
    message = query.message
    chat = message.chat if message is not None else None
    is_group = chat is not None and chat.type in GROUP_TYPES
    return Incoming(
        channel=CHANNEL, chat_id=str(chat.id if chat is not None else query.from_user.id),
        user_id=str(query.from_user.id), payload=payload, language=query.from_user.language_code,
        is_group=is_group, display_name=query.from_user.full_name,
    )


def pressed_label(message: Message | None, data: str) -> str:
    """The label of the button with this callback_data on the message's keyboard ('' if unknown)."""
    markup = message.reply_markup if message is not None else None
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            if button.callback_data == data:
                return button.text
    return ""


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Parts of at most `limit` UTF-16 units, cut at line breaks, else at spaces, else anywhere."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if utf16_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        current = ""
        for piece in _cut_line(line, limit):
            if utf16_len(piece) == 0:
                continue
            if current:
                parts.append(current)
            current = piece
    if current.strip() or not parts:
        parts.append(current)
    return [p for p in parts if p.strip()] or [text[:limit] or " "]


def _cut_line(line: str, limit: int) -> list[str]:
    pieces: list[str] = []
    while utf16_len(line) > limit:
        cut = _prefix_chars(line, limit)
        space = line.rfind(" ", 0, cut)
        cut = space + 1 if space > cut // 2 else cut
        pieces.append(line[:cut].rstrip(" "))
        line = line[cut:]
    pieces.append(line)
    return pieces


def _prefix_chars(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 units."""
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return i
    return len(text)


def keyboard(buttons: tuple[Button, ...], callback_data: list[str]) -> InlineKeyboardMarkup | None:
    """An inline keyboard: short labels three to a row, longer ones one to a row."""
    if not buttons:
        return None
    keys = [InlineKeyboardButton(b.label[:200] or "·", callback_data=d) for b, d in zip(buttons, callback_data, strict=True)]
    per_row = 3 if all(len(b.label) <= 10 for b in buttons) else 1
    return InlineKeyboardMarkup([keys[i:i + per_row] for i in range(0, len(keys), per_row)])


_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s)]+)\)")


def markdown_to_html(text: str) -> str:
    """The small Markdown the core writes (**bold**, `code`, [label](https://…)) as Telegram HTML.

    Everything else is escaped, so user-supplied text inside can never break the formatting.
    """
    out = html.escape(text, quote=False)
    out = _CODE.sub(r"<code>\1</code>", out)
    out = _BOLD.sub(r"<b>\1</b>", out)
    return _LINK.sub(lambda m: f'<a href="{m.group(2).replace(chr(34), "%22")}">{m.group(1)}</a>', out)


def html_to_plain(text: str) -> str:
    """Our HTML back to plain text, for when Telegram refuses the markup."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))
