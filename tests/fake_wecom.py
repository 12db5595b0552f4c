"""A fake WeCom server API on 127.0.0.1 for offline tests: tokens, message/send, media/upload,
kf/sync_msg, kf/send_msg, kf/customer/batchget and the group robot webhook.

It also takes message/update_template_card: a pressed card's button becomes "spent" with the text
given, once per response_code (a code from a click's callback, good for one update within 72 hours).

It keeps the platform's rules that matter to the bot: tokens expire (and `expire_token_once`
makes the next call fail with 42001), message/send drops a duplicate when asked to check,
kf/send_msg refuses outside the 48-hour window or past 5 messages, the robot allows 20 a minute.
Error codes it invents for refusals are marked as such.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.clock import Clock

KF_WINDOW_CLOSED = 95018  # invented by the fake: "the client can no longer be messaged"
RESPONSE_CODE_USED = 95019  # invented by the fake: "response_code unknown, used or expired"


@dataclass
class Sent:
    kind: str  # "member", "kf" or "robot"
    to: str
    body: dict[str, Any]

    @property
    def msgtype(self) -> str:
        return str(self.body.get("msgtype", ""))

    @property
    def text(self) -> str:
        b = self.body
        t = self.msgtype
        if t in ("text", "markdown"):
            return str(b[t]["content"])
        if t == "template_card":
            card = b["template_card"]
            return card["main_title"]["title"] + "\n" + card.get("sub_title_text", "")
        if t == "msgmenu":
            menu = b["msgmenu"]
            return "\n".join([menu.get("head_content", "")] + [i["click"]["content"] for i in menu["list"]])
        if t == "file":
            return f"[file {b['file']['media_id']}]"
        return ""

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, key) of a card's buttons or a menu's items."""
        if self.msgtype == "template_card":
            return [(x["text"], x["key"]) for x in self.body["template_card"]["button_list"]]
        if self.msgtype == "msgmenu":
            return [(i["click"]["content"], i["click"]["id"]) for i in self.body["msgmenu"]["list"]]
        return []


@dataclass
class FakeState:
    clock: Clock
    corp_id: str
    secrets: dict[str, str]  # secret -> "app" | "kf"
    robot_key: str
    tokens: dict[str, str] = field(default_factory=dict)  # token -> app
    token_requests: int = 0
    expire_once: bool = False
    sent: list[Sent] = field(default_factory=list)
    duplicates_dropped: list[Sent] = field(default_factory=list)
    fail_next: dict[str, int] = field(default_factory=dict)  # path -> errcode for the next call
    inbox: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # open_kfid -> messages
    sync_calls: list[dict[str, Any]] = field(default_factory=list)
    windows: dict[str, tuple[float, int]] = field(default_factory=dict)  # external_userid -> (last, sent)
    nicknames: dict[str, str] = field(default_factory=dict)
    uploads: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    media: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)  # files users sent: id -> (name, bytes, mime)
    robot_times: list[float] = field(default_factory=list)
    page_size: int = 1000
    response_codes: dict[str, str] = field(default_factory=dict)  # response_code -> task_id (from a click)
    card_updates: list[dict[str, Any]] = field(default_factory=list)  # accepted update_template_card bodies

    def now(self) -> float:
        return self.clock.now().timestamp()

    # --- what the test does on the platform's side ------------------------------------------------

    def client_writes(self, open_kfid: str, external_userid: str, text: str, menu_id: str = "",
                      msgid: str = "", ago: timedelta = timedelta()) -> dict[str, Any]:
        """A WeChat client sends a text (or clicks a menu item) to a customer-service account."""
        box = self.inbox.setdefault(open_kfid, [])
        sent_at = int(self.now() - ago.total_seconds())
        content: dict[str, Any] = {"content": text}
        if menu_id:
            content["menu_id"] = menu_id
        msg = {"msgid": msgid or f"msg{sum(map(len, self.inbox.values()))}", "open_kfid": open_kfid,
               "external_userid": external_userid, "send_time": sent_at, "origin": 3, "msgtype": "text",
               "text": content}
        box.append(msg)
        self.windows[external_userid] = (sent_at, 0)
        return msg

    def user_file(self, name: str, content: bytes, mime: str) -> str:
        """A file a user sent, kept for media/get; returns its media_id."""
        media_id = f"in-media{len(self.media)}"
        self.media[media_id] = (name, content, mime)
        return media_id

    def client_sends_file(self, open_kfid: str, external_userid: str, name: str, content: bytes,
                          mime: str = "application/pdf") -> dict[str, Any]:
        """A WeChat client sends a file (msgtype file) or, for image/* types, a photo (msgtype image)."""
        kind = "image" if mime.startswith("image/") else "file"
        msg = {"msgid": f"msg{sum(map(len, self.inbox.values()))}", "open_kfid": open_kfid,
               "external_userid": external_userid, "send_time": int(self.now()), "origin": 3, "msgtype": kind,
               kind: {"media_id": self.user_file(name, content, mime)}}
        self.inbox.setdefault(open_kfid, []).append(msg)
        self.windows[external_userid] = (int(self.now()), 0)
        return msg

    def servicer_writes(self, open_kfid: str, external_userid: str, servicer: str, text: str) -> None:
        box = self.inbox.setdefault(open_kfid, [])
        box.append({"msgid": f"srv{len(box)}", "open_kfid": open_kfid, "external_userid": external_userid,
                    "send_time": int(self.now()), "origin": 5, "servicer_userid": servicer, "msgtype": "text",
                    "text": {"content": text}})

    def click_code(self, task_id: str) -> str:
        """The response_code WeCom puts in the callback of a click on card `task_id`."""
        code = f"rc{len(self.response_codes) + len(self.card_updates)}-{task_id}"
        self.response_codes[code] = task_id
        return code

    def to(self, kind: str, who: str) -> list[Sent]:
        return [s for s in self.sent if s.kind == kind and s.to == who]

    # --- the API -------------------------------------------------------------------------------------

    def check_token(self, request: Request, app: str, path: str) -> dict[str, Any] | None:
        token = request.query_params.get("access_token", "")
        if self.expire_once and token in self.tokens:
            self.expire_once = False
            del self.tokens[token]
            return {"errcode": 42001, "errmsg": "access_token expired"}
        if self.tokens.get(token) != app:
            return {"errcode": 40014, "errmsg": "invalid access_token"}
        if path in self.fail_next:
            return {"errcode": self.fail_next.pop(path), "errmsg": "injected failure"}
        return None


def build_app(state: FakeState) -> Starlette:
    def ok(**extra: Any) -> JSONResponse:
        return JSONResponse({"errcode": 0, "errmsg": "ok", **extra})

    async def gettoken(request: Request) -> JSONResponse:
        q = request.query_params
        app = state.secrets.get(q.get("corpsecret", ""))
        if q.get("corpid") != state.corp_id or app is None:
            return JSONResponse({"errcode": 40001, "errmsg": "invalid secret"})
        state.token_requests += 1
        token = f"tok-{app}-{state.token_requests}"
        state.tokens[token] = app
        return ok(access_token=token, expires_in=7200)

    async def message_send(request: Request) -> JSONResponse:
        if (err := state.check_token(request, "app", "message/send")) is not None:
            return JSONResponse(err)
        body = await request.json()
        kind = body.get("msgtype")
        if kind in ("text", "markdown") and len(body[kind]["content"].encode()) > 2048:
            return JSONResponse({"errcode": 45002, "errmsg": "content size out of limit"})
        sent = Sent("member", body["touser"], body)
        if body.get("enable_duplicate_check"):
            window = float(body.get("duplicate_check_interval", 1800))
            same = [s for s in state.sent if s.kind == "member" and s.to == sent.to and s.msgtype == kind
                    and s.body.get(kind) == body.get(kind) and s.body.get("_at", 0) > state.now() - window]
            if same:
                state.duplicates_dropped.append(sent)
                return ok(invaliduser="", msgid=f"dup{len(state.sent)}")
        body["_at"] = state.now()
        state.sent.append(sent)
        return ok(invaliduser="", msgid=f"m{len(state.sent)}")

    async def update_card(request: Request) -> JSONResponse:
        if (err := state.check_token(request, "app", "message/update_template_card")) is not None:
            return JSONResponse(err)
        body = await request.json()
        if state.response_codes.pop(str(body.get("response_code", "")), None) is None:
            return JSONResponse({"errcode": RESPONSE_CODE_USED, "errmsg": "fake: response_code invalid or used"})
        state.card_updates.append(body)
        return ok(invaliduser=[])

    async def media_upload(request: Request) -> JSONResponse:
        app = next((a for t, a in state.tokens.items() if t == request.query_params.get("access_token")), "")
        if not app:
            return JSONResponse({"errcode": 40014, "errmsg": "invalid access_token"})
        parts = parse_multipart(request.headers.get("content-type", ""), await request.body())
        if "media" not in parts:
            return JSONResponse({"errcode": 41001, "errmsg": "media missing"})
        media_id = f"media{len(state.uploads)}"
        state.uploads[media_id] = parts["media"]
        return ok(type="file", media_id=media_id)

    async def media_get(request: Request) -> Response:
        token = request.query_params.get("access_token", "")
        if token not in state.tokens:
            return JSONResponse({"errcode": 40014, "errmsg": "invalid access_token"})
        found = state.media.get(request.query_params.get("media_id", ""))
        if found is None:
            return JSONResponse({"errcode": 40007, "errmsg": "invalid media_id"})
        name, content, mime = found
        return Response(content, media_type=mime, headers={"Content-Disposition": f'attachment; filename="{quote(name)}"'})

    async def kf_sync(request: Request) -> JSONResponse:
        if (err := state.check_token(request, "kf", "kf/sync_msg")) is not None:
            return JSONResponse(err)
        body = await request.json()
        state.sync_calls.append(body)
        box = state.inbox.get(body.get("open_kfid", ""), [])
        start = int(body.get("cursor") or 0)
        page = box[start:start + min(int(body.get("limit", 1000)), state.page_size)]
        end = start + len(page)
        return ok(next_cursor=str(end), has_more=int(end < len(box)), msg_list=page)

    async def kf_send(request: Request) -> JSONResponse:
        if (err := state.check_token(request, "kf", "kf/send_msg")) is not None:
            return JSONResponse(err)
        body = await request.json()
        last, count = state.windows.get(body["touser"], (0.0, 0))
        if state.now() - last >= 48 * 3600 or count >= 5:
            return JSONResponse({"errcode": KF_WINDOW_CLOSED, "errmsg": "fake: cannot message this client now"})
        state.windows[body["touser"]] = (last, count + 1)
        state.sent.append(Sent("kf", body["touser"], body))
        return ok(msgid=f"kf{len(state.sent)}")

    async def kf_customers(request: Request) -> JSONResponse:
        if (err := state.check_token(request, "kf", "kf/customer/batchget")) is not None:
            return JSONResponse(err)
        body = await request.json()
        found = [{"external_userid": e, "nickname": state.nicknames[e]}
                 for e in body.get("external_userid_list", []) if e in state.nicknames]
        return ok(customer_list=found, invalid_external_userid=[])

    async def robot_send(request: Request) -> JSONResponse:
        if request.query_params.get("key") != state.robot_key:
            return JSONResponse({"errcode": 93000, "errmsg": "invalid webhook url"})
        now = state.now()
        state.robot_times = [t for t in state.robot_times if t > now - 60]
        if len(state.robot_times) >= 20:
            return JSONResponse({"errcode": 45009, "errmsg": "api freq out of limit"})
        state.robot_times.append(now)
        body = json.loads(await request.body())
        state.sent.append(Sent("robot", "group", body))
        return ok()

    return Starlette(routes=[
        Route("/cgi-bin/gettoken", gettoken),
        Route("/cgi-bin/message/send", message_send, methods=["POST"]),
        Route("/cgi-bin/message/update_template_card", update_card, methods=["POST"]),
        Route("/cgi-bin/media/upload", media_upload, methods=["POST"]),
        Route("/cgi-bin/media/get", media_get),
        Route("/cgi-bin/kf/sync_msg", kf_sync, methods=["POST"]),
        Route("/cgi-bin/kf/send_msg", kf_send, methods=["POST"]),
        Route("/cgi-bin/kf/customer/batchget", kf_customers, methods=["POST"]),
        Route("/cgi-bin/webhook/send", robot_send, methods=["POST"]),
    ])


def parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[str, bytes]]:
    """{field name: (filename, content)} of a multipart/form-data body (UTF-8 file names kept)."""
    boundary = content_type.partition("boundary=")[2].strip('"').encode()
    out: dict[str, tuple[str, bytes]] = {}
    for chunk in body.split(b"--" + boundary) if boundary else []:
        head, sep, data = chunk.partition(b"\r\n\r\n")
        headers = head.decode("utf-8", "replace")
        name, filename = re.search(r'[; ]name="([^"]*)"', headers), re.search(r'filename="([^"]*)"', headers)
        if sep and name:
            out[name.group(1)] = (filename.group(1) if filename else "", data.removesuffix(b"\r\n"))
    return out


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run an ASGI app with uvicorn on 127.0.0.1, a free port, in a thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP: asyncio sets NODELAY
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()


class Switchable:
    """An ASGI app whose target changes per test, so one server serves a whole session."""

    def __init__(self) -> None:
        self.app: Starlette | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.app is None:
            raise RuntimeError("no fake WeCom state installed")
        await self.app(scope, receive, send)
