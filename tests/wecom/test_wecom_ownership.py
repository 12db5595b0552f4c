"""The shared ownership scenarios (tests/ownership/transcripts.py) through WeCom: the client is a
WeChat client of WeChat Customer Service (menus, typed numbers), the consultant a member of the
company in the WeCom app (cards); the real callback crypto against the fake WeCom API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from licensebot.runtime import run_once
from scheduler.runner import rules_from
from tests.ownership.transcripts import CLIENT, CONSULTANT, SCENARIOS, number_beside, play
from tests.wecom.conftest import open_rig
from tests.wecom.rig import CONSULTANT as MEMBER
from tests.wecom.rig import KF_PATH, Rig

KF_CLIENT = "wmOWNER01"
NO_SPACING = {"chat_rate_per_minute": 0, "channel_rate_per_second": 0}


class WeComRig:
    def __init__(self, rig: Rig) -> None:
        self.rig = rig
        self.chats = {CLIENT: rig.client(KF_CLIENT), CONSULTANT: rig.member(MEMBER)}
        self.since = {CLIENT: "", CONSULTANT: ""}

    def _texts(self, who: str) -> list[str]:
        chat = self.chats[who]
        return [s.text for s in self.rig.fake.to(chat.kind, chat.who)]

    async def act(self, who: str, action: str, text: str) -> None:
        marks = {side: len(self._texts(side)) for side in self.chats}
        chat = self.chats[who]
        if action == "send":
            await chat.send(text)
        elif action == "press":
            await chat.press(text)
        elif action == "file":  # a customer-service file message: WeCom gives a media id, no name
            msg = self.rig.fake.client_writes(chat.open_kfid, chat.who, "")
            msg.pop("text")
            msg.update(msgtype="file", file={"media_id": "MEDIA_ID_1"})
            await self.rig.callback(KF_PATH, self.rig.kf_signal(chat.open_kfid))
        else:  # type the number WeCom showed beside the option
            await chat.send(number_beside("\n".join(self._texts(who)), text))
        senders = {name: channel.sender for name, channel in self.rig.channels.items()}
        await run_once(self.rig.services, rules_from(self.rig.services.settings), senders)
        self.since = {side: "\n".join(self._texts(side)[marks[side]:]) for side in self.chats}

    def seen(self, who: str) -> str:
        return self.since[who]


@pytest.fixture
async def wecom(wecom_db_url, fake_server, fake, clock, crypto) -> AsyncIterator[WeComRig]:
    async for rig in open_rig(wecom_db_url, fake_server[0], fake, clock, crypto, consultants=f"wecom:{MEMBER}",
                              **NO_SPACING):
        yield WeComRig(rig)


@pytest.mark.parametrize("name", SCENARIOS)
async def test_scenario_on_wecom(wecom: WeComRig, name: str):
    await play(wecom, SCENARIOS[name])
