"""The group robot (群机器人): posts to the consultants' group chat through its webhook; send-only.

Outbox rows for it use ChatRef("wecom_robot", "consultants") (hand-off alerts, daily digests).
WeCom allows a robot about 20 messages a minute; beyond that the Sender asks to retry later. The count
is kept for the whole service: on PostgreSQL every worker books in the same shared counter
(bot/shared_limits.py), as the member app's limit does; SQLite is one process.
"""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
from starlette.routing import BaseRoute

from bot.clock import Clock
from bot.messages import ChatRef, Reply
from bot.outbox import SendResult
from bot.storage.db import Database
from channels.wecom import render
from channels.wecom.api import DEFAULT_BASE, NETWORK, WeComError, per_minute, post_json, send_result

CHANNEL = "wecom_robot"
CONSULTANTS_GROUP = ChatRef(CHANNEL, "consultants")
TEXT_BYTES = 2048
MARKDOWN_BYTES = 4096
PER_MINUTE = 20


def robot_messages(reply: Reply, mentions: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """A reply as webhook bodies. Buttons cannot be pressed in a group: they are listed, with the
    command to send the bot instead (e.g. "接单 / claim（/claim 3）")."""
    text = reply.text.strip()
    if reply.buttons:
        text += "\n" + "\n".join(f"{b.label}（{b.payload}）" if b.payload.startswith("/") else b.label
                                  for b in reply.buttons)
    if reply.attachment is not None:
        text += f"\n（附件 {reply.attachment.filename} 未随群消息发送）"
    if reply.markdown:
        return [{"msgtype": "markdown", "markdown": {"content": part}}
                for part in render.split(text, MARKDOWN_BYTES)]
    bodies: list[dict[str, Any]] = [{"msgtype": "text", "text": {"content": part}}
                                    for part in render.split(text, TEXT_BYTES)]
    if bodies and mentions:
        bodies[0]["text"]["mentioned_list"] = list(mentions)
    return bodies


class RobotMessenger:
    """One robot webhook, with its per-minute limit: shared by every worker on PostgreSQL (`db`)."""

    def __init__(self, http: httpx.AsyncClient, clock: Clock, key: str, base: str = DEFAULT_BASE,
                 db: Database | None = None) -> None:
        self.http = http
        self.key = key
        self.url = (base or DEFAULT_BASE).rstrip("/") + "/cgi-bin/webhook/send"
        self.limiter = per_minute(clock, "robot", PER_MINUTE, db)
        # WeCom counts per robot: the scope names this webhook by a digest of its key (never the key itself)
        self.scope = ("robot", hashlib.sha256(key.encode()).hexdigest()[:16])

    async def deliver(self, reply: Reply, mentions: tuple[str, ...] = ()) -> SendResult:
        bodies = robot_messages(reply, mentions)
        wait = await self.limiter.areserve(self.scope, n=len(bodies))
        if wait:
            return SendResult(ok=False, retry_after=wait, error="group robot limit (20 a minute)")
        try:
            for body in bodies:
                data = await post_json(self.http, self.url, {"key": self.key}, body)
                if int(data.get("errcode", NETWORK)) != 0:
                    raise WeComError(int(data.get("errcode", NETWORK)), str(data.get("errmsg", "")))
        except WeComError as exc:
            return send_result(exc)
        return SendResult(ok=True)


class RobotSender:
    """Delivers outbox rows of the "wecom_robot" channel to the group (any chat_id: one group)."""

    channel = CHANNEL
    self_limited = True  # the messenger keeps to 20 a minute: the dispatcher does not pace it again

    def __init__(self, messenger: RobotMessenger) -> None:
        self.messenger = messenger

    async def send(self, chat_id: str, reply: Reply) -> SendResult:
        return await self.messenger.deliver(reply)


class RobotChannel:
    """The robot as a channel of `licensebot run`: a Sender, no routes (it receives nothing)."""

    name = CHANNEL

    def __init__(self, messenger: RobotMessenger) -> None:
        self.messenger = messenger
        self.sender = RobotSender(messenger)

    def routes(self) -> list[BaseRoute]:
        return []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        await self.messenger.http.aclose()
