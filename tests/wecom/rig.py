"""Drivers for WeCom tests: build encrypted callbacks as WeCom would, post them to the bot's ASGI
app, wait for the background work, and read what the fake API received.

    chat = rig.member("zhangsan")        chat = rig.client("wmCLIENT1")
    await chat.send("ICP证续期要什么材料")  await chat.press("增值电信许可证年报什么时候报？")
    chat.text, chat.buttons              (the messages sent back since the last action)
"""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.clock import FrozenClock
from bot.context import Services
from channels.wecom import xmlmsg
from channels.wecom.crypto import WeComCrypto
from tests.fake_wecom import FakeState, Sent

CORP_ID = "wwfakecorp00000001"
AGENT_ID = 1000002
SECRET = "app-secret-for-tests"
KF_SECRET = "kf-secret-for-tests"
ROBOT_KEY = "robot-key-for-tests"
TOKEN = "callbackTokenForTests"
AES_KEY = base64.b64encode(bytes(range(7, 39))).decode().rstrip("=")
OPEN_KFID = "wkFAKEKF0001"
CONSULTANT = "consultant_li"
MEMBER_PATH, KF_PATH = "/wecom/callback", "/wecom/kf/callback"


def wecom_overrides(api_base: str) -> dict[str, Any]:
    return {"wecom_corp_id": CORP_ID, "wecom_agent_id": AGENT_ID, "wecom_secret": SECRET, "wecom_token": TOKEN,
            "wecom_aes_key": AES_KEY, "wecom_kf_secret": KF_SECRET, "wecom_robot_key": ROBOT_KEY,
            "wecom_api_base": api_base, "wecom_kf_consultant": CONSULTANT}


@dataclass
class Rig:
    http: httpx.AsyncClient
    fake: FakeState
    clock: FrozenClock
    crypto: WeComCrypto
    services: Services
    channels: dict[str, Any]
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def next_id(self) -> int:
        return next(self._ids)

    def sealed(self, inner: dict[str, str | int], ts: int | None = None, nonce: str = "") -> tuple[dict, str]:
        """(query params, body) of a callback carrying `inner` as WeCom would post it."""
        ts = int(self.clock.now().timestamp()) if ts is None else ts
        nonce = nonce or f"nonce{self.next_id()}"
        ciphertext, sig = self.crypto.seal(xmlmsg.render(inner), str(ts), nonce)
        body = xmlmsg.render({"ToUserName": CORP_ID, "Encrypt": ciphertext, "AgentID": AGENT_ID})
        return {"msg_signature": sig, "timestamp": str(ts), "nonce": nonce}, body

    async def post(self, path: str, params: dict, body: str | bytes) -> httpx.Response:
        return await self.http.post(path, params=params, content=body)

    async def callback(self, path: str, inner: dict[str, str | int]) -> httpx.Response:
        params, body = self.sealed(inner)
        response = await self.post(path, params, body)
        await self.settle()
        return response

    async def settle(self) -> None:
        """Wait until every channel has finished the work the callbacks started."""
        for channel in self.channels.values():
            if hasattr(channel, "drain"):
                await channel.drain()

    def member(self, user: str) -> MemberChat:
        return MemberChat(self, user)

    def client(self, external_userid: str, open_kfid: str = OPEN_KFID) -> ClientChat:
        return ClientChat(self, external_userid, open_kfid)

    def member_text(self, user: str, text: str, msgid: int | None = None) -> dict[str, str | int]:
        return {"ToUserName": CORP_ID, "FromUserName": user, "CreateTime": int(self.clock.now().timestamp()),
                "MsgType": "text", "Content": text, "MsgId": msgid or 10_000 + self.next_id(), "AgentID": AGENT_ID}

    def member_image(self, user: str, media_id: str) -> dict[str, str | int]:
        """A photo a member sends to the app (MsgType image; the bytes are fetched with media/get)."""
        return {"ToUserName": CORP_ID, "FromUserName": user, "CreateTime": int(self.clock.now().timestamp()),
                "MsgType": "image", "PicUrl": "http://127.0.0.1/pic", "MediaId": media_id,
                "MsgId": 10_000 + self.next_id(), "AgentID": AGENT_ID}

    def card_click(self, user: str, key: str, task_id: str = "") -> dict[str, str | int]:
        task_id = task_id or f"task{self.next_id()}"
        return {"ToUserName": CORP_ID, "FromUserName": user, "CreateTime": int(self.clock.now().timestamp()),
                "MsgType": "event", "Event": "template_card_event", "EventKey": key,
                "TaskId": task_id, "CardType": "button_interaction", "AgentID": AGENT_ID,
                "ResponseCode": self.fake.click_code(task_id)}

    def kf_signal(self, open_kfid: str = OPEN_KFID) -> dict[str, str | int]:
        return {"ToUserName": CORP_ID, "CreateTime": int(self.clock.now().timestamp()), "MsgType": "event",
                "Event": "kf_msg_or_event", "Token": f"synctoken{self.next_id()}", "OpenKfId": open_kfid}


def shown_matches(shown: str, wanted: str) -> bool:
    """A button as the platform shows it (maybe numbered, maybe clipped with …) stands for `wanted`."""
    bare = shown.split(". ", 1)[1] if shown[:1].isdigit() and ". " in shown else shown
    return bare == wanted or (bare.endswith("…") and wanted.startswith(bare[:-1]))


class _Chat:
    kind = ""

    def __init__(self, rig: Rig, who: str) -> None:
        self.rig = rig
        self.who = who
        self.sent: list[Sent] = []

    def _mark(self) -> int:
        return len(self.rig.fake.to(self.kind, self.who))

    def _since(self, mark: int) -> list[Sent]:
        self.sent = self.rig.fake.to(self.kind, self.who)[mark:]
        return self.sent

    @property
    def text(self) -> str:
        return "\n".join(s.text for s in self.sent)

    @property
    def buttons(self) -> list[tuple[str, str]]:
        return [b for s in self.sent for b in s.buttons]

    def find_button(self, label: str) -> tuple[str, str]:
        """(as shown, key) of the latest button standing for this label."""
        shown, key, _message = self.find(label)
        return shown, key

    def find(self, label: str) -> tuple[str, str, Sent]:
        """(as shown, key, the message carrying it) of the latest button standing for this label."""
        for s in reversed(self.rig.fake.to(self.kind, self.who)):
            for shown, key in s.buttons:
                if shown_matches(shown, label):
                    return shown, key, s
        raise AssertionError(f"no button {label!r} among {self.buttons}")


class MemberChat(_Chat):
    """A company member writing to the self-built app."""

    kind = "member"

    async def send(self, text: str) -> list[Sent]:
        mark = self._mark()
        response = await self.rig.callback(MEMBER_PATH, self.rig.member_text(self.who, text))
        assert response.status_code == 200, response.text
        return self._since(mark)

    async def send_photo(self, name: str, content: bytes, mime: str = "image/png") -> list[Sent]:
        mark = self._mark()
        media_id = self.rig.fake.user_file(name, content, mime)
        response = await self.rig.callback(MEMBER_PATH, self.rig.member_image(self.who, media_id))
        assert response.status_code == 200, response.text
        return self._since(mark)

    async def press(self, label: str) -> list[Sent]:
        """Click a button of the last card that shows this label."""
        _shown, key, card = self.find(label)
        mark = self._mark()
        task = str(card.body.get("template_card", {}).get("task_id", ""))
        response = await self.rig.callback(MEMBER_PATH, self.rig.card_click(self.who, key, task))
        assert response.status_code == 200, response.text
        return self._since(mark)


class ClientChat(_Chat):
    """A WeChat client writing to a customer-service account."""

    kind = "kf"

    def __init__(self, rig: Rig, who: str, open_kfid: str) -> None:
        super().__init__(rig, who)
        self.open_kfid = open_kfid

    async def _deliver(self, text: str, menu_id: str = "") -> list[Sent]:
        mark = self._mark()
        self.rig.fake.client_writes(self.open_kfid, self.who, text, menu_id=menu_id)
        response = await self.rig.callback(KF_PATH, self.rig.kf_signal(self.open_kfid))
        assert response.status_code == 200, response.text
        return self._since(mark)

    async def send(self, text: str) -> list[Sent]:
        return await self._deliver(text)

    async def send_file(self, name: str, content: bytes, mime: str = "application/pdf") -> list[Sent]:
        mark = self._mark()
        self.rig.fake.client_sends_file(self.open_kfid, self.who, name, content, mime)
        response = await self.rig.callback(KF_PATH, self.rig.kf_signal(self.open_kfid))
        assert response.status_code == 200, response.text
        return self._since(mark)

    async def press(self, label: str) -> list[Sent]:
        """Click a menu item of the last menu message that shows this label."""
        shown, key = self.find_button(label)
        return await self._deliver(shown, menu_id=key)
