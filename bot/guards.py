"""Checks that run before a message reaches any handler. A refused message changes nothing stored."""

from __future__ import annotations

import unicodedata

from bot.language import pick
from bot.messages import Incoming, Reply
from bot.settings import Settings

_ALLOWED_CONTROLS = {"\n", "\r", "\t"}


def _say(lang: str, zh: str, en: str) -> Reply:
    return Reply(pick(lang, zh, en), tags=("guard",))


def check_message(incoming: Incoming, settings: Settings, lang: str) -> Reply | None:
    """Refuse empty, oversized or control-character messages before touching the database."""
    if _has_bad_bytes(incoming.text) or (incoming.payload is not None and _has_bad_bytes(incoming.payload)):
        return _say(lang, "这条消息里有无法识别的字符（可能是从其他编码复制的文字，例如 GBK），请重新输入或重新复制后再发。",
                    "Your message has characters that could not be read (perhaps text copied in another "
                    "encoding); please type or paste it again.")
    if incoming.payload is not None:
        if not incoming.payload or len(incoming.payload) > 512 or _has_controls(incoming.payload):
            return _say(lang, "这个按钮已失效，请重新发送您的问题。", "That button is no longer valid; please ask again.")
        return None
    text = incoming.text
    if not text.strip():
        if incoming.attachment is not None:
            return None  # a file on its own is fine (e.g. for a consultant); handlers decide
        # An empty line and a picture or voice message (channels pass those as empty text) look alike here:
        # one message that is right for both.
        return _say(lang, "没有收到文字内容。请直接输入您的问题（图片、语音等我暂时读不了）。",
                    "I received no text. Please type your question (I can't read pictures or voice messages yet).")
    if len(text) > settings.max_message_chars:
        return _say(
            lang,
            f"消息太长了（{len(text)}字）。请把问题精简到{settings.max_message_chars}字以内再发一次。",
            f"That message is too long ({len(text)} characters). Please keep it under "
            f"{settings.max_message_chars} characters.",
        )
    if _has_controls(text):
        return _say(lang, "消息里有无法识别的控制字符，请重新输入。", "Your message contains control characters; please retype it.")
    return None


def _has_bad_bytes(text: str) -> bool:
    """Lone surrogates: bytes that were not valid UTF-8 (decoded with surrogateescape, e.g. a GBK paste
    into the console) or a broken UTF-16 pair in a platform's JSON. Nothing can store or print them."""
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def _has_controls(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS for ch in text)


def flood_reply(lang: str) -> Reply:
    return _say(lang, "您发送得太快了，请稍等一分钟再继续。", "You're sending messages very fast; please wait a minute.")
