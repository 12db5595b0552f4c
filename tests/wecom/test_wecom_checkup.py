"""The compliance check-up over WeCom: a member by template-card buttons (and a typed option number), a
WeChat client by menu, each ending with the result and its Excel file."""

from __future__ import annotations

import pytest

from checklist.checkup_rules import load_checkup
from tests.wecom.conftest import open_rig
from tests.wecom.rig import CONSULTANT

NO_SPACING = {"chat_rate_per_minute": 0, "channel_rate_per_second": 0}


@pytest.fixture
async def bot(wecom_db_url, fake_server, fake, clock, crypto):
    async for rig in open_rig(wecom_db_url, fake_server[0], fake, clock, crypto, consultants=f"wecom:{CONSULTANT}",
                              **NO_SPACING):
        yield rig


async def walk_checkup(chat, no: str) -> None:
    """/checkup for an SP licence, no expiry date; '否' for `no` (typed as its option number), '是' for the rest."""
    await chat.send("/checkup")
    for item in ["license", "expires", *(i.id for i in load_checkup().items_for("sp"))]:
        chat.rig.clock.advance(seconds=8)
        if item == "license":
            await chat.press("SP证（信息服务业务，不含互联网）")
        elif item == "expires":
            await chat.press("跳过")
        elif item == no:
            assert "为什么重要" in chat.text and "2. 否" in chat.text
            await chat.send("2")
        else:
            await chat.press("是")


@pytest.mark.parametrize("who", ["member", "client"])
async def test_the_check_up_by_buttons_over_wecom_ends_with_the_result_and_the_excel(bot, who):
    chat = bot.member("zhangsan") if who == "member" else bot.client("wmCLIENT1")
    await walk_checkup(chat, no="number_resources")
    assert "合规体检结果：SP证（信息服务业务，不含互联网）" in chat.text and "码号年报与变更报告" in chat.text
    chat.rig.clock.advance(seconds=8)
    await chat.press("导出Excel")
    [file] = [s for s in chat.sent if s.msgtype == "file"]
    name, content = bot.fake.uploads[file.body["file"]["media_id"]]
    assert name.startswith("compliance-checkup-sp-") and content[:2] == b"PK"
