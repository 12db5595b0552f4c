"""WeChat clients through WeChat Customer Service (微信客服).

    callback kf_msg_or_event(OpenKfId, Token) ─▶ kf/sync_msg from the stored cursor, page by page
        each msgid handled once ─▶ origin 3 (the client): open their 48-hour window, Incoming, reply
                                   origin 4/5 (events, a servicer's message): note their consultant
    replies ─▶ kf/send_msg while the window is open, at most 5 messages per client message;
              buttons as a menu message (msgmenu); a click comes back as text with menu_id.

Direct replies that do not fit the allowance wait in the outbox, where the Sender routes them to
the client's consultant (see sender.py): nothing is dropped.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import anyio
from sqlmodel import Session

from bot.context import Services
from bot.engine import Engine, FirstTime
from bot.messages import Attachment, Incoming, Reply
from bot.outbox import Sender, SendResult
from bot.replies import ReplyKeep
from channels.wecom import buttons as keys
from channels.wecom import dedupe, inbox, render, store
from channels.wecom.api import WeComApi, WeComError, send_result
from channels.wecom.callback import Fields
from channels.wecom.crypto import WeComCrypto
from channels.wecom.media import with_media
from channels.wecom.members import Outgoing
from channels.wecom.models import WeComKfClient
from channels.wecom.receiving import ReceivingChannel

log = logging.getLogger(__name__)

CHANNEL = store.KF_CHANNEL
CALLBACK_PATH = "/wecom/kf/callback"
TEXT_BYTES = 2048
MENU_HEAD_BYTES = 1024
MENU_ITEM_BYTES = 128  # both the item's id and its text
MENU_ITEMS = 10
FROM_CLIENT, EVENT, FROM_SERVICER = 3, 4, 5
SHANGHAI = ZoneInfo("Asia/Shanghai")


def kf_messages(reply: Reply, key_of: dict[str, str]) -> list[Outgoing]:
    """A reply as kf/send_msg bodies (without touser/open_kfid): text parts, file, menu."""
    text = reply.text.strip()
    out: list[Outgoing] = []
    head_fits = bool(reply.buttons) and render.utf8_len(text) <= MENU_HEAD_BYTES
    if text and not head_fits:
        out += [Outgoing({"msgtype": "text", "text": {"content": p}}) for p in render.split(text, TEXT_BYTES)]
    if reply.attachment is not None:
        out.append(Outgoing({"msgtype": "file", "file": {}}, reply.attachment))
    chinese = render.is_chinese(text + "".join(b.label for b in reply.buttons))
    groups = render.chunks(reply.buttons, MENU_ITEMS, reply.number_from)
    for n, (start, group) in enumerate(groups):
        items = [{"type": "click", "click": {"id": key_of[b.payload],
                                             "content": render.clip(f"{i}. {b.label}", MENU_ITEM_BYTES)}}
                 for i, b in enumerate(group, start)]
        head = (text if head_fits and text else render.choose_title(chinese)) if n == 0 \
            else render.more_title(chinese)
        menu = {"head_content": head, "list": items}
        if n == len(groups) - 1:
            menu["tail_content"] = render.number_hint(chinese)
        out.append(Outgoing({"msgtype": "msgmenu", "msgmenu": menu}))
    return out


def client_name(external_userid: str, client: WeComKfClient | None) -> str:
    """How a consultant recognises a WeChat client: "王总（外部联系人 wm…）"."""
    return (client.nickname if client and client.nickname else "微信客户") + f"（外部联系人 {external_userid}）"


def late_text(external_userid: str, client: WeComKfClient | None, written: datetime, text: str) -> str:
    """The member message about a client message fetched too late to be answered through the platform."""
    who = client_name(external_userid, client)
    at = written.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    return "\n".join([f"【客户留言未能回复】{who}", f"这条消息写于 {at}，超过48小时后才收到，微信客服已不能回复，"
                      "请通过其他方式联系客户：", "————————", text.strip() or "（非文字消息）"])


def record_latest(session: Session, open_kfid: str, messages: list[dict[str, Any]], now: datetime) -> None:
    """Before a page of messages is handled: each client's latest message opens their window, so that a
    backlog of six gets five replies in all (the allowance counts from the latest message)."""
    latest: dict[str, int] = {}
    for msg in messages:
        external = str(msg.get("external_userid", ""))
        if msg.get("origin") == FROM_CLIENT and external:
            latest[external] = max(latest.get(external, 0), int(msg.get("send_time") or 0))
    for external, at in latest.items():
        store.record_client_message(session, external, open_kfid, datetime.fromtimestamp(at, UTC), now)


class ClientSender(Sender, Protocol):
    """The Customer Service Sender (sender.py), which can also get a note to the client's consultant."""

    async def tell_consultant(self, chat_id: str, note: Reply, why_en: str) -> SendResult: ...


class KfMessenger:
    """Sends to WeChat clients with kf/send_msg, counting each message against their allowance."""

    def __init__(self, services: Services, api: WeComApi) -> None:
        self.services = services
        self.api = api

    async def render(self, reply: Reply) -> list[Outgoing]:
        now = self.services.clock.now()
        payloads = [b.payload for b in reply.buttons]
        key_of = await store.in_db(self.services, keys.keys_for, payloads, MENU_ITEM_BYTES, now) \
            if payloads else {}
        return kf_messages(reply, key_of)

    async def post(self, external_userid: str, open_kfid: str, item: Outgoing) -> str:
        body = {"touser": external_userid, "open_kfid": open_kfid, **item.body}
        if item.attachment is not None:
            a = item.attachment
            body["file"] = {"media_id": await self.api.upload("media/upload", a.filename, a.content, a.mime)}
        data = await self.api.call("kf/send_msg", body)
        return str(data.get("msgid", ""))

    async def send_reserved(self, external_userid: str, open_kfid: str, items: list[Outgoing]) -> SendResult:
        """Send messages already counted against the allowance; give back the ones that did not go."""
        platform_id = ""
        for done, item in enumerate(items):
            try:
                platform_id = await self.post(external_userid, open_kfid, item) or platform_id
            except WeComError as exc:
                unsent = len(items) - done
                await store.in_db(self.services, store.refund, external_userid, unsent)
                return send_result(exc)
        return SendResult(ok=True, platform_id=platform_id)

    async def deliver_direct(self, external_userid: str, open_kfid: str, replies: list[Reply]) -> None:
        """Answer the client's message; what the allowance cannot carry waits in the outbox."""
        local = store.KF_ALLOWANCE  # used when their row is gone (they just sent /forget)
        for i, reply in enumerate(replies):
            items = await self.render(reply)
            now = self.services.clock.now()
            state, _row = await store.in_db(self.services, store.reserve, self.services, external_userid,
                                            len(items), now)
            if state == "unknown" and len(items) <= local:
                local -= len(items)
                state = "forgotten"
            result = await self.send_reserved(external_userid, open_kfid, items) if state in ("open", "forgotten") \
                else SendResult(ok=False, error=f"window {state}")
            if not result.ok:
                await self._defer(external_userid, replies[i:], result)
                return

    async def _defer(self, external_userid: str, rest: list[Reply], result: SendResult) -> None:
        if result.permanent:
            log.warning("wecom_kf: replies dropped: %s", result.error, extra={"chat_id": external_userid})
            return
        now = self.services.clock.now()
        later = now + timedelta(seconds=result.retry_after or 0)
        await store.in_db(self.services,
                          store.enqueue_overflow, CHANNEL, external_userid, rest, now, later)
        log.info("wecom_kf: %d replies wait in the outbox (%s)", len(rest), result.error,
                 extra={"chat_id": external_userid})


class KfChannel(ReceivingChannel):
    """WeChat Customer Service as a channel: its callback route, cursor sync, Sender."""

    name = CHANNEL
    callback_path = CALLBACK_PATH

    def __init__(self, engine: Engine, messenger: KfMessenger, crypto: WeComCrypto, max_age: float,
                 sender: ClientSender) -> None:
        super().__init__(engine, crypto, max_age, "kf")
        self.api: WeComApi = messenger.api
        self.messenger = messenger
        self.sender = sender
        self._pending_syncs: set[str] = set()

    async def start(self) -> None:
        """Catch up: first the messages a dead worker fetched but never answered, then those that arrived
        while we were down (in that order, so each chat's messages keep theirs)."""
        await self.recovery.start()
        for open_kfid in await store.in_db(self.services, store.known_kf_accounts):
            self.request_sync(open_kfid)

    async def stop(self) -> None:
        await self.recovery.stop()
        await self.queue.drain()
        await self.api.http.aclose()

    async def drain(self) -> None:
        await self.queue.drain()

    async def accept(self, fields: Fields) -> None:
        """A callback only says that messages wait: fetch them (once per account at a time)."""
        if fields.get("Event") != "kf_msg_or_event" or not fields.get("OpenKfId"):
            log.info("wecom_kf: callback %s ignored", fields.get("Event") or fields.get("MsgType"))
            return
        self.request_sync(fields["OpenKfId"], fields.get("Token", ""))

    def request_sync(self, open_kfid: str, token: str = "") -> None:
        if open_kfid in self._pending_syncs:
            return  # a sync that has not started yet will see these messages too
        self._pending_syncs.add(open_kfid)
        self.queue.submit(f"sync:{open_kfid}", lambda: self.sync(open_kfid, token))

    async def sync(self, open_kfid: str, token: str = "") -> None:
        """Fetch every waiting message from the stored cursor on, handing each new one to its chat."""
        self._pending_syncs.discard(open_kfid)
        cursor = await store.in_db(self.services, store.get_cursor, open_kfid)
        while True:
            body = {"open_kfid": open_kfid, "limit": 1000, "cursor": cursor, "token": token}
            try:
                data = await self.api.call("kf/sync_msg", {k: v for k, v in body.items() if v != ""})
            except WeComError as exc:  # the messages stay at WeCom; the next callback or start fetches them
                log.warning("wecom_kf: sync of %s failed: %s", open_kfid, exc)
                return
            messages = data.get("msg_list") or []
            await store.in_db(self.services, record_latest, open_kfid, messages, self.services.clock.now())
            for msg in messages:
                await self.take(msg)
            cursor = str(data.get("next_cursor") or cursor)
            now = self.services.clock.now()
            await store.in_db(self.services, store.set_cursor, open_kfid, cursor, now)
            if not data.get("has_more"):
                return

    async def take(self, msg: dict[str, Any]) -> None:
        msgid, external = str(msg.get("msgid", "")), str(msg.get("external_userid", ""))
        now = self.services.clock.now()
        if not msgid:
            return
        origin = msg.get("origin")
        if origin == FROM_CLIENT and external:  # kept until handled: the cursor has moved past it
            row = await store.in_db(self.services, inbox.keep, f"kf:msg:{msgid}", CHANNEL, external, msg, now)
            if row is not None:
                self.resume(row, external, msg)
        elif await store.in_db(self.services, dedupe.claim, f"kf:msg:{msgid}", now):
            if origin in (EVENT, FROM_SERVICER):
                await self.note_consultant(msg)

    def resume(self, row: int, external: str, msg: dict[str, Any]) -> None:
        """Queue a kept client message (just fetched, or left behind by a worker that died)."""
        self.queue.submit(external, lambda: self.process(msg, row))

    async def note_consultant(self, msg: dict[str, Any]) -> None:
        """A servicer wrote to the client or took the session over: they are the client's consultant."""
        event = msg.get("event") or {}
        external = str(msg.get("external_userid") or event.get("external_userid") or "")
        servicer = str(event.get("new_servicer_userid") or msg.get("servicer_userid") or "")
        if external and servicer:
            await store.in_db(self.services, store.assign_consultant, external, servicer)

    async def process(self, msg: dict[str, Any], row: int) -> None:
        """Handle a kept client message; its inbox row goes in the engine's transaction (exactly once)."""
        external, open_kfid = str(msg["external_userid"]), str(msg.get("open_kfid", ""))
        now = self.services.clock.now()
        written = datetime.fromtimestamp(int(msg.get("send_time") or now.timestamp()), UTC)
        if now - written >= store.KF_WINDOW:
            if not await self.report_late(external, msg, written):
                return  # nobody reached yet: the inbox row stays, recovery tries again
        else:
            client = await store.in_db(self.services,  # the sync recorded their latest message
                                       store.record_client_message, external, open_kfid, written, now, False)
            nickname = client.nickname or await self.fetch_nickname(external)
            incoming = await store.in_db(self.services, self.to_incoming, msg, nickname)
            kind = str(msg.get("msgtype", ""))
            media = msg.get(kind) if isinstance(msg.get(kind), dict) else {}
            incoming = await with_media(self.api, incoming, kind, str(media.get("media_id", "")),
                                        str(media.get("file_name", "")), str(msg.get("msgid", "")))
            first = FirstTime(lambda session: inbox.take(session, row))
            keep = ReplyKeep(self.lease)
            replies = await anyio.to_thread.run_sync(lambda: self.engine.handle(incoming, once=first, keep=keep))
            if not first.seen_before:  # seen before: another worker handled it
                await self.answer(external, open_kfid, keep, replies)
            if first.answer is not None:  # the engine took the row
                return
        await store.in_db(self.services, inbox.take, row)  # skipped, or input the guards refused

    async def answer(self, external: str, open_kfid: str, keep: ReplyKeep, replies: list[Reply]) -> None:
        """Send the engine's replies now. Kept ones go through the outbox and the Sender: within the
        allowance to the client, beyond it to their consultant ready to forward (sender.py)."""
        if not keep.kept(replies):  # a refusal or the last words of /forget: nothing stored to answer
            await self.messenger.deliver_direct(external, open_kfid, replies)
            return
        results = await self.fast.deliver(keep, replies, lambda r: self.sender.send(external, r))
        if results and all(r.ok and not r.error for r in results):  # all went to the client directly
            shown = next((r.buttons for r in reversed(replies) if r.buttons), ())
            await store.in_db(self.services, keys.remember, CHANNEL, external, external, shown,
                              self.services.clock.now())

    async def report_late(self, external: str, msg: dict[str, Any], written: datetime) -> bool:
        """A message more than 48 hours old when fetched cannot be answered here: its consultant is told,
        with the text. True once someone has it."""
        client = await store.in_db(self.services, store.load_client, external)
        text = str((msg.get("text") or {}).get("content", "")) if msg.get("msgtype") == "text" else ""
        note = Reply(late_text(external, client, written, text))
        why = "message fetched more than 48 h after it was written"
        result = await self.sender.tell_consultant(external, note, why)
        log.warning("wecom_kf: a message older than 48 h went to the consultant: %s", result.error or "ok",
                    extra={"chat_id": external})
        return result.ok or result.permanent

    async def fetch_nickname(self, external: str) -> str:
        try:
            data = await self.api.call("kf/customer/batchget", {"external_userid_list": [external]})
        except WeComError as exc:
            log.info("wecom_kf: no nickname: %s", exc)
            return ""
        nickname = next((str(c.get("nickname", "")) for c in data.get("customer_list") or []
                         if c.get("external_userid") == external), "")
        await store.in_db(self.services, store.set_nickname, external, nickname)
        return nickname

    def to_incoming(self, session: Session, msg: dict[str, Any], nickname: str) -> Incoming:
        external = str(msg["external_userid"])
        base = {"channel": CHANNEL, "chat_id": external, "user_id": external, "display_name": nickname}
        kind = str(msg.get("msgtype", ""))
        if kind in ("file", "image"):  # by media id: the content stays with WeCom for three days
            media = str((msg.get(kind) or {}).get("media_id", ""))
            name = "文件" if kind == "file" else "图片.jpg"
            return Incoming(**base, text="", attachment=Attachment(name, b"", "application/octet-stream", ref=media))
        if kind != "text":
            return Incoming(**base, text="")
        text_part = msg.get("text") or {}
        text, menu_id = str(text_part.get("content", "")), str(text_part.get("menu_id", ""))
        if menu_id:
            payload = keys.payload_of(session, menu_id)
            return Incoming(**base, text=text, payload=payload if payload is not None else "")
        return Incoming(**base, text=text, numbered=True)
