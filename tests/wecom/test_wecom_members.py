"""Company members on the self-built app: conversations through the callback server and the fake API."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.keyboard import ChatKeyboard
from bot.messages import Attachment, Button, Incoming, Reply
from bot.storage.models import MessageLog, Outbox, User
from tests.wecom.rig import MEMBER_PATH


def rows(rig, model):
    with rig.services.db.session() as s:
        return s.exec(select(model)).all()


async def test_member_asks_a_faq_and_presses_the_follow_up_card_button(rig):
    chat = rig.member("zhangsan")
    await chat.send("ICP证续期要准备哪些材料")
    assert "测试答案：ICP续期材料" in chat.text and "测试顾问" in chat.text
    assert [s.msgtype for s in chat.sent] == ["template_card"]
    card = chat.sent[0].body["template_card"]
    assert card["card_type"] == "button_interaction" and card["task_id"]
    assert card["button_list"][0]["key"] == "/faq general-annual-report-when"
    assert "1. 增值电信许可证年报什么时候报？" in card["sub_title_text"]  # the numbered fallback, on the card
    await chat.press("增值电信许可证年报什么时候报？")
    assert chat.text == "测试答案：每年第一季度报送年报。"
    assert chat.sent[0].msgtype == "text"


async def test_a_pressed_card_is_spent_on_the_platform_and_answers_once(rig):
    chat = rig.member("zhangsan")
    await chat.send("ICP证续期要准备哪些材料")
    await chat.press("增值电信许可证年报什么时候报？")
    [update] = rig.fake.card_updates  # the card's buttons are greyed out, as Telegram's keyboard is removed
    assert update["userids"] == ["zhangsan"] and update["button"]["replace_name"] == "已选择 ✓"
    await chat.press("开始续期清单")  # the same card pressed again hours later (a stale client)
    assert "已经选过了" in chat.text and "第1步" not in chat.text
    assert len(rig.fake.card_updates) == 1


async def test_member_presses_a_button_by_typing_its_number_or_label(rig):
    chat = rig.member("zhangsan")
    await chat.send("ICP证续期要准备哪些材料")
    await chat.send("1")
    assert chat.text == "测试答案：每年第一季度报送年报。"
    await chat.send("1")  # that answer had no buttons: "1" is just text now
    assert chat.text.startswith("抱歉")


async def test_member_typing_the_full_width_number_presses_too(rig):
    chat = rig.member("zhangsan")
    await chat.send("ICP证续期要准备哪些材料")
    await chat.send("１")
    assert chat.text == "测试答案：每年第一季度报送年报。"


async def test_forget_is_a_two_step_flow_with_card_buttons(rig):
    chat = rig.member("zhangsan")
    await chat.send("ICP证续期要准备哪些材料")
    await chat.send("/forget")
    assert "确定要删除" in chat.text
    assert [label for label, _key in chat.buttons] == ["确认删除", "取消"]
    await chat.press("确认删除")
    assert "已删除" in chat.text
    assert rows(rig, User) == [] and rows(rig, MessageLog) == [] and rows(rig, ChatKeyboard) == []


async def test_two_quick_messages_are_handled_in_order(rig):
    """WeCom may deliver the next callback before the first is answered; a chat's work stays in order."""
    for text in ("/forget", "不要"):
        params, body = rig.sealed(rig.member_text("zhangsan", text))
        assert (await rig.post(MEMBER_PATH, params, body)).status_code == 200
    await rig.settle()
    texts = [s.text for s in rig.fake.to("member", "zhangsan")]
    assert "确定要删除" in texts[0] and "没有删除任何数据" in texts[-1]


async def test_pictures_and_voice_get_a_polite_request_for_text(rig):
    inner = rig.member_text("zhangsan", "")
    inner.update({"MsgType": "image", "PicUrl": "http://example.invalid/p.jpg"})
    del inner["Content"]
    await rig.callback(MEMBER_PATH, inner)
    assert "文字" in rig.fake.to("member", "zhangsan")[0].text


async def test_entering_the_app_says_nothing(rig):
    inner = {"ToUserName": "x", "FromUserName": "zhangsan", "CreateTime": int(rig.clock.now().timestamp()),
             "MsgType": "event", "Event": "enter_agent", "AgentID": 1000002}
    await rig.callback(MEMBER_PATH, inner)
    assert rig.fake.sent == [] and rows(rig, MessageLog) == []


async def test_a_callback_for_another_app_is_ignored(rig):
    inner = rig.member_text("zhangsan", "你好")
    inner["AgentID"] = 999
    await rig.callback(MEMBER_PATH, inner)
    assert rig.fake.sent == []


# --- the API client: one token, refreshed when WeCom says so -------------------------------------

async def test_one_token_serves_many_messages(rig):
    chat = rig.member("zhangsan")
    for _ in range(3):
        await chat.send("ICP证续期要准备哪些材料")
    assert rig.fake.token_requests == 1 and len(chat.rig.fake.to("member", "zhangsan")) == 3


async def test_expired_token_is_refreshed_and_the_send_retried_once(rig):
    chat = rig.member("zhangsan")
    await chat.send("ICP证续期要准备哪些材料")
    rig.fake.expire_once = True  # WeCom answers the next call with 42001
    await chat.send("ICP证续期要准备哪些材料")
    assert rig.fake.token_requests == 2
    assert "测试答案" in chat.text


async def test_token_is_renewed_after_its_lifetime(rig):
    chat = rig.member("zhangsan")
    await chat.send("你好")
    rig.clock.advance(seconds=7200)
    await chat.send("你好")
    assert rig.fake.token_requests == 2


async def test_a_refused_send_of_a_direct_reply_waits_in_the_outbox(rig):
    rig.fake.fail_next["message/send"] = -1  # "system busy"
    await rig.member("zhangsan").send("ICP证续期要准备哪些材料")
    [row] = rows(rig, Outbox)
    assert (row.channel, row.chat_id, row.kind) == ("wecom", "zhangsan", "reply")
    assert "测试答案" in row.body["text"]


# --- proactive messages through the Sender ---------------------------------------------------------

async def test_sender_uses_duplicate_check_so_a_resend_after_a_crash_is_dropped(rig):
    sender = rig.channels["wecom"].sender
    reminder = Reply("您的ICP许可证将于90天后到期。")
    assert (await sender.send("zhangsan", reminder)).ok
    assert (await sender.send("zhangsan", reminder)).ok  # the dispatcher crashed before recording: resent
    [delivered] = rig.fake.to("member", "zhangsan")
    assert delivered.body["enable_duplicate_check"] == 1 and delivered.body["duplicate_check_interval"] == 1800
    assert len(rig.fake.duplicates_dropped) == 1


async def test_direct_replies_do_not_use_duplicate_check(rig):
    chat = rig.member("zhangsan")
    await chat.send("ICP证续期要准备哪些材料")
    await chat.send("ICP证续期要准备哪些材料")  # the same question twice gets two answers
    assert "enable_duplicate_check" not in chat.sent[0].body
    assert len(rig.fake.to("member", "zhangsan")) == 2


async def test_sender_respects_30_messages_a_minute_per_member(rig):
    sender = rig.channels["wecom"].sender
    results = [await sender.send("zhangsan", Reply(f"消息{i}")) for i in range(31)]
    assert all(r.ok for r in results[:30])
    assert not results[30].ok and 0 < results[30].retry_after <= 60 and "30" in results[30].error
    assert (await sender.send("lisi", Reply("别人不受影响"))).ok
    rig.clock.advance(seconds=61)
    assert (await sender.send("zhangsan", Reply("一分钟后"))).ok


async def test_direct_replies_beyond_the_member_limit_wait_in_the_outbox(rig):
    sender = rig.channels["wecom"].sender
    for i in range(30):
        await sender.send("zhangsan", Reply(f"提醒{i}"))
    await rig.member("zhangsan").send("ICP证续期要准备哪些材料")
    [row] = rows(rig, Outbox)
    assert row.chat_id == "zhangsan" and "测试答案" in row.body["text"]
    assert row.not_before.replace(tzinfo=None) > rig.clock.now().replace(tzinfo=None)


async def test_long_text_is_split_into_parts_of_at_most_2048_bytes(rig):
    text = "\n".join(f"第{i}段：" + "许可证续期需要提前准备材料。" * 20 for i in range(8))
    assert (await rig.channels["wecom"].sender.send("zhangsan", Reply(text))).ok
    parts = rig.fake.to("member", "zhangsan")
    assert len(parts) > 1 and all(len(p.text.encode()) <= 2048 for p in parts)
    assert "\n".join(p.text for p in parts) == text


async def test_markdown_reply_goes_as_markdown(rig):
    await rig.channels["wecom"].sender.send("zhangsan", Reply("**到期提醒**", markdown=True))
    assert rig.fake.to("member", "zhangsan")[0].msgtype == "markdown"


async def test_attachment_is_uploaded_and_sent_as_a_file(rig):
    xlsx = Attachment("续期清单.xlsx", b"PK\x03\x04fake-xlsx", "application/vnd.ms-excel")
    result = await rig.channels["wecom"].sender.send("zhangsan", Reply("您的续期清单：", attachment=xlsx))
    assert result.ok
    text, file = rig.fake.to("member", "zhangsan")
    assert text.text == "您的续期清单：" and file.msgtype == "file"
    assert rig.fake.uploads[file.body["file"]["media_id"]] == ("续期清单.xlsx", b"PK\x03\x04fake-xlsx")


async def test_a_refused_card_falls_back_to_numbered_text(rig):
    rig.fake.fail_next["message/send"] = 40058  # e.g. a card field WeCom does not accept
    reply = Reply("续期提醒", buttons=(Button("开始续期清单", "/renew"), Button("联系顾问", "/human")))
    assert (await rig.channels["wecom"].sender.send("zhangsan", reply)).ok
    [sent] = rig.fake.to("member", "zhangsan")
    assert sent.msgtype == "text" and "1. 开始续期清单\n2. 联系顾问" in sent.text
    await rig.member("zhangsan").send("2")  # the numbered options still press
    with rig.services.db.session() as s:
        assert any("转接的顾问" in m.text for m in s.exec(select(MessageLog)).all())  # /human answered


async def test_an_unknown_member_is_a_permanent_failure(rig):
    rig.fake.fail_next["message/send"] = 81013
    result = await rig.channels["wecom"].sender.send("nobody", Reply("hi"))
    assert not result.ok and result.permanent and "81013" in result.error


async def test_a_payload_too_long_for_a_card_key_is_stored_server_side(rig):
    long_payload = "/faq " + "长" * 400  # 1,205 bytes: over the 1,024-byte key limit
    await rig.channels["wecom"].sender.send("zhangsan", Reply("选择", buttons=(Button("看看", long_payload),)))
    chat = rig.member("zhangsan")
    _shown, key = chat.find_button("看看")
    assert key.startswith("k:") and len(key) < 64
    await chat.press("看看")
    with rig.services.db.session() as s:  # the long payload came back whole: /faq answered it
        assert any("这条内容已更新或不存在" in m.text for m in s.exec(select(MessageLog)).all())


async def test_a_button_press_with_an_unknown_short_key_is_explained(rig):
    await rig.callback(MEMBER_PATH, rig.card_click("zhangsan", "k:doesnotexist"))
    assert "按钮已失效" in rig.fake.to("member", "zhangsan")[0].text


async def test_sender_to_an_unreachable_api_asks_to_retry(rig):
    messenger = rig.channels["wecom"].messenger
    messenger.api.base = "http://127.0.0.1:9/cgi-bin/"  # nothing listens there
    messenger.api._token = ""
    result = await rig.channels["wecom"].sender.send("zhangsan", Reply("hi"))
    assert not result.ok and not result.permanent and result.retry_after == 15.0
    assert "WeCom error -2" in result.error


def test_incoming_is_built_from_a_text_callback(rig):
    with rig.services.db.session() as s:
        incoming = rig.channels["wecom"].to_incoming(s, {k: str(v) for k, v in
                                                         rig.member_text("zhangsan", "你好").items()})
    assert incoming == Incoming("wecom", "zhangsan", "zhangsan", text="你好", at=rig.clock.now() - timedelta(0),
                                display_name="zhangsan", numbered=True)
