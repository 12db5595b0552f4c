"""The WeCom server API over httpx: one cached access token per app, refreshed when WeCom says so.

    token = GET gettoken?corpid&corpsecret  → cached for `expires_in` seconds (7,200) minus a margin
    call  = POST path?access_token=…        → on errcode 40014/42001 refresh the token, retry once

Errors become `WeComError(errcode, errmsg)`; `send_result` turns one into the outbox's SendResult.
`per_minute` builds the per-member and robot send limits on the shared limiter (bot/ratelimit.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import unquote

import httpx

from bot.clock import Clock
from bot.outbox import SendResult
from bot.ratelimit import RateLimiter, SendLimiter, Window
from bot.shared_limits import SharedLimiter
from bot.storage.db import Database

log = logging.getLogger(__name__)

DEFAULT_BASE = "https://qyapi.weixin.qq.com"
TOKEN_ERRORS = frozenset({40014, 42001})  # invalid / expired access_token: refresh and retry once
RATE_ERRORS = frozenset({45009, 45033})  # call frequency / concurrency limits
BUSY_ERRORS = frozenset({-1})  # "system busy"
GONE_ERRORS = frozenset({60111, 81013, 40003})  # no such user / no permission to message them
NETWORK = -2  # our code for a transport failure (timeout, refused connection, bad JSON)
TRANSIENT_OR_GONE = TOKEN_ERRORS | RATE_ERRORS | BUSY_ERRORS | GONE_ERRORS | {NETWORK}
TOKEN_MARGIN = 300  # refresh this many seconds before WeCom's expiry


class WeComError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeCom error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


def send_result(exc: WeComError) -> SendResult:
    """What one failed send means for the outbox: retry later, or give up."""
    error = str(exc)[:500]
    if exc.errcode in RATE_ERRORS:
        return SendResult(ok=False, retry_after=60.0, error=error)
    if exc.errcode in BUSY_ERRORS or exc.errcode == NETWORK:
        return SendResult(ok=False, retry_after=15.0, error=error)
    if exc.errcode in GONE_ERRORS:
        return SendResult(ok=False, permanent=True, error=error)
    return SendResult(ok=False, retry_after=300.0, error=error)  # e.g. a configuration error: fixable


async def post_json(http: httpx.AsyncClient, url: str, params: dict[str, str], body: dict[str, Any] | None = None,
                    files: dict[str, Any] | None = None) -> dict[str, Any]:
    """POST (GET when there is no body) and return the JSON object; transport failures are WeComError."""
    try:
        if body is None and files is None:
            response = await http.get(url, params=params)
        else:
            response = await http.post(url, params=params, json=body, files=files)
        data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise WeComError(NETWORK, f"{type(exc).__name__}: {exc}"[:300]) from None
    if not isinstance(data, dict):
        raise WeComError(NETWORK, "response is not a JSON object")
    return data


class WeComApi:
    """One app's API (the self-built app, or WeChat Customer Service): its secret and its token."""

    def __init__(self, http: httpx.AsyncClient, clock: Clock, corp_id: str, secret: str,
                 base: str = DEFAULT_BASE, label: str = "app") -> None:
        self.http = http
        self.clock = clock
        self.corp_id = corp_id
        self.secret = secret
        self.base = (base or DEFAULT_BASE).rstrip("/") + "/cgi-bin/"
        self.label = label
        self._token = ""
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    def _now(self) -> float:
        return self.clock.now().timestamp()

    async def token(self, stale: str = "") -> str:
        """A valid access token; `stale` is one WeCom just refused (refresh unless already replaced)."""
        async with self._lock:
            fresh = self._token and self._now() < self._expires_at
            if fresh and self._token != stale:
                return self._token
            data = await post_json(self.http, self.base + "gettoken",
                                   {"corpid": self.corp_id, "corpsecret": self.secret})
            if data.get("errcode", 0) != 0 or not data.get("access_token"):
                raise WeComError(int(data.get("errcode", NETWORK)), str(data.get("errmsg", "no access_token")))
            expires_in = float(data.get("expires_in", 7200))
            self._token = str(data["access_token"])
            self._expires_at = self._now() + max(expires_in - min(TOKEN_MARGIN, expires_in / 10), 1.0)
            log.info("wecom %s: new access token, valid %d s", self.label, int(expires_in))
            return self._token

    async def call(self, path: str, body: dict[str, Any] | None = None,
                   files: dict[str, Any] | None = None, params: dict[str, str] | None = None) -> dict[str, Any]:
        """Call `cgi-bin/<path>` with the token; retry once with a new token if it was refused."""
        token = await self.token()
        for attempt in (1, 2):
            data = await post_json(self.http, self.base + path, {**(params or {}), "access_token": token},
                                   body, files)
            errcode = int(data.get("errcode", 0) or 0)
            if errcode == 0:
                return data
            if errcode in TOKEN_ERRORS and attempt == 1:
                log.info("wecom %s: token refused (%s), refreshing", self.label, errcode)
                token = await self.token(stale=token)
                continue
            log.warning("wecom %s: %s failed: %s %s", self.label, path, errcode, data.get("errmsg", ""))
            raise WeComError(errcode, str(data.get("errmsg", "")))
        raise AssertionError("unreachable")

    async def download(self, media_id: str) -> tuple[str, bytes, str]:
        """A temporary file a user sent (media/get): (its name, or "" when WeCom gives none; bytes; mime)."""
        token = await self.token()
        try:
            response = await self.http.get(self.base + "media/get", params={"access_token": token,
                                                                             "media_id": media_id})
        except httpx.HTTPError as exc:
            raise WeComError(NETWORK, f"{type(exc).__name__}: {exc}"[:300]) from None
        mime = response.headers.get("content-type", "").split(";", 1)[0].strip()
        if response.status_code != 200 or mime in ("application/json", "text/plain"):
            try:
                data = response.json()
            except ValueError:
                data = {}
            raise WeComError(int(data.get("errcode", NETWORK) or NETWORK), str(data.get("errmsg", "no file")))
        disposition = response.headers.get("content-disposition", "")
        name = unquote(disposition.partition("filename=")[2].strip().strip('"')) if "filename=" in disposition else ""
        return name, response.content, mime

    async def upload(self, path: str, filename: str, content: bytes, mime: str) -> str:
        """Upload a temporary file (media/upload?type=file) and return its media_id."""
        data = await self.call(path, files={"media": (filename, content, mime)}, params={"type": "file"})
        return str(data.get("media_id", ""))


def per_minute(clock: Clock, name: str, limit: int, db: Database | None = None) -> SendLimiter:
    """A WeCom send limit: at most `limit` messages a minute per `(name, key)` scope, on the injected
    clock; shared by every worker on PostgreSQL (`db`), per process on SQLite. Callers `reserve` and
    hand any wait back."""
    windows: dict[str, Window | None] = {name: Window(limit, 60.0)}
    if db is not None and not db.is_sqlite:
        return SharedLimiter(db, windows, clock=lambda: clock.now().timestamp(), prefix="wecom:")
    return RateLimiter(windows, clock=lambda: clock.now().timestamp())
