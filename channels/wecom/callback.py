"""The callback endpoint WeCom posts to, and the background queue that does the work.

    GET  ?msg_signature&timestamp&nonce&echostr  → verify, decrypt echostr, answer it (URL check)
    POST ?msg_signature&timestamp&nonce  <xml><Encrypt>…</Encrypt></xml>
         → verify signature and freshness, decrypt, check the receiver, parse
         → `accept(fields)` (dedupe + queue, quick) → empty 200 within WeCom's 5-second deadline

Refusals are 403 (forged or stale signature, wrong receiver) or 400 (malformed query, base64 or
XML), logged as one line without a stack trace.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bot.clock import Clock
from channels.wecom import xmlmsg
from channels.wecom.crypto import CryptoError, WeComCrypto

log = logging.getLogger(__name__)

Fields = dict[str, str]


class ChatQueue:
    """Background jobs, one at a time per chat and in arrival order; `drain()` waits for all."""

    def __init__(self) -> None:
        self._tails: dict[str, asyncio.Task[None]] = {}
        self._all: set[asyncio.Task[None]] = set()

    def submit(self, chat: str, job: Callable[[], Awaitable[None]]) -> None:
        previous = self._tails.get(chat)
        task = asyncio.create_task(self._run(previous, job, chat))
        self._tails[chat] = task
        self._all.add(task)
        task.add_done_callback(lambda t: self._done(chat, t))

    async def _run(self, previous: asyncio.Task[None] | None, job: Callable[[], Awaitable[None]],
                   chat: str) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        try:
            await job()
        except Exception:
            log.exception("wecom: background job failed", extra={"chat_id": chat})

    def _done(self, chat: str, task: asyncio.Task[None]) -> None:
        self._all.discard(task)
        if self._tails.get(chat) is task:
            del self._tails[chat]

    async def drain(self) -> None:
        while self._all:
            await asyncio.wait(list(self._all))


class CallbackEndpoint:
    """One callback URL: the crypto in front of a channel's `accept(fields)`."""

    def __init__(self, crypto: WeComCrypto, clock: Clock, max_age: float,
                 accept: Callable[[Fields], Awaitable[None]], name: str) -> None:
        self.crypto = crypto
        self.clock = clock
        self.max_age = max_age
        self.accept = accept
        self.name = name

    async def handle(self, request: Request) -> Response:
        try:
            if request.method == "GET":
                return PlainTextResponse(self._verify_url(request))
            fields = await self._open(request)
        except (CryptoError, xmlmsg.MalformedXml, BadQuery) as exc:
            log.warning("wecom %s callback refused (%d): %s", self.name, exc.status, exc,
                        extra={"client": request.client.host if request.client else ""})
            return PlainTextResponse("forbidden" if exc.status == 403 else "bad request", status_code=exc.status)
        await self.accept(fields)
        return PlainTextResponse("")

    def _params(self, request: Request, *names: str) -> list[str]:
        values = [request.query_params.get(n, "") for n in names]
        if not all(values) or any(len(v) > 4096 for v in values):
            raise BadQuery(f"missing or oversized query parameters (need {', '.join(names)})")
        return values

    def _verify_url(self, request: Request) -> str:
        sig, ts, nonce, echostr = self._params(request, "msg_signature", "timestamp", "nonce", "echostr")
        echostr = echostr.replace(" ", "+")  # a '+' that arrived unescaped was read as a space
        return self.crypto.open(sig, ts, nonce, echostr, self.clock.now().timestamp(), self.max_age)

    async def _open(self, request: Request) -> Fields:
        sig, ts, nonce = self._params(request, "msg_signature", "timestamp", "nonce")
        body = await read_limited(request, xmlmsg.MAX_XML_BYTES)
        envelope = xmlmsg.parse(body)
        ciphertext = envelope.get("Encrypt", "")
        if not ciphertext:
            raise xmlmsg.MalformedXml("no <Encrypt> element")
        plain = self.crypto.open(sig, ts, nonce, ciphertext, self.clock.now().timestamp(), self.max_age)
        return xmlmsg.parse(plain)


class BadQuery(Exception):
    status = 400


async def read_limited(request: Request, limit: int) -> bytes:
    """The request body, refusing (400) one longer than `limit` bytes without reading it all."""
    if int(request.headers.get("content-length") or 0) > limit:
        raise xmlmsg.MalformedXml("body too large")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise xmlmsg.MalformedXml("body too large")
        chunks.append(chunk)
    return b"".join(chunks)
