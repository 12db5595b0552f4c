"""The Telegram channel: python-telegram-bot as transport only, polling or webhook, state in the core.

    getUpdates (polling, confirmed once committed) ──────────┐
    POST /telegram/webhook ─▶ secret checked ──────────────────┴▶ handle_update
      (answered when the update is handled)          │ per-chat order, update_id seen once (DB)
                                                     ├─ message  ─▶ Incoming ─▶ Engine.handle (thread)
                                                     └─ button   ─▶ answer, spend keyboard, Incoming
                                                                     ─▶ replies ─▶ TelegramSender
PTB's ConversationHandler and JobQueue are not used: every bit of dialogue state is in the database.

Why the webhook answers only once the update is handled and its replies are sent: Telegram posts a
chat's next update only after the previous request has ended (updates of different chats come in
parallel). That keeps one chat's messages in order across several workers, which an at-once answer
would not: the next update could reach another worker and overtake the first.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import timedelta
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from telegram import BotCommand, CallbackQuery, Message, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler

from bot import language
from bot.commands import Command
from bot.engine import Engine, FirstTime
from bot.keylock import KeyedLocks
from bot.language import pick
from bot.messages import Attachment, Incoming, Reply
from bot.ratelimit import RateLimiter, SendLimiter
from bot.replies import FastPath, ReplyKeep
from bot.routes import RouteTable
from bot.settings import Settings
from bot.shared_limits import SharedLimiter
from bot.storage.db import Database
from channels.telegram import translate
from channels.telegram.models import TelegramStore
from channels.telegram.sender import TelegramSender, windows
from channels.telegram.transport import AiohttpRequest

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]
DEFAULT_WEBHOOK_PATH = "/telegram/webhook"
POLL_TIMEOUT = 30  # seconds Telegram holds a getUpdates call open
POLL_PAUSE = 0.2  # seconds between short polls while updates are still being handled
TYPING_EVERY = 4.5  # Telegram shows "typing…" for about 5 seconds
# "typing…" only when the answer takes longer than this: a quick one needs none, and each indicator
# is a Bot API call that counts against the bot's overall send rate.
TYPING_AFTER = 0.5
MAX_WEBHOOK_BODY = 1_000_000
BOOT_BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)
MAX_DOWNLOAD = 20 * 1024 * 1024  # bytes: the Bot API's getFile limit
READY_WAIT = 10.0  # seconds a webhook update waits for the channel to finish connecting


def webhook_secret(settings: Settings) -> str:
    """The configured secret, or one derived from the token (stable across workers, A-Z a-z 0-9 only)."""
    if settings.telegram_webhook_secret:
        return settings.telegram_webhook_secret
    return hashlib.sha256(f"licensebot-webhook:{settings.telegram_bot_token}".encode()).hexdigest()


def webhook_path(settings: Settings) -> str:
    return urlsplit(settings.telegram_webhook_url).path.rstrip("/") or DEFAULT_WEBHOOK_PATH


def bot_id_of(token: str) -> int:
    head = token.partition(":")[0]
    return int(head) if head.isdigit() else 0


def build_application(settings: Settings, polling: bool = False) -> Application:
    calls = AiohttpRequest(pool_size=16, connect_timeout=5, read_timeout=15, write_timeout=15, pool_timeout=5)
    updates = AiohttpRequest(pool_size=2, connect_timeout=5, read_timeout=POLL_TIMEOUT + 10, write_timeout=15,
                             pool_timeout=5)
    builder = (Application.builder().token(settings.telegram_bot_token).concurrent_updates(64)
               .request(calls).get_updates_request(updates).job_queue(None))
    base = settings.telegram_base_url.rstrip("/").removesuffix("/bot")
    if base:
        builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
    return builder.updater(None).build()  # polling is TelegramChannel._poll: it confirms only what was handled


def make_limiter(settings: Settings, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, db: Database | None = None) -> SendLimiter:
    """Telegram's limits: overall (spaced evenly), per private chat, per group. On PostgreSQL (`db`) the
    counters are shared by every worker of the bot (bot/shared_limits.py), on the wall clock."""
    limits = windows(settings.telegram_rate_per_second, settings.telegram_private_per_second,
                     settings.telegram_group_per_minute)
    if db is not None and not db.is_sqlite:
        shared_clock = time.time if clock is time.monotonic else clock
        return SharedLimiter(db, limits, clock=shared_clock, sleep=sleep,
                             prefix=f"telegram:{bot_id_of(settings.telegram_bot_token)}:")
    return RateLimiter(limits, clock=clock, sleep=sleep)


def standalone_sender(settings: Settings) -> TelegramSender:
    """A sender with its own Bot, limiter and database handle (no update handling)."""
    from bot.clock import SystemClock

    bot = build_application(settings, polling=False).bot
    db = Database(settings.database_url)
    store = TelegramStore(db, SystemClock(), bot_id_of(settings.telegram_bot_token))
    return TelegramSender(bot, make_limiter(settings, db=db), store)


def menu_commands(commands: Mapping[str, Command], lang: str) -> list[BotCommand]:
    """The public commands of the build's route table (licensebot/routes.py COMMANDS), as Telegram's
    command menu in one language."""
    import re

    out = []
    for name, command in commands.items():
        text = pick(lang, command.menu_zh, command.menu_en)
        bare = name.lstrip("/")
        if text and not command.consultant_only and re.fullmatch(r"[a-z0-9_]{1,32}", bare):
            out.append(BotCommand(bare, text[:256]))
    return out


class TelegramChannel:
    """One bot token inside `licensebot run`: receives updates, hands them to the engine, replies."""

    name = translate.CHANNEL

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        s = engine.services.settings
        self.engine, self.settings = engine, s
        self.polling = not s.telegram_webhook_url
        self.application = build_application(s, self.polling)
        self.limiter = make_limiter(s, clock, sleep, db=engine.services.db)
        self.store = TelegramStore(engine.services.db, engine.services.clock, bot_id_of(s.telegram_bot_token))
        self.sender = TelegramSender(self.application.bot, self.limiter, self.store, sleep)
        self.fast = FastPath(engine.services.db, engine.services.clock)
        self.lease = timedelta(seconds=s.reply_lease_seconds)
        self._poll_task: asyncio.Task[None] | None = None
        self._commits: dict[str, asyncio.Future[None]] = {}
        self.busy = 0  # updates being handled now (tests wait for 0)
        self._polled: set[asyncio.Task[None]] = set()
        self._polled_ids: set[int] = set()  # polled updates not yet committed (the next offset is the lowest)
        self.secret = webhook_secret(s)
        self.me = translate.BotIdentity(0, "")
        self.ready = asyncio.Event()
        self._boot_task: asyncio.Task[None] | None = None
        self._chat_locks: KeyedLocks[str] = KeyedLocks()  # one chat's updates in arrival order in this process
        self.application.add_handler(TypeHandler(Update, self.handle_update))
        self.application.add_error_handler(self.on_error)

    # ── lifecycle ──────────────────────────────────────────────────────────────────────────────

    def routes(self) -> list[BaseRoute]:
        return [] if self.polling else [Route(webhook_path(self.settings), self.receive_webhook, methods=["POST"])]

    async def start(self) -> None:
        """Connect in the background (retrying while Telegram is unreachable) and return at once."""
        self.ready = asyncio.Event()
        self._boot_task = asyncio.create_task(self._boot(), name="telegram-boot")

    async def _boot(self) -> None:
        attempt = 0
        while True:
            try:
                await self._connect()
                self.ready.set()
                log.info("Telegram channel up as @%s (%s)", self.me.username, "polling" if self.polling else "webhook")
                return
            except InvalidToken:
                log.error("Telegram refused TELEGRAM_BOT_TOKEN; the Telegram channel stays off")
                return
            except (TelegramError, OSError) as exc:
                wait = BOOT_BACKOFF[min(attempt, len(BOOT_BACKOFF) - 1)]
                log.warning("cannot reach Telegram (%s); retrying in %.0f s", exc, wait)
                attempt += 1
                await asyncio.sleep(wait)

    async def _connect(self) -> None:
        app = self.application
        await app.initialize()  # returns at once if already done; safe to repeat after a failure
        me = app.bot.bot
        self.me = translate.BotIdentity(me.id, me.username or "")
        self.store.bot_id = me.id
        await asyncio.to_thread(self.store.prune)
        commands = self.engine.services.get(RouteTable).commands
        await app.bot.set_my_commands(menu_commands(commands, "en"))
        await app.bot.set_my_commands(menu_commands(commands, "zh"), language_code="zh")
        if self.polling:
            await app.bot.delete_webhook()
            self._poll_task = asyncio.create_task(self._poll(), name="telegram-poll")
        else:
            await app.bot.set_webhook(self.settings.telegram_webhook_url, secret_token=self.secret,
                                      allowed_updates=ALLOWED_UPDATES, max_connections=40)
        await app.start()

    async def stop(self) -> None:
        if self._boot_task is not None and not self._boot_task.done():
            self._boot_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._boot_task
        app = self.application
        if self._poll_task is not None:
            self._poll_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._poll_task
            self._poll_task = None
        with contextlib.suppress(Exception):
            if app.running:
                await app.stop()
        with contextlib.suppress(Exception):
            await app.shutdown()

    async def _poll(self) -> None:
        """Long-poll getUpdates. An update is confirmed (by a later call's offset) only once the engine has
        committed it and every update before it: the offset is the oldest update still being handled. A
        crash before that gets them delivered again, and the seen-marker in the engine's transaction
        drops what was already handled. While an update is in hand (a chat waiting for its send rate,
        say) the bot keeps fetching, with short polls, and starts only the updates it has not started."""
        started_up_to, failures = 0, 0
        while True:
            in_hand = sorted(self._polled_ids)
            offset = in_hand[0] if in_hand else started_up_to + 1 if started_up_to else None
            try:
                updates = await self.application.bot.get_updates(
                    offset=offset, timeout=0 if in_hand else POLL_TIMEOUT, allowed_updates=ALLOWED_UPDATES,
                    read_timeout=POLL_TIMEOUT + 10)
                failures = 0
            except (TelegramError, OSError) as exc:
                log.warning("polling Telegram failed: %s", exc)
                await asyncio.sleep(BOOT_BACKOFF[min(failures, len(BOOT_BACKOFF) - 1)])
                failures += 1
                continue
            fresh = [u for u in updates if u.update_id > started_up_to]
            loop = asyncio.get_running_loop()
            for update in fresh:
                self._commits[f"u{update.update_id}"] = loop.create_future()
                self._polled_ids.add(update.update_id)
                task = asyncio.create_task(self._handle_polled(update))
                self._polled.add(task)  # held until done (the loop keeps only weak references)
                task.add_done_callback(self._polled.discard)
                started_up_to = max(started_up_to, update.update_id)
            waits = list(self._commits.values())
            if waits and not fresh:  # nothing new: wait a little for a commit before asking again
                await asyncio.wait(waits, timeout=POLL_PAUSE, return_when=asyncio.FIRST_COMPLETED)

    async def _handle_polled(self, update: Update) -> None:
        try:
            await self.handle_update(update, None)
        finally:
            self._committed(f"u{update.update_id}")

    def _committed(self, key: str) -> None:
        """The engine is done with this update (committed or refused): polling may confirm it."""
        wait = self._commits.pop(key, None)
        if wait is not None and not wait.done():
            wait.set_result(None)
        if key[1:].isdigit():
            self._polled_ids.discard(int(key[1:]))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """PTB's error handler: log, never re-raise (the update loop keeps going)."""
        log.error("error while handling a Telegram update", exc_info=context.error)

    # ── webhook ────────────────────────────────────────────────────────────────────────────────

    async def receive_webhook(self, request: Request) -> Response:
        """Check the secret, handle the update, then answer (Telegram sends this chat's next update after)."""
        given = request.headers.get("x-telegram-bot-api-secret-token", "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            return Response("forbidden", status_code=403)
        body = await request.body()
        if len(body) > MAX_WEBHOOK_BODY:
            return Response("too large", status_code=413)
        try:
            data = json.loads(body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("no update_id")
            update = Update.de_json(data, self.application.bot)
        except Exception:  # whatever PTB makes of a malformed body, it is the sender's problem
            log.warning("ignoring a webhook body that is not a Telegram update")
            return Response("bad update", status_code=400)
        try:
            await asyncio.wait_for(self.ready.wait(), READY_WAIT)
        except TimeoutError:  # still connecting to Telegram: it sends the update again later
            return Response("starting", status_code=503)
        await self.handle_update(update, None)
        return Response(status_code=200)

    # ── updates ────────────────────────────────────────────────────────────────────────────────

    async def handle_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE | None) -> None:
        """Every update comes here; nothing raised in here reaches PTB's loop."""
        chat = update.effective_chat
        key = str(chat.id) if chat is not None else ""
        query = update.callback_query
        self.busy += 1
        try:
            async with self._chat_locks.hold(key):
                if query is not None:
                    await self._on_button(query, update.update_id)
                elif update.message is not None:
                    await self._on_message(update.message, update.update_id)
        except Exception:
            log.exception("failed to handle Telegram update %s", update.update_id)
        finally:
            self.busy -= 1

    async def _on_message(self, message: Message, update_id: int) -> None:
        incoming = translate.message_to_incoming(message, self.me)
        sent_file = translate.file_of(message)
        if incoming is not None and sent_file is not None:
            incoming = replace(incoming, attachment=await self._fetch(sent_file))
        if incoming is not None:  # (group chatter not for us is not even recorded)
            await self._respond(incoming, f"u{update_id}", reply_to=message.message_id if incoming.is_group else None,
                                once=f"u:{update_id}")

    async def _fetch(self, sent: translate.SentFile) -> Attachment:
        """The bytes of a file a user sent; empty when Telegram would not give them (the feature says so)."""
        if sent.size > MAX_DOWNLOAD:
            log.info("Telegram file of %d bytes is over the Bot API download limit", sent.size)
            return Attachment(sent.filename, b"", sent.mime or "application/octet-stream", ref=sent.file_id)
        try:
            handle = await self.application.bot.get_file(sent.file_id)
            content = bytes(await handle.download_as_bytearray())
        except TelegramError as exc:
            log.warning("could not fetch a Telegram file: %s", exc)
            content = b""
        return Attachment(sent.filename, content, sent.mime or "application/octet-stream", ref=sent.file_id)

    async def _on_button(self, query: CallbackQuery, update_id: int) -> None:
        """A press: its keyboard is spent (once) while the engine answers it."""
        message = query.message if isinstance(query.message, Message) else None
        data = query.data or ""
        keys = [f"u:{update_id}"] + ([f"k:{message.chat.id}:{message.message_id}"] if message else [])
        fresh, payload = await asyncio.to_thread(self._check_press, keys, data)
        if not fresh[0]:
            log.info("Telegram update %s seen before; ignored", update_id)
            return
        if message is not None and not fresh[-1]:
            log.info("keyboard of message %s pressed again; ignored", message.message_id)
            lang = language.from_platform(query.from_user.language_code) or "zh"
            await self.sender.answer_button(query.id, pick(lang, "已经选过了。", "Already chosen."))
            return
        chores = asyncio.create_task(self._acknowledge_press(query, message, data))
        try:
            await self._respond(translate.callback_to_incoming(query, payload or ""), f"u{update_id}")
        finally:
            await chores

    def _check_press(self, keys: list[str], data: str) -> tuple[list[bool], str | None]:
        """(Is the update / the keyboard new?, the payload the button stands for): one trip to a thread."""
        fresh = self.store.first_times(keys)  # one statement for both
        return fresh, (self.store.load_payload(data) if data and fresh[-1] else None)

    async def _acknowledge_press(self, query: CallbackQuery, message: Message | None, data: str) -> None:
        """Stop the button's spinner and replace its keyboard by the choice (best effort, never raises)."""
        await self.sender.answer_button(query.id)
        if message is not None:
            await self.sender.mark_choice(message, translate.pressed_label(message, data))

    async def _respond(self, incoming: Incoming, key: str, reply_to: int | None = None, once: str = "") -> None:
        """Let the engine answer (showing "typing…"), then send its replies in order. With `once`, only if
        that key was never seen (checked on the engine's thread: one hop for both). The replies are outbox
        rows written with the answer (bot/replies.py): what cannot go now, or after a crash, the
        dispatcher delivers."""
        typing = asyncio.create_task(self._keep_typing(incoming.chat_id))
        try:
            handled = await asyncio.to_thread(self._handle_once, incoming, once)
        finally:
            typing.cancel()
            self._committed(key)
        if handled is None:
            log.info("Telegram %s seen before; ignored", once)
            return
        replies, keep = handled
        await self.fast.deliver(keep, replies, lambda r: self.sender.send(incoming.chat_id, r, reply_to=reply_to))

    def _handle_once(self, incoming: Incoming, once: str) -> tuple[list[Reply], ReplyKeep] | None:
        keep = ReplyKeep(self.lease)
        if not once:
            return self.engine.handle(incoming, keep=keep), keep
        # recorded in the engine's transaction: one commit for both
        first = FirstTime(lambda session: self.store.record_seen(session, [once])[0])
        replies = self.engine.handle(incoming, once=first, keep=keep)
        self.store.prune_if_due()
        return None if first.seen_before else (replies, keep)

    async def _keep_typing(self, chat_id: str) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(TYPING_AFTER)
            while True:
                await self.sender.typing(chat_id)
                await asyncio.sleep(TYPING_EVERY)
