"""Company members through the self-built app (自建应用): encrypted callbacks in, message/send out.

    text message              → Incoming(text)   ("2" or a button's label presses the last card's button)
    template_card_event       → Incoming(payload)  (EventKey is the payload or a stored short key)
    click (the app's menu)    → Incoming(payload=EventKey)
    image, file               → Incoming(attachment)  (fetched by MediaId, channels/wecom/media.py)
    voice, video …            → Incoming(text="")  (the engine asks for text)

Replies go out as text or markdown (2,048 bytes a message), files through media/upload, and
buttons as a template card (button_interaction) that also lists the options by number.
A member may receive 30 messages a minute from the app; replies beyond that wait in the outbox
(every reply is an outbox row written with the answer: bot/replies.py).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import anyio

from bot import keyboard
from bot.context import Services
from bot.engine import Engine, FirstTime
from bot.messages import Attachment, Button, Incoming, Reply
from bot.outbox import SendResult
from bot.ratelimit import SendLimiter
from bot.replies import ReplyKeep
from channels.wecom import buttons as keys
from channels.wecom import dedupe, inbox, render, store
from channels.wecom.api import TRANSIENT_OR_GONE, WeComApi, WeComError, send_result
from channels.wecom.callback import Fields
from channels.wecom.crypto import WeComCrypto
from channels.wecom.media import with_media
from channels.wecom.receiving import ReceivingChannel

log = logging.getLogger(__name__)

CHANNEL = "wecom"
CALLBACK_PATH = "/wecom/callback"
TEXT_BYTES = 2048
KEY_BYTES = 1024
CARD_BUTTONS = 6
TITLE_CHARS = 36
PER_MEMBER_PER_MINUTE = 30
MEMBER_SCOPE = "member"  # the limiter's window: one scope per member userid
SPENT_LABEL = "已选择 ✓"  # what a pressed card's buttons say afterwards (they no longer answer)
ALREADY_CHOSEN = Reply("这张卡片已经选过了；如需重新选择，请再发一次您的问题。/ This card was already used; "
                       "please ask again to choose anew.", tags=("spent",))


@dataclass
class Outgoing:
    """One platform message; a file's media_id is filled in by uploading `attachment` first."""

    body: dict[str, Any]
    attachment: Attachment | None = None
    fallback: str = ""  # plain text to send instead if a card is refused


def message_identity(fields: Fields) -> str:
    """What makes a callback the same message on a retry: MsgId, or sender + time for events."""
    agent = fields.get("AgentID", "")
    if fields.get("MsgId"):
        return f"app:{agent}:msg:{fields['MsgId']}"
    return ":".join(["app", agent, "event", fields.get("FromUserName", ""), fields.get("CreateTime", ""),
                     fields.get("Event", fields.get("MsgType", "")), fields.get("EventKey", "")])


def card_body(title: str, options: str, buttons: tuple[Button, ...], key_of: dict[str, str]) -> dict[str, Any]:
    return {"msgtype": "template_card", "template_card": {
        "card_type": "button_interaction",
        "main_title": {"title": render.clip(title, TITLE_CHARS * 3)},
        "sub_title_text": render.clip(options, 1200),
        "task_id": uuid.uuid4().hex,
        "button_list": [{"text": render.clip(b.label, 30), "style": 1, "key": key_of[b.payload]} for b in buttons],
    }}


def cards(reply: Reply, title: str, key_of: dict[str, str]) -> list[Outgoing]:
    """Buttons as cards of at most 6 (WeCom's limit), each listing its options by number as well."""
    chinese = render.is_chinese(reply.text + "".join(b.label for b in reply.buttons))
    groups = render.chunks(reply.buttons, CARD_BUTTONS, reply.number_from)
    out = []
    for i, (start, group) in enumerate(groups):
        options = render.numbered(group, start) + ("\n" + render.number_hint(chinese) if i == len(groups) - 1 else "")
        head = title if i == 0 else render.more_title(chinese)
        fallback = (title + "\n" if i == 0 and title != render.choose_title(chinese) else "") + options
        out.append(Outgoing(card_body(head, options, group, key_of), fallback=fallback))
    return out


def member_messages(reply: Reply, key_of: dict[str, str]) -> list[Outgoing]:
    """A reply as message/send bodies (without touser/agentid): text parts, file, card."""
    text = reply.text.strip()
    out: list[Outgoing] = []
    short = bool(reply.buttons) and not reply.markdown and "\n" not in text and len(text) <= TITLE_CHARS
    if text and not short:
        kind = "markdown" if reply.markdown else "text"
        out += [Outgoing({"msgtype": kind, kind: {"content": part}}) for part in render.split(text, TEXT_BYTES)]
    if reply.attachment is not None:
        out.append(Outgoing({"msgtype": "file", "file": {}}, reply.attachment))
    if reply.buttons:
        chinese = render.is_chinese(text + "".join(b.label for b in reply.buttons))
        out += cards(reply, text if short and text else render.choose_title(chinese), key_of)
    return out


class MemberMessenger:
    """Sends replies to one member: rendering, files, cards, the 30-a-minute limit, duplicate check."""

    def __init__(self, services: Services, api: WeComApi, agent_id: int, limiter: SendLimiter,
                 duplicate_interval: int) -> None:
        self.services = services
        self.api = api
        self.agent_id = agent_id
        self.limiter = limiter
        self.duplicate_interval = duplicate_interval

    def _now(self) -> datetime:
        return self.services.clock.now()

    async def render(self, reply: Reply) -> list[Outgoing]:
        now = self._now()
        payloads = [b.payload for b in reply.buttons]
        key_of = await store.in_db(self.services, keys.keys_for, payloads, KEY_BYTES, now) \
            if payloads else {}
        return member_messages(reply, key_of)

    async def post(self, userid: str, item: Outgoing, proactive: bool) -> str:
        """Send one message; returns WeCom's msgid. A card WeCom refuses is sent as numbered text."""
        body = {"touser": userid, "agentid": self.agent_id, **item.body}
        if proactive:  # a resend after a crash is dropped by WeCom (same content, same member)
            body |= {"enable_duplicate_check": 1, "duplicate_check_interval": self.duplicate_interval}
        if item.attachment is not None:
            a = item.attachment
            body["file"] = {"media_id": await self.api.upload("media/upload", a.filename, a.content, a.mime)}
        try:
            data = await self.api.call("message/send", body)
        except WeComError as exc:
            if not item.fallback or exc.errcode in TRANSIENT_OR_GONE:
                raise
            log.warning("wecom: card refused (%s), sending numbered text instead", exc.errcode)
            return await self.post(userid, Outgoing({"msgtype": "text", "text": {"content": item.fallback}}),
                                   proactive)
        if data.get("invaliduser"):
            raise WeComError(81013, f"invalid user {data['invaliduser']}")
        return str(data.get("msgid", ""))

    async def send_reply(self, userid: str, reply: Reply, proactive: bool) -> SendResult:
        """Send one reply (all its parts) within the member's limit; never raises for WeCom's refusals."""
        items = await self.render(reply)
        wait = await self.limiter.areserve((MEMBER_SCOPE, userid), n=len(items))
        if wait:
            return SendResult(ok=False, retry_after=wait, error="member rate limit (30 a minute)")
        platform_id = ""
        try:
            for item in items:
                platform_id = await self.post(userid, item, proactive) or platform_id
        except WeComError as exc:
            return send_result(exc)
        return SendResult(ok=True, platform_id=platform_id)

    async def deliver(self, userid: str, replies: list[Reply], proactive: bool) -> SendResult:
        """Send replies in order, stopping at the first that fails; remember the buttons shown."""
        result = SendResult(ok=True)
        for reply in replies:
            result = await self.send_reply(userid, reply, proactive)
            if not result.ok:
                return result
        await self.remember(userid, replies, proactive)
        return result

    async def spend_card(self, userid: str, response_code: str) -> None:
        """Grey out the pressed card's buttons (message/update_template_card; best effort, never raises)."""
        if not response_code:
            return
        body = {"userids": [userid], "agentid": self.agent_id, "response_code": response_code,
                "button": {"replace_name": SPENT_LABEL}}
        try:
            await self.api.call("message/update_template_card", body)
        except WeComError as exc:
            log.info("wecom: could not update the pressed card: %s", exc, extra={"chat_id": userid})

    async def remember(self, userid: str, replies: list[Reply], proactive: bool) -> None:
        """A proactive message's buttons become what a typed number presses (the engine keeps a turn's own)."""
        shown = tuple(b for r in replies for b in r.buttons)
        if proactive and shown:
            await store.in_db(self.services, keyboard.shown_later, CHANNEL, userid, shown, self._now())


class MemberSender:
    """Outbox rows of the "wecom" channel: members can always be messaged."""

    channel = CHANNEL
    self_limited = True  # the messenger keeps to 30 a minute per member: the dispatcher does not pace it

    def __init__(self, messenger: MemberMessenger) -> None:
        self.messenger = messenger

    async def send(self, chat_id: str, reply: Reply) -> SendResult:
        return await self.messenger.deliver(chat_id, [reply], proactive=True)


class MemberChannel(ReceivingChannel):
    """The self-built app as a channel: its callback route, its Sender, its background work."""

    name = CHANNEL
    callback_path = CALLBACK_PATH

    def __init__(self, engine: Engine, messenger: MemberMessenger, crypto: WeComCrypto, max_age: float) -> None:
        super().__init__(engine, crypto, max_age, "members")
        self.messenger = messenger
        self.sender = MemberSender(messenger)

    async def start(self) -> None:
        now = self.services.clock.now()
        await store.in_db(self.services, dedupe.prune, now)
        await self.recovery.start()

    async def stop(self) -> None:
        await self.recovery.stop()
        await self.queue.drain()
        await self.messenger.api.http.aclose()

    async def drain(self) -> None:
        """Wait until every accepted callback has been handled (tests; shutdown)."""
        await self.queue.drain()

    async def accept(self, fields: Fields) -> None:
        """Take a decrypted callback once; the work happens after WeCom has its answer."""
        agent = fields.get("AgentID", "")
        if (agent and agent != str(self.messenger.agent_id)) or not fields.get("FromUserName"):
            log.info("wecom: callback for another app or without a sender ignored")
            return
        now = self.services.clock.now()
        user = fields["FromUserName"]
        row = await store.in_db(self.services, inbox.keep, message_identity(fields), CHANNEL, user, fields, now)
        if row is None:
            log.info("wecom: repeated callback ignored", extra={"chat_id": user})
            return
        self.resume(row, user, fields)

    def resume(self, row: int, user: str, fields: Fields) -> None:
        """Queue a kept message (just acknowledged, or left behind by a worker that died)."""
        self.queue.submit(user, lambda: self.process(fields, row))

    async def process(self, fields: Fields, row: int) -> None:
        """Handle a kept message; its inbox row goes in the engine's transaction (so exactly once)."""
        incoming = await store.in_db(self.services, self.to_incoming, fields)
        if incoming is not None:
            incoming = await with_media(self.messenger.api, incoming, fields.get("MsgType", ""),
                                        fields.get("MediaId", ""), fields.get("FileName", ""), fields.get("MsgId", ""))
            card = fields.get("TaskId", "") if fields.get("Event") == "template_card_event" else ""
            now = self.services.clock.now()
            spent: list[bool] = []

            def first_time(session: Any) -> bool:
                """The message is new (its inbox row is ours) and, for a card's button, the card was not
                pressed before: a card answers once, like Telegram's keyboards."""
                if not inbox.take(session, row):
                    return False
                if card and not dedupe.claim(session, f"card:{card}", now):
                    spent.append(True)
                    return False
                return True

            first = FirstTime(first_time)
            keep = ReplyKeep(self.lease)
            replies = await anyio.to_thread.run_sync(lambda: self.engine.handle(incoming, once=first, keep=keep))
            if spent:
                await self.messenger.send_reply(incoming.chat_id, ALREADY_CHOSEN, False)
            elif not first.seen_before:  # seen before: another worker handled it
                await self.answer(incoming.chat_id, keep, replies)
                if card:
                    await self.messenger.spend_card(incoming.chat_id, fields.get("ResponseCode", ""))
            if first.answer is not None:  # the engine took the row
                return
        await store.in_db(self.services, inbox.take, row)  # an event, or input the guards refused

    async def answer(self, userid: str, keep: ReplyKeep, replies: list[Reply]) -> None:
        """Send the engine's replies now (kept ones through the outbox: bot/replies.py)."""
        results = await self.fast.deliver(keep, replies, lambda r: self.messenger.send_reply(userid, r, False))
        if results and all(r.ok for r in results):
            await self.messenger.remember(userid, replies, proactive=False)

    def to_incoming(self, session: Any, fields: Fields) -> Incoming | None:
        """The callback as an Incoming, or None for events that say nothing to the bot."""
        user = fields["FromUserName"]
        kind, event = fields.get("MsgType", ""), fields.get("Event", "")
        at = sent_at(fields.get("CreateTime", ""))
        base = {"channel": CHANNEL, "chat_id": user, "user_id": user, "at": at, "display_name": user}
        if kind == "text":
            text = fields.get("Content", "")
            return Incoming(**base, text=text, numbered=True)
        if kind == "event" and event in ("template_card_event", "click"):
            payload = keys.payload_of(session, fields.get("EventKey", ""))
            return Incoming(**base, payload=payload if payload is not None else "")
        if kind == "event":
            return None  # enter_agent, subscribe, view …: nothing to answer
        return Incoming(**base, text="")


def sent_at(create_time: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(create_time), UTC)
    except (ValueError, OverflowError, OSError):
        return None
