"""A fake Telegram Bot API server for offline end-to-end tests and the benchmark.

It runs with uvicorn in a thread on 127.0.0.1 (port 0) and serves the methods the bot uses. It
records every call, keeps the messages it "sent" (so a test can press a button by its label), lets
tests push updates into the getUpdates queue, and can be told to fail: 429 with retry_after, 403
for a blocked user, 400 "chat not found".

    fake = FakeTelegram(); fake.start()          # fake.base_url → TELEGRAM_BASE_URL
    fake.push_text(42, "ICP证续期要什么材料")      # a user writes
    fake.press(42, "确认删除")                     # a user presses a button of the last keyboard
    fake.fail("sendMessage", chat_id=42, status=429, retry_after=3)
    fake.stop(); fake.start(port=fake.port)       # down, then back on the same address
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TOKEN = "123456:TEST-token"
BOT = {"id": 123456, "is_bot": True, "first_name": "Licence bot", "username": "licensebot_test",
       "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
JSON_FIELDS = {"reply_markup", "commands", "allowed_updates", "entities", "reply_parameters", "scope"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    at: float = 0.0  # time.monotonic() when it arrived

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def buttons(self) -> list[tuple[str, str]]:
        rows = (self.params.get("reply_markup") or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


class ApiError(Exception):
    """A method's own refusal (400 with this description)."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


@dataclass
class Failure:
    method: str
    chat_id: int | None
    status: int
    description: str
    retry_after: int | None
    times: int  # how many more calls fail; -1 = for ever
    migrate_to: int | None = None


class FakeTelegram:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._updates: list[dict[str, Any]] = []
        self.files: dict[str, bytes] = {}  # file_id -> bytes of files users sent (getFile, /file/bot…)
        self._confirmed = 0  # the highest offset getUpdates was called with: updates below it are received
        self._failures: list[Failure] = []
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._lock = threading.Lock()
        self.stamp: Callable[[], float] = time.monotonic  # what Call.at records (a test may put FakeTime here)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # ── running ────────────────────────────────────────────────────────────────────────────────

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, port: int = 0) -> FakeTelegram:
        """Serve on 127.0.0.1: a free port, or `port` again after stop() (an outage that ends)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        self.port = sock.getsockname()[1]
        app = Starlette(routes=[Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"]),
                                Route("/file/bot{token}/{path:path}", self._download)])
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 5
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake Telegram server did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)

    def reset(self) -> None:
        """Forget calls, messages, queued updates and failures (ids keep counting up, so a stale
        long poll from an earlier test can never swallow a new update)."""
        with self._lock:
            self.calls.clear()
            self.messages.clear()
            self._updates.clear()
            self._failures.clear()
            self._confirmed = 0
            self.stamp = time.monotonic

    # ── what tests do ──────────────────────────────────────────────────────────────────────────

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            update.setdefault("update_id", next(self._update_ids))
            self._updates.append(update)
        return update

    def message_update(self, chat_id: int, text: str, user_id: int | None = None, language_code: str = "en",
                       chat_type: str | None = None, reply_to: int | None = None,
                       entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """An update as Telegram sends it for a text message (not queued; see push_text)."""
        user_id = user_id or chat_id
        chat_type = chat_type or ("private" if chat_id > 0 else "supergroup")
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        chat.update({"first_name": f"user{chat_id}"} if chat_type == "private" else {"title": "A group"})
        message: dict[str, Any] = {
            "message_id": next(self._message_ids), "date": int(time.time()), "chat": chat, "text": text,
            "from": {"id": user_id, "is_bot": False, "first_name": f"user{user_id}", "language_code": language_code},
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if entities is not None:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = {**self.messages[(chat_id, reply_to)], "message_id": reply_to}
        return {"update_id": next(self._update_ids), "message": message}

    def file_update(self, chat_id: int, filename: str, content: bytes, mime: str = "application/pdf",
                    photo: bool = False, caption: str = "", language_code: str = "en") -> dict[str, Any]:
        """An update for a document (or, with `photo`, a photo in two sizes) a user sends."""
        update = self.message_update(chat_id, caption, language_code=language_code)
        message = update["message"]
        del message["text"]
        if caption:
            message["caption"] = caption
        file_id = f"user-file-{len(self.files)}"
        self.files[file_id] = content
        if photo:
            small = f"{file_id}-small"
            self.files[small] = content[:10]
            message["photo"] = [{"file_id": small, "file_unique_id": small, "width": 90, "height": 90, "file_size": 10},
                                {"file_id": file_id, "file_unique_id": file_id, "width": 800, "height": 800,
                                 "file_size": len(content)}]
        else:
            message["document"] = {"file_id": file_id, "file_unique_id": file_id, "file_name": filename,
                                   "mime_type": mime, "file_size": len(content)}
        return update

    def push_file(self, chat_id: int, filename: str, content: bytes, **kwargs: Any) -> dict[str, Any]:
        return self.push_update(self.file_update(chat_id, filename, content, **kwargs))

    def push_text(self, chat_id: int, text: str, **kwargs: Any) -> dict[str, Any]:
        return self.push_update(self.message_update(chat_id, text, **kwargs))

    def button_update(self, chat_id: int, label: str, user_id: int | None = None,
                      language_code: str = "en") -> dict[str, Any]:
        """A callback_query for the button labelled `label` on the newest keyboard sent to the chat."""
        with self._lock:
            candidates = sorted(((mid, m) for (cid, mid), m in self.messages.items()
                                 if cid == chat_id and m.get("reply_markup")), reverse=True)
        for message_id, message in candidates:
            for row in message["reply_markup"]["inline_keyboard"]:
                for button in row:
                    if button["text"] == label:
                        return {"update_id": next(self._update_ids), "callback_query": {
                            "id": str(next(self._message_ids)), "chat_instance": "ci", "data": button["callback_data"],
                            "from": {"id": user_id or chat_id, "is_bot": False, "first_name": "u",
                                     "language_code": language_code},
                            "message": {**message, "message_id": message_id}}}
        raise AssertionError(f"no button {label!r} in chat {chat_id}; keyboards: {self.keyboards(chat_id)}")

    def press(self, chat_id: int, label: str, **kwargs: Any) -> dict[str, Any]:
        return self.push_update(self.button_update(chat_id, label, **kwargs))

    def all_fetched(self) -> bool:
        """The bot has confirmed (by the offset of its next getUpdates) every pushed update."""
        with self._lock:
            return all(u["update_id"] < self._confirmed for u in self._updates)

    def fail(self, method: str, chat_id: int | None = None, status: int = 429, retry_after: int | None = None,
             description: str | None = None, times: int = 1, migrate_to: int | None = None) -> None:
        """Make the next `times` calls of `method` (to `chat_id`, if given) fail."""
        default = {429: f"Too Many Requests: retry after {retry_after}", 403: "Forbidden: bot was blocked by the user",
                   400: "Bad Request: chat not found"}.get(status, "Internal Server Error")
        with self._lock:
            self._failures.append(Failure(method, chat_id, status, description or default, retry_after, times,
                                          migrate_to))

    def heal(self) -> None:
        """Stop failing: forget every failure set with fail()."""
        with self._lock:
            self._failures.clear()

    def delivered(self, chat_id: int) -> list[str]:
        """Texts of the messages this chat really got (failed calls are in `calls`, not here)."""
        with self._lock:
            return [m.get("text", "") for (cid, _mid), m in sorted(self.messages.items()) if cid == chat_id]

    def sent(self, chat_id: int | None = None, method: str = "sendMessage") -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and (chat_id is None or c.chat_id == chat_id)]

    def texts(self, chat_id: int) -> list[str]:
        return [c.text for c in self.sent(chat_id)]

    def keyboards(self, chat_id: int) -> list[list[str]]:
        return [[label for label, _ in c.buttons] for c in self.sent(chat_id) if c.buttons]

    def count(self, method: str) -> int:
        return len(self.sent(method=method))

    async def wait_for(self, check: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Poll `check` every few milliseconds until it returns something truthy."""
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; calls so far: {[(c.method, c.params) for c in self.calls[-10:]]}")
            await asyncio.sleep(0.01)

    # ── the Bot API ────────────────────────────────────────────────────────────────────────────

    async def _endpoint(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        if request.path_params["token"] != self.token:
            return _error(401, "Unauthorized")
        params, files = _parse(await request.body(), request.headers.get("content-type", ""))
        call = Call(method, params, files, self.stamp())
        with self._lock:
            self.calls.append(call)
            failure = self._take_failure(method, call.chat_id)
        if failure is not None:
            extra = {"retry_after": failure.retry_after, "migrate_to_chat_id": failure.migrate_to}
            return _error(failure.status, failure.description, {k: v for k, v in extra.items() if v is not None})
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        try:
            result = await handler(params, files) if method == "getUpdates" else handler(params, files)
        except ApiError as exc:
            return _error(400, exc.description)
        return JSONResponse({"ok": True, "result": result})

    def _take_failure(self, method: str, chat_id: int | None) -> Failure | None:
        for f in self._failures:
            if f.method == method and f.times != 0 and (f.chat_id is None or f.chat_id == chat_id):
                if f.times > 0:
                    f.times -= 1
                return f
        return None

    async def _api_getUpdates(self, params: dict[str, Any], _files: Any) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        with self._lock:
            self._confirmed = max(self._confirmed, offset)
        wait = min(float(params.get("timeout") or 0), 0.25)  # short long-polls keep shutdown quick
        deadline = time.monotonic() + wait
        while True:
            with self._lock:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = self._updates[: int(params.get("limit") or 100)]
            if ready or time.monotonic() >= deadline:
                return ready
            await asyncio.sleep(0.005)

    def _api_getFile(self, params: dict[str, Any], _files: Any) -> dict[str, Any]:
        file_id = str(params.get("file_id", ""))
        if file_id not in self.files:
            raise ApiError("Bad Request: invalid file_id")
        return {"file_id": file_id, "file_unique_id": file_id, "file_size": len(self.files[file_id]),
                "file_path": f"documents/{file_id}"}

    async def _download(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return _error(401, "Unauthorized")
        content = self.files.get(request.path_params["path"].rsplit("/", 1)[-1])
        return Response(content, media_type="application/octet-stream") if content is not None else Response(status_code=404)

    def _api_getMe(self, _params: Any, _files: Any) -> dict[str, Any]:
        return BOT

    def _true(self, _params: Any, _files: Any) -> bool:
        return True

    _api_setMyCommands = _api_deleteWebhook = _api_setWebhook = _api_sendChatAction = _true
    _api_answerCallbackQuery = _api_close = _api_logOut = _true

    def _new_message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": next(self._message_ids), "date": int(time.time()), "from": BOT,
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}, **content}
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        with self._lock:
            self.messages[(chat_id, message["message_id"])] = message
        return message

    def _api_sendMessage(self, params: dict[str, Any], _files: Any) -> dict[str, Any]:
        return self._new_message(params, text=params["text"])

    def _api_sendDocument(self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> dict[str, Any]:
        name, content = files.get("document", ("file", b""))
        return self._new_message(params, document={"file_id": f"f{len(content)}", "file_unique_id": "u",
                                                    "file_name": name, "file_size": len(content)})

    def _edit(self, params: dict[str, Any], **changes: Any) -> dict[str, Any] | bool:
        key = (int(params["chat_id"]), int(params["message_id"]))
        with self._lock:
            message = self.messages.get(key)
            if message is None:  # as Telegram answers for a message it does not have
                raise ApiError("Bad Request: message to edit not found")
            message.update(changes)
            if not params.get("reply_markup"):
                message.pop("reply_markup", None)
            return dict(message)

    def _api_editMessageText(self, params: dict[str, Any], _files: Any) -> dict[str, Any] | bool:
        return self._edit(params, text=params["text"])

    def _api_editMessageReplyMarkup(self, params: dict[str, Any], _files: Any) -> dict[str, Any] | bool:
        return self._edit(params)


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return JSONResponse(body, status_code=status)


def _parse(body: bytes, content_type: str) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    """Form fields (urlencoded or multipart) → params with the JSON-valued ones decoded, and files."""
    raw: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    if content_type.startswith("multipart/form-data"):
        parser = email.parser.BytesParser(policy=email.policy.HTTP)
        message = parser.parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True) or b""
            if part.get_filename():
                files[str(name)] = (part.get_filename() or "", data)
            else:
                raw[str(name)] = data.decode("utf-8")
    elif content_type.startswith("application/json"):
        raw = {k: v if isinstance(v, str) else json.dumps(v) for k, v in json.loads(body or b"{}").items()}
    else:
        raw = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    params: dict[str, Any] = {k: json.loads(v) if k in JSON_FIELDS else v for k, v in raw.items()}
    return params, files
