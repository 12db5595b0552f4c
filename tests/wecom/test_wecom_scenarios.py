"""Whole conversations over WeCom with the merged features: the renewal checklist, reminders delivered
by the real sweep and dispatcher, and the hand-off to a consultant who works in the WeCom app."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.clock import business_today
from bot.storage.models import Outbox
from licensebot.runtime import run_once
from scheduler.runner import rules_from
from tests.reminders_support import add_license
from tests.wecom.conftest import open_rig
from tests.wecom.rig import CONSULTANT

ZHAO = "consultant_zhao"  # a consultant who is not the default one (WECOM_KF_CONSULTANT)
NO_SPACING = {"chat_rate_per_minute": 0, "channel_rate_per_second": 0}  # the dispatcher never sleeps


@pytest.fixture
async def bot(wecom_db_url, fake_server, fake, clock, crypto):
    async for rig in open_rig(wecom_db_url, fake_server[0], fake, clock, crypto, consultants=f"wecom:{CONSULTANT},wecom:{ZHAO}",
                              consultant_group="wecom_robot:consultants", **NO_SPACING):
        yield rig


async def dispatch(rig):
    """One scheduler round (sweep, then deliver the outbox) through the channels' own senders."""
    senders = {name: channel.sender for name, channel in rig.channels.items()}
    return await run_once(rig.services, rules_from(rig.services.settings), senders)


def outbox(rig, kind: str = "reminder") -> list[Outbox]:
    with rig.services.db.session() as s:
        return list(s.exec(select(Outbox).where(Outbox.kind == kind).order_by(Outbox.id)))


async def walk_checklist(chat) -> None:
    """The steps of /renew, a few seconds apart as a person answers them."""
    steps = [("send", "/renew"), ("press", "ICP经营许可证"), ("press", "地网（一个省份）"), ("press", "北京"),
             ("send", "京B2-20210001"), ("send", "2027年3月15日"), ("press", "股东/股权"), ("press", "完成"),
             ("press", "外资50%及以上"), ("press", "完成")]
    for how, what in steps:
        chat.rig.clock.advance(seconds=8)
        await getattr(chat, how)(what)


async def test_a_member_walks_the_renewal_checklist_by_card_buttons_and_gets_the_excel(bot):
    chat = bot.member("zhangsan")
    await walk_checklist(chat)
    assert "2027-03-15 许可证到期" in chat.text and "京B2-20210001" in chat.text
    chat.rig.clock.advance(seconds=8)
    await chat.press("导出Excel")
    [file] = [s for s in chat.sent if s.msgtype == "file"]
    name, content = bot.fake.uploads[file.body["file"]["media_id"]]
    assert name.endswith(".xlsx") and content[:2] == b"PK"


async def test_a_wechat_client_walks_the_renewal_checklist_by_menu_within_the_allowance(bot):
    chat = bot.client("wmCLIENT1")
    await walk_checklist(chat)
    assert "2027-03-15 许可证到期" in chat.text
    await chat.press("导出Excel")
    assert any(s.msgtype == "file" for s in chat.sent)
    # every answer fitted in the 5 messages each client message allows: all sent directly, none routed
    assert [(r.status, r.last_error) for r in outbox(bot, "reply") if (r.status, r.last_error) != ("sent", "")] == []


async def test_typing_the_number_of_an_option_answers_a_checklist_step(bot):
    for chat in (bot.member("lisi"), bot.client("wmCLIENT2")):
        await chat.send("/renew")
        assert "第1步" in chat.text and "14. 网络托管业务" in chat.text  # every option, numbered, on cards/menus
        await chat.send("1")  # ICP
        assert "第2步" in chat.text and "地网" in chat.text


async def test_a_reminder_for_a_client_whose_window_closed_reaches_their_consultant(bot, clock):
    bot.fake.nicknames["wmCLIENT1"] = "王总"
    await bot.client("wmCLIENT1").send("你好")
    clock.advance(days=3)  # the 48-hour window closed long ago
    today = business_today(clock)
    add_license(bot.services.db, "京B2-20200010", today + timedelta(days=30), today - timedelta(days=300),
                clock.now(), chats=("wmCLIENT1",), channel="wecom_kf")
    report = await dispatch(bot)
    assert report.created == 1 and report.failed == 0 and report.retrying == 0
    [note] = bot.fake.to("member", CONSULTANT)
    assert note.text.startswith("【请转发给客户】王总") and "京B2-20200010" in note.text
    assert len(bot.fake.to("kf", "wmCLIENT1")) == 1  # only the first answer; nothing past the window
    [row] = outbox(bot)
    assert row.status == "sent" and row.last_error.startswith("routed: consultant wecom:consultant_li")


async def test_a_reminder_within_the_window_goes_to_the_client_directly(bot, clock):
    await bot.client("wmCLIENT1").send("你好")
    today = business_today(clock)
    add_license(bot.services.db, "京B2-20200011", today + timedelta(days=30), today - timedelta(days=300),
                clock.now(), chats=("wmCLIENT1",), channel="wecom_kf")
    await dispatch(bot)
    assert "京B2-20200011" in bot.fake.to("kf", "wmCLIENT1")[-1].text
    assert outbox(bot)[0].last_error == ""


async def test_a_reminder_to_a_member_arrives_with_its_buttons(bot, clock):
    today = business_today(clock)
    add_license(bot.services.db, "京B2-20200012", today + timedelta(days=30), today - timedelta(days=300),
                clock.now(), chats=("zhangsan",), channel="wecom")
    await dispatch(bot)
    sent = bot.fake.to("member", "zhangsan")
    assert any("京B2-20200012" in s.text for s in sent)
    assert all(s.body.get("enable_duplicate_check") == 1 for s in sent)
    assert [row.status for row in outbox(bot)] == ["sent"]


async def test_hand_off_from_a_wechat_client_to_a_consultant_in_the_wecom_app(bot, clock):
    client, consultant = bot.client("wmCLIENT1"), bot.member(ZHAO)
    await client.send("/human")
    assert "#1" in client.text
    await dispatch(bot)
    [alert] = bot.fake.to("robot", "group")  # the group robot tells the consultants' group
    assert "#1" in alert.text and "（/claim 1）" in alert.text  # how to take it, from the app

    await consultant.send("/claim 1")
    assert "#1" in consultant.text
    await dispatch(bot)  # "a consultant has joined" goes to the client
    assert "已接入" in bot.fake.to("kf", "wmCLIENT1")[-1].text

    await client.send("我们是外资控股49%，能办ICP证吗？")
    await dispatch(bot)
    assert "我们是外资控股49%" in bot.fake.to("member", ZHAO)[-1].text  # relayed to the consultant

    await consultant.send("/reply 1 可以，外资比例不超过50%的可以申请。")
    await dispatch(bot)
    assert bot.fake.to("kf", "wmCLIENT1")[-1].text.endswith("可以，外资比例不超过50%的可以申请。")

    clock.advance(hours=49)  # the client went quiet; the consultant writes again
    await consultant.send("/reply 1 材料清单已发到您的邮箱。")
    await dispatch(bot)
    forwarded = bot.fake.to("member", ZHAO)[-1]  # the ticket's consultant, not the default one
    assert forwarded.text.startswith("【请转发给客户】") and "材料清单已发到您的邮箱。" in forwarded.text
    assert bot.fake.to("member", CONSULTANT) == []
    assert not bot.fake.to("kf", "wmCLIENT1")[-1].text.endswith("材料清单已发到您的邮箱。")


async def test_the_daily_digest_of_expiring_licences_is_posted_once_by_the_group_robot(bot, clock):
    today = business_today(clock)
    for n, days in ((10, 30), (11, 85), (12, 200)):
        add_license(bot.services.db, f"京B2-202000{n}", today + timedelta(days=days), today - timedelta(days=300),
                    clock.now(), chats=("zhangsan",), channel="wecom")
    await dispatch(bot)  # 10:00 in Shanghai: after DIGEST_HOUR
    await dispatch(bot)  # a later sweep the same day writes no second digest
    [digest] = [p for p in bot.fake.to("robot", "group") if "到期提醒汇总" in p.text]
    assert "京B2-20200010" in digest.text and "京B2-20200011" in digest.text and "京B2-20200012" not in digest.text
    clock.advance(days=1)
    await dispatch(bot)
    assert len([p for p in bot.fake.to("robot", "group") if "到期提醒汇总" in p.text]) == 2


async def test_an_enqueued_message_reaches_a_member_as_a_card_they_can_press(bot, clock):
    from bot.messages import Button, ChatRef, Reply
    from bot.outbox import enqueue

    with bot.services.db.session() as s:
        enqueue(s, ChatRef("wecom", "zhangsan"), Reply("顾问回复：材料已收到。", buttons=(Button("查看帮助", "/help"),)),
                "relay", "relay:1", clock.now())
    await dispatch(bot)
    [card] = bot.fake.to("member", "zhangsan")
    assert card.msgtype == "template_card" and card.text.startswith("顾问回复：材料已收到。")
    chat = bot.member("zhangsan")
    await chat.press("查看帮助")
    assert "/forget" in chat.text
