"""Sending replies to Telegram: through the rate limiter, with retries, and an honest SendResult.

    Reply ─▶ parts (text split at 4096, keyboard on the last, attachment as a document)
          ─▶ for each part: limiter slot ─▶ Bot API call
               429 RetryAfter ─▶ wait and retry (or hand the wait back to the dispatcher if long)
               network error / timeout ─▶ back off and retry
               Forbidden (blocked), "chat not found" ─▶ SendResult(permanent=True)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import Bot, InputFile, Message, ReplyParameters
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.messages import Reply
from bot.outbox import SendResult
from bot.ratelimit import Scope, SendLimiter, Window
from channels.telegram import translate
from channels.telegram.models import TelegramStore

log = logging.getLogger(__name__)

BACKOFF = (0.5, 2.0, 5.0)  # seconds before retrying after a network error
MAX_ATTEMPTS = 5
MAX_RETRY_WAIT = 60.0  # a longer 429 wait is handed back to the caller as SendResult.retry_after
PERMANENT_BAD_REQUESTS = ("chat not found", "user not found", "peer_id_invalid", "bot was kicked",
                          "have no rights to send", "not enough rights")
Call = Callable[[int], Awaitable[Any]]
OVERALL: Scope = ("overall", "")  # every call of this bot


class SendFailed(Exception):
    def __init__(self, result: SendResult) -> None:
        super().__init__(result.error)
        self.result = result


def retry_seconds(exc: RetryAfter) -> float:
    value = exc.retry_after  # a timedelta with PTB_TIMEDELTA (set in this package), else seconds
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def is_group_chat(chat_id: int | str) -> bool:
    """Telegram gives groups, supergroups and channels negative ids."""
    return str(chat_id).startswith("-")


def windows(overall_per_second: int, private_per_second: int, group_per_minute: int) -> dict[str, Window]:
    """Telegram's limits for the shared limiter: overall (spaced evenly), per private chat, per group."""
    return {"overall": Window(overall_per_second, 1.0, even=True), "private": Window(private_per_second, 1.0),
            "group": Window(group_per_minute, 60.0)}


def chat_scope(chat: int | str) -> Scope:
    """The window a send to this chat counts against besides the overall one."""
    return ("group" if is_group_chat(chat) else "private", str(chat))


class TelegramSender:
    """The channel's Sender: used for direct replies and by the outbox dispatcher alike."""

    channel = translate.CHANNEL
    self_limited = True  # every call passes the limiter: the dispatcher does not pace it again

    def __init__(self, bot: Bot, limiter: SendLimiter, store: TelegramStore,
                 sleep: Callable[[float], Awaitable[None]] | None = None) -> None:
        self.bot, self.limiter, self.store = bot, limiter, store
        self.sleep = sleep or limiter.sleep

    async def send(self, chat_id: str, reply: Reply, reply_to: int | None = None) -> SendResult:
        """Deliver one reply (all its parts); never raises."""
        try:
            chat = int(chat_id)
        except ValueError:
            return SendResult(ok=False, permanent=True, error=f"not a Telegram chat id: {chat_id!r}")
        try:
            last = await self._send_parts(chat, reply, reply_to)
        except SendFailed as failed:
            return failed.result
        except Exception as exc:  # a bug here must not stop the dispatcher or the update loop
            log.exception("unexpected error sending to Telegram chat %s", chat_id)
            return SendResult(ok=False, error=f"{type(exc).__name__}: {exc}")
        return SendResult(ok=True, platform_id=str(last.message_id) if last is not None else "")

    async def _send_parts(self, chat: int, reply: Reply, reply_to: int | None) -> Message | None:
        markup = translate.keyboard(reply.buttons, [await self._callback_data(b.payload) for b in reply.buttons])
        html = reply.markdown
        texts = translate.split_text(translate.markdown_to_html(reply.text) if html else reply.text)
        if not reply.text.strip():
            texts = []
        last: Message | None = None
        for i, text in enumerate(texts):
            kwargs: dict[str, Any] = {"text": text}
            if i == len(texts) - 1 and reply.attachment is None:
                kwargs["reply_markup"] = markup
            if i == 0 and reply_to is not None:
                kwargs["reply_parameters"] = ReplyParameters(reply_to, allow_sending_without_reply=True)
            last = await self._send_text(chat, kwargs, html)
        if reply.attachment is not None:
            att = reply.attachment
            document = InputFile(att.content, filename=att.filename)
            last = await self._call(chat, lambda c: self.bot.send_document(
                c, document, reply_markup=markup, read_timeout=30, write_timeout=60))
        return last

    async def _send_text(self, chat: int, kwargs: dict[str, Any], html: bool) -> Message:
        if not html:
            return await self._call(chat, lambda c: self.bot.send_message(c, **kwargs))
        try:
            return await self._call(chat, lambda c: self.bot.send_message(c, parse_mode=ParseMode.HTML, **kwargs))
        except SendFailed as failed:
            if "can't parse entities" not in failed.result.error.lower():
                raise
            log.warning("Telegram refused our HTML; sending as plain text: %s", failed.result.error)
            kwargs = {**kwargs, "text": translate.html_to_plain(kwargs["text"])}
            return await self._call(chat, lambda c: self.bot.send_message(c, **kwargs))

    async def _callback_data(self, payload: str) -> str:
        if translate.fits_callback(payload):
            return payload
        return await asyncio.to_thread(self.store.store_payload, payload)

    async def _call(self, chat: int, call: Call, scope: Scope | None = None) -> Any:
        """One Bot API call through the limiter, retried on 429 and network errors."""
        error = ""
        for attempt in range(MAX_ATTEMPTS):
            await self.limiter.acquire(scope or chat_scope(chat), OVERALL)
            try:
                return await call(chat)
            except RetryAfter as exc:
                wait = retry_seconds(exc)
                if wait > MAX_RETRY_WAIT:
                    raise SendFailed(SendResult(ok=False, retry_after=wait, error=f"flood control: {exc}")) from exc
                log.info("Telegram asks to wait %.0f s before sending to %s", wait, chat)
                error = f"flood control: {exc}"
                await self.sleep(wait)
            except ChatMigrated as exc:
                log.warning("Telegram group %s moved to %s; sending there", chat, exc.new_chat_id)
                chat = exc.new_chat_id
            except Forbidden as exc:
                raise SendFailed(SendResult(ok=False, permanent=True, error=f"forbidden: {exc.message}")) from exc
            except BadRequest as exc:
                permanent = any(p in exc.message.lower() for p in PERMANENT_BAD_REQUESTS)
                raise SendFailed(SendResult(ok=False, permanent=permanent, error=f"bad request: {exc.message}")) from exc
            except NetworkError as exc:  # includes TimedOut
                error = f"network: {exc.message}"
                await self.sleep(BACKOFF[min(attempt, len(BACKOFF) - 1)])
            except TelegramError as exc:
                raise SendFailed(SendResult(ok=False, error=f"{type(exc).__name__}: {exc.message}")) from exc
        raise SendFailed(SendResult(ok=False, retry_after=BACKOFF[-1], error=error or "gave up"))

    async def mark_choice(self, message: Message, label: str) -> None:
        """Take the keyboard off a pressed message and show the choice under its text (best effort)."""
        chat = message.chat.id
        choice = f"\n\n✓ {label}" if label else ""
        text = message.text
        try:
            if text is not None and choice and translate.utf16_len(text + choice) <= translate.MAX_TEXT:
                await self._edit(chat, lambda c: self.bot.edit_message_text(
                    text + choice, chat_id=c, message_id=message.message_id, entities=message.entities,
                    reply_markup=None))
            else:
                await self._edit(chat, lambda c: self.bot.edit_message_reply_markup(
                    chat_id=c, message_id=message.message_id, reply_markup=None))
        except SendFailed as failed:
            if "not modified" not in failed.result.error:
                log.info("could not take the keyboard off message %s: %s", message.message_id, failed.result.error)
        except Exception:  # best effort: the answer to the press must go out whatever happens here
            log.exception("taking the keyboard off message %s failed", message.message_id)

    async def _edit(self, chat: int, call: Call) -> Any:
        # An edit changes a message already sent: it has its own per-chat window, so taking the
        # keyboard off does not delay the answer that follows; the overall window is shared.
        return await self._call(chat, call, scope=("private", f"edit:{chat}"))

    async def typing(self, chat_id: str) -> None:
        """Show "typing…" if the overall rate has room right now; never waits, never raises."""
        if await self.limiter.areserve(OVERALL):
            return
        try:
            await self.bot.send_chat_action(int(chat_id), ChatAction.TYPING, read_timeout=5)
        except (TelegramError, ValueError) as exc:
            log.debug("typing indicator failed for %s: %s", chat_id, exc)

    async def answer_button(self, query_id: str, text: str | None = None) -> None:
        """Stop the spinner on a pressed button (with a short notice); a late answer is harmless."""
        try:
            await self.bot.answer_callback_query(query_id, text=text)
        except Exception as exc:  # TelegramError, or whatever the transport raises: the press is answered anyway
            log.debug("answerCallbackQuery failed: %s", exc)
