"""WeChat clients through WeChat Customer Service: sync with a cursor, menus, the 48-hour window and
the 5-message allowance, and reminders that reach the consultant when the window is closed."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.messages import Button, Reply
from bot.storage.models import MessageLog, Outbox
from bot.undeliverable import ROUTED, is_routed
from channels.wecom import store
from channels.wecom.models import WeComKfClient, WeComKfCursor
from tests.wecom.conftest import open_rig
from tests.wecom.rig import CONSULTANT, KF_PATH, OPEN_KFID


def inbound(rig) -> list[str]:
    with rig.services.db.session() as s:
        return [m.text for m in s.exec(select(MessageLog).where(MessageLog.direction == "in")).all()]


def client_row(rig, external: str) -> WeComKfClient | None:
    with rig.services.db.session() as s:
        return store.load_client(s, external)


async def test_client_asks_a_faq_and_clicks_the_menu(rig):
    chat = rig.client("wmCLIENT1")
    await chat.send("ICP证续期要准备哪些材料")
    [menu] = chat.sent
    assert menu.msgtype == "msgmenu" and menu.body["open_kfid"] == OPEN_KFID
    assert menu.body["msgmenu"]["head_content"] == "测试答案：ICP续期材料。测试顾问"
    assert menu.body["msgmenu"]["list"][0]["click"]["id"] == "/faq general-annual-report-when"
    await chat.press("增值电信许可证年报什么时候报？")
    assert chat.text == "测试答案：每年第一季度报送年报。"
    assert inbound(rig)[-1] == "[增值电信许可证年报什么时候报？]"  # the press, logged by its label


async def test_client_types_the_number_of_a_menu_item(rig):
    chat = rig.client("wmCLIENT1")
    await chat.send("ICP证续期要准备哪些材料")
    await chat.send("1")
    assert chat.text == "测试答案：每年第一季度报送年报。"


async def test_forget_is_a_two_step_flow_and_the_confirmation_still_arrives(rig):
    chat = rig.client("wmCLIENT1")
    await chat.send("/forget")
    assert [label for label, _ in chat.buttons] == ["1. 确认删除", "2. 取消"]
    await chat.press("确认删除")
    assert "已删除" in chat.text
    assert client_row(rig, "wmCLIENT1") is None and inbound(rig) == []


async def test_client_image_is_taken_as_a_file(rig):
    msg = rig.fake.client_writes(OPEN_KFID, "wmCLIENT1", "")
    msg.update({"msgtype": "image", "image": {"media_id": rig.fake.user_file("photo.jpg", b"\xff\xd8\xff", "image/jpeg")}})
    del msg["text"]
    await rig.callback(KF_PATH, rig.kf_signal())
    # no ticket and no licence: the bot says it cannot read it, and how to reach a consultant or a case
    assert "收到文件" in rig.fake.to("kf", "wmCLIENT1")[0].text and "/human" in rig.fake.to("kf", "wmCLIENT1")[0].text


async def test_client_voice_is_asked_for_text(rig):
    msg = rig.fake.client_writes(OPEN_KFID, "wmCLIENT1", "")
    msg.update({"msgtype": "voice", "voice": {"media_id": "m1"}})
    del msg["text"]
    await rig.callback(KF_PATH, rig.kf_signal())
    assert "没有收到文字内容" in rig.fake.to("kf", "wmCLIENT1")[0].text


async def test_sync_resumes_from_the_stored_cursor(rig):
    chat = rig.client("wmCLIENT1")
    await chat.send("你好")
    await chat.send("ICP证续期要准备哪些材料")
    assert [c.get("cursor", "") for c in rig.fake.sync_calls] == ["", "1"]
    with rig.services.db.session() as s:
        assert s.exec(select(WeComKfCursor)).one().cursor == "2"
    assert rig.fake.sync_calls[-1]["token"].startswith("synctoken")  # the callback's token is passed on


async def test_a_message_seen_again_is_handled_once(rig):
    chat = rig.client("wmCLIENT1")
    await chat.send("ICP证续期要准备哪些材料")
    with rig.services.db.session() as s:
        s.exec(select(WeComKfCursor)).one().cursor = ""  # e.g. a lost cursor: WeCom sends the last 3 days
    await rig.callback(KF_PATH, rig.kf_signal())
    await rig.callback(KF_PATH, rig.kf_signal())  # and a repeated callback
    assert inbound(rig) == ["ICP证续期要准备哪些材料"]
    assert len(rig.fake.to("kf", "wmCLIENT1")) == 1


async def test_many_waiting_messages_are_fetched_page_by_page(rig):
    rig.fake.page_size = 2
    for i in range(5):
        rig.fake.client_writes(OPEN_KFID, f"wmC{i}", "你好")
    await rig.callback(KF_PATH, rig.kf_signal())
    assert len(rig.fake.sync_calls) == 3
    assert sorted(s.to for s in rig.fake.sent) == [f"wmC{i}" for i in range(5)]


async def test_messages_that_came_while_the_bot_was_down_are_answered_at_start(wecom_db_url, fake_server, fake,
                                                                                clock, crypto):
    async for first in open_rig(wecom_db_url, fake_server[0], fake, clock, crypto):
        await first.client("wmCLIENT1").send("你好")
    fake.client_writes(OPEN_KFID, "wmCLIENT1", "ICP证续期要准备哪些材料")  # the callback found nobody
    async for restarted in open_rig(wecom_db_url, fake_server[0], fake, clock, crypto):
        await restarted.settle()
        assert "测试答案" in fake.to("kf", "wmCLIENT1")[-1].text


async def test_a_message_older_than_48_hours_reaches_the_consultant_with_its_text(rig):
    rig.fake.client_writes(OPEN_KFID, "wmCLIENT1", "ICP证续期要准备哪些材料", ago=timedelta(hours=49))
    await rig.callback(KF_PATH, rig.kf_signal())
    assert rig.fake.to("kf", "wmCLIENT1") == [] and inbound(rig) == []  # the platform no longer lets us answer
    [note] = rig.fake.to("member", CONSULTANT)
    assert note.text.startswith("【客户留言未能回复】") and "ICP证续期要准备哪些材料" in note.text


async def test_a_backlog_of_six_messages_gets_five_replies_and_the_rest_reaches_the_consultant(rig):
    for i in range(6):  # written while we were not fetching: one sync takes all six
        rig.fake.client_writes(OPEN_KFID, "wmCLIENT1", f"/lang zh {i}" if i % 2 else "/help")
    await rig.callback(KF_PATH, rig.kf_signal())
    to_client = rig.fake.to("kf", "wmCLIENT1")
    assert len(to_client) == 5  # the allowance counts from the client's latest message
    notes = rig.fake.to("member", CONSULTANT)
    assert notes and all(n.text.startswith("【请转发给客户】") for n in notes)
    assert "5-message allowance used up" in "".join(r.last_error for r in outbox_rows(rig))


async def test_the_client_nickname_is_fetched_once(rig):
    rig.fake.nicknames["wmCLIENT1"] = "王总"
    chat = rig.client("wmCLIENT1")
    await chat.send("你好")
    await chat.send("你好")
    assert client_row(rig, "wmCLIENT1").nickname == "王总"


def outbox_rows(rig) -> list[Outbox]:
    with rig.services.db.session() as s:
        return list(s.exec(select(Outbox).order_by(Outbox.id)))


# --- the window and the allowance -------------------------------------------------------------------

async def test_reminder_within_the_window_goes_to_the_client(rig):
    await rig.client("wmCLIENT1").send("你好")
    rig.clock.advance(hours=47)
    result = await rig.channels["wecom_kf"].sender.send("wmCLIENT1", Reply("您的ICP许可证将于90天后到期。"))
    assert result.ok and not is_routed(result)
    assert rig.fake.to("kf", "wmCLIENT1")[-1].text == "您的ICP许可证将于90天后到期。"
    assert client_row(rig, "wmCLIENT1").sent == 2


async def test_reminder_after_the_window_closed_reaches_the_consultant(rig):
    rig.fake.nicknames["wmCLIENT1"] = "王总"
    await rig.client("wmCLIENT1").send("你好")
    rig.clock.advance(hours=48, seconds=1)
    reminder = Reply("您的ICP许可证将于90天后到期，请准备续期材料。", buttons=(Button("开始续期清单", "/renew"),))
    result = await rig.channels["wecom_kf"].sender.send("wmCLIENT1", reminder)
    assert result.ok and result.error.startswith(ROUTED) and CONSULTANT in result.error
    assert "48-hour window closed" in result.error
    [note] = rig.fake.to("member", CONSULTANT)
    assert note.text.startswith("【请转发给客户】王总（外部联系人 wmCLIENT1）")
    assert "您的ICP许可证将于90天后到期，请准备续期材料。" in note.text and "开始续期清单" in note.text
    assert note.body["enable_duplicate_check"] == 1
    assert len(rig.fake.to("kf", "wmCLIENT1")) == 1  # nothing more to the client


async def test_after_five_messages_the_rest_reaches_the_consultant(rig):
    await rig.client("wmCLIENT1").send("你好")  # one reply: 4 left
    sender = rig.channels["wecom_kf"].sender
    results = [await sender.send("wmCLIENT1", Reply(f"提醒{i}")) for i in range(5)]
    assert [is_routed(r) for r in results] == [False] * 4 + [True]
    assert "allowance used up" in results[4].error
    assert "提醒4" in rig.fake.to("member", CONSULTANT)[0].text
    await rig.client("wmCLIENT1").send("你好")  # the client writes again: a new allowance
    assert not is_routed(await sender.send("wmCLIENT1", Reply("新提醒")))


async def test_a_client_who_never_wrote_is_reached_through_the_consultant(rig):
    result = await rig.channels["wecom_kf"].sender.send("wmSTRANGER", Reply("提醒"))
    assert is_routed(result) and "never wrote" in result.error


async def test_the_servicer_who_took_the_session_is_the_consultant(rig):
    await rig.client("wmCLIENT1").send("你好")
    rig.fake.servicer_writes(OPEN_KFID, "wmCLIENT1", "consultant_wang", "您好，我是王顾问")
    await rig.callback(KF_PATH, rig.kf_signal())
    rig.clock.advance(days=3)
    result = await rig.channels["wecom_kf"].sender.send("wmCLIENT1", Reply("提醒"))
    assert "consultant_wang" in result.error and rig.fake.to("member", "consultant_wang")
    assert rig.fake.to("member", CONSULTANT) == []


async def test_when_wecom_refuses_despite_our_count_the_consultant_gets_it(rig):
    await rig.client("wmCLIENT1").send("你好")
    rig.fake.windows["wmCLIENT1"] = (0.0, 5)  # WeCom disagrees with our count: it refuses
    result = await rig.channels["wecom_kf"].sender.send("wmCLIENT1", Reply("提醒"))
    assert is_routed(result) and "direct send failed" in result.error
    # An error code we do not know is not retried while our count says "open": until the client writes
    # again, what follows goes to the consultant without another refused call.
    assert client_row(rig, "wmCLIENT1").sent == 5
    calls = len(rig.fake.sent) + len(rig.fake.duplicates_dropped)
    again = await rig.channels["wecom_kf"].sender.send("wmCLIENT1", Reply("又一条提醒"))
    assert is_routed(again) and "allowance used up" in again.error
    assert [s.kind for s in rig.fake.sent[calls:]] == ["member"]  # to the consultant only


async def test_direct_replies_beyond_the_allowance_wait_in_the_outbox_and_reach_the_consultant(rig):
    channel = rig.channels["wecom_kf"]
    channel.engine.handle = lambda incoming, **_: [Reply(f"第{i}条") for i in range(7)]
    await rig.client("wmCLIENT1").send("给我全部信息")
    assert [s.text for s in rig.fake.to("kf", "wmCLIENT1")] == [f"第{i}条" for i in range(5)]
    with rig.services.db.session() as s:
        waiting = s.exec(select(Outbox).order_by(Outbox.id)).all()
    assert [(r.channel, r.chat_id, r.body["text"]) for r in waiting] == [
        ("wecom_kf", "wmCLIENT1", "第5条"), ("wecom_kf", "wmCLIENT1", "第6条")]
    result = await channel.sender.send("wmCLIENT1", Reply("第5条"))  # what the dispatcher will do
    assert is_routed(result)


async def test_with_no_consultant_the_group_robot_gets_it(wecom_db_url, fake_server, fake, clock, crypto):
    async for rig in open_rig(wecom_db_url, fake_server[0], fake, clock, crypto, wecom_kf_consultant=""):
        result = await rig.channels["wecom_kf"].sender.send("wmSTRANGER", Reply("提醒：年报截止6月30日"))
        assert is_routed(result) and "robot" in result.error
        [post] = fake.to("robot", "group")
        assert "【请转发给客户】" in post.text and "年报截止6月30日" in post.text


async def test_with_nobody_to_route_to_the_failure_is_retried_and_explained(wecom_db_url, fake_server, fake,
                                                                             clock, crypto):
    async for rig in open_rig(wecom_db_url, fake_server[0], fake, clock, crypto, wecom_kf_consultant="",
                              wecom_robot_key="", wecom_secret=""):
        assert set(rig.channels) == {"wecom_kf"}
        result = await rig.channels["wecom_kf"].sender.send("wmSTRANGER", Reply("提醒"))
        assert not result.ok and not result.permanent and result.retry_after == 3600
        assert "WECOM_KF_CONSULTANT" in result.error


async def test_allowance_is_counted_in_the_database_on_both_databases(db_url, fake_server, fake, clock, crypto):
    async for rig in open_rig(db_url, fake_server[0], fake, clock, crypto):
        await rig.client("wmCLIENT1").send("你好")
        sender = rig.channels["wecom_kf"].sender
        routed = [is_routed(await sender.send("wmCLIENT1", Reply(f"提醒{i}"))) for i in range(6)]
        assert routed == [False] * 4 + [True, True]
        assert client_row(rig, "wmCLIENT1").sent == 5


async def test_a_failed_sync_keeps_the_messages_for_the_next_callback(rig):
    rig.fake.fail_next["kf/sync_msg"] = -1
    rig.fake.client_writes(OPEN_KFID, "wmCLIENT1", "ICP证续期要准备哪些材料")
    assert (await rig.callback(KF_PATH, rig.kf_signal())).status_code == 200
    assert rig.fake.sent == []
    await rig.callback(KF_PATH, rig.kf_signal())
    assert "测试答案" in rig.fake.to("kf", "wmCLIENT1")[0].text
