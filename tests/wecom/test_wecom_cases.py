"""The case flow over WeCom: a WeChat client (customer service) gets the reminder, sends a file and a
photo, the consultant in the WeCom app rejects one with a reason, the client re-sends it, it is
accepted, and the next reminder names only what is still missing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from cases.models import CaseFile
from licensebot.runtime import run_once
from scheduler.runner import rules_from
from tests.cases.kit import JPG, PDF, PNG, add_client_license
from tests.wecom.conftest import open_rig

CLIENT, CONSULTANT = "wmCLIENT1", "zhangsan"
NO_SPACING = {"chat_rate_per_minute": 0, "channel_rate_per_second": 0}


@pytest.fixture
async def bot(wecom_db_url, fake_server, fake, clock, crypto, tmp_path):
    async for rig in open_rig(wecom_db_url, fake_server[0], fake, clock, crypto, consultants=f"wecom:{CONSULTANT}",
                              case_files_dir=str(tmp_path / "files"), **NO_SPACING):
        yield rig


async def dispatch(rig) -> None:
    senders = {name: channel.sender for name, channel in rig.channels.items()}
    await run_once(rig.services, rules_from(rig.services.settings), senders)


def last(rig, kind: str, who: str) -> str:
    """The last message and the menu or card that may follow it."""
    return "\n".join(s.text for s in rig.fake.to(kind, who)[-2:])


async def test_wecom_transcript(bot, clock) -> None:
    client, consultant = bot.client(CLIENT), bot.member(CONSULTANT)
    await client.send("你好")  # opens the 48-hour window in which we may write to the client
    add_client_license(bot.services.db, date(2026, 11, 27), clock.now(), channel="wecom_kf", user=CLIENT)
    await dispatch(bot)
    assert "【续期提醒】" in last(bot, "kf", CLIENT)

    await client.press("上传材料")
    assert "请直接发送文件或照片" in client.text
    await client.send_file("营业执照.pdf", PDF)
    assert "这是“营业执照（副本）”吗" in client.text
    await client.press("是，营业执照（副本）")
    await client.send_file("IMG_0001.jpg", JPG, mime="image/jpeg")
    assert "这是哪一项材料" in client.text
    await client.press("现有许可证（正本、副本）")
    assert "归入“现有许可证（正本、副本）”" in client.text

    await dispatch(bot)  # the review requests go to the consultant in the WeCom app
    assert "材料：现有许可证（正本、副本）" in last(bot, "member", CONSULTANT)
    await consultant.press("退回")
    assert "请输入退回" in consultant.text
    await consultant.send("照片模糊，请上传扫描件")
    await dispatch(bot)
    assert "照片模糊，请上传扫描件" in last(bot, "kf", CLIENT)

    await client.press("上传材料")
    await client.send_file("current_licence.pdf", PDF)
    await client.press("是，现有许可证（正本、副本）")
    await dispatch(bot)
    await consultant.press("通过")  # the newest card: the re-sent licence
    await consultant.send("/accept 1")  # the first file, by its number
    await dispatch(bot)
    assert sum("已通过顾问审核" in s.text for s in bot.fake.to("kf", CLIENT)) == 2

    clock.set(datetime(2027, 1, 20, 2, 0, tzinfo=UTC))  # the 120-day milestone
    await client.send("你好")  # within 48 hours of the reminder, so it reaches the client directly
    await dispatch(bot)
    [nxt] = [s.text for s in bot.fake.to("kf", CLIENT) if "【续期提醒】" in s.text][-1:]
    assert "【续期案件】还缺" in nxt and "营业执照" not in nxt and "现有许可证" not in nxt
    with bot.services.db.session() as s:
        assert [f.status for f in s.exec(select(CaseFile).order_by(CaseFile.id))] == ["accepted", "rejected", "accepted"]


async def test_a_member_photo_is_fetched_and_a_wrong_type_is_refused_with_the_reason(bot, clock) -> None:
    add_client_license(bot.services.db, date(2026, 11, 27), clock.now(), channel="wecom", user="lisi")
    member = bot.member("lisi")
    await member.send_photo("", PNG)
    assert "收到“image-" in member.text and "这是哪一项材料" in member.text
    await member.press("营业执照（副本）")
    with bot.services.db.session() as s:
        [row] = s.exec(select(CaseFile)).all()
    assert row.item_key == "business_licence" and row.size == len(PNG)
