"""After /forget, no table keeps the client's words: a scan of every text and JSON column of every
table (from the models' metadata, so a new table is scanned without changing this test), on SQLite
and PostgreSQL. Run mid-hand-off: a consultant holds the ticket and has read the case packet."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import JSON, String, Text, cast, select
from sqlmodel import SQLModel

import licensebot.tables  # noqa: F401  (the composition root imports every table: all on the metadata)
from bot.clock import business_today
from bot.messages import Attachment
from licensebot.cli.stats import compute
from tests.handoff.conftest import Hub
from tests.reminders_support import add_license

WORDS = ("紫藤萝科技", "QX-7781-ZT", "zitengluo@example.cn", "藤萝专用问题")  # only this client ever wrote these
LICENCE = "京B2-20217781"


def is_text(kind: object) -> bool:
    """String, Text, JSON, and the types that decorate them (SQLModel's AutoString)."""
    return isinstance(kind, String | Text | JSON) or isinstance(getattr(kind, "impl", None), String | Text | JSON)


def client_words_left(hub: Hub) -> list[str]:
    """table.column: word, for every stored copy of any of WORDS (or the licence number)."""
    found: list[str] = []
    with hub.services.db.session() as s:
        for table in SQLModel.metadata.sorted_tables:
            for column in table.columns:
                if not is_text(column.type):
                    continue
                as_text = cast(column, Text) if isinstance(column.type, JSON) else column
                for value in s.execute(select(as_text).where(column.is_not(None))).scalars():
                    text = str(value)
                    found += [f"{table.name}.{column.name}: {w}" for w in (*WORDS, LICENCE) if w in text]
                    found += [f"{table.name}.{column.name}: {w} (JSON-escaped)"
                              for w in WORDS if w.encode("unicode_escape").decode() in text and w not in text]
    return found


def test_forget_mid_hand_off_leaves_no_copy_and_keeps_the_counts(hub_any: Hub, clock):
    hub = hub_any
    client, consultant = hub.client("5501"), hub.consultant()
    today = business_today(clock)
    add_license(hub.services.db, LICENCE, today + timedelta(days=200), today - timedelta(days=100), clock.now(),
                chats=("5501",), company="紫藤萝科技有限公司")
    client.send("ICP证续期要什么材料？紫藤萝科技想问")
    client.send("藤萝专用问题：QX-7781-ZT 怎么办")
    client.send("/human 请联系 zitengluo@example.cn")
    consultant.send("/claim 1")
    assert "紫藤萝科技" in consultant.text  # the case packet quotes the client (and is logged without it)
    consultant.send("/case 1")
    client.send("藤萝专用问题 还有 QX-7781-ZT 的附件", attachment=Attachment("紫藤萝科技.pdf", b"%PDF-1.4"))
    consultant.send("/reply 1 收到，请稍等")
    assert client_words_left(hub)  # the scan finds them before /forget (it is not blind)

    client.send("/forget")
    assert "工单 #1" in client.text and "许可证" in client.text
    client.press("确认删除")
    assert "forget-done" in client.tags and "顾问已收到通知" in client.text
    assert client_words_left(hub) == []
    [notice] = hub.inbox("wecom", "zhangsan")[-1:]
    assert "要求删除其全部数据" in notice.text and "工单 #1" in notice.text

    consultant.send("/reply 1 还在吗")
    assert "consult-closed" in consultant.tags  # the ticket is closed, not vanished
    with hub.services.db.session() as s:
        stats = compute(s, None, None)
    assert (stats.opened, stats.claimed, stats.closed) == (1, 1, 1)


def test_cancel_on_the_forget_prompt_says_nothing_was_deleted(hub: Hub):
    client = hub.client("5502")
    client.send("你好")
    client.send("/forget")
    client.press("取消")
    assert "没有删除任何数据" in client.text and "已退出当前流程" not in client.text
    client.send("/mydata")
    assert "消息记录: 0" not in client.text and "用户资料: 1" in client.text  # still there


def test_forget_while_waiting_tells_the_consultants_and_cancel_while_claimed_goes_back_to_them(hub: Hub):
    from tests.handoff.conftest import GROUP

    waiting = hub.client("5503")
    waiting.send("/human")
    waiting.send("/forget")
    waiting.send("确认")  # typed, not pressed
    assert "forget-done" in waiting.tags
    assert any("要求删除其全部数据" in r.text and "工单 #1" in r.text for r in hub.inbox(*GROUP))

    held, zhang = hub.client("5504"), hub.consultant()
    held.send("/human")
    zhang.send("/claim 2")
    held.send("/forget")
    held.send("1")  # not a press here (this channel shows no numbers): not a confirmation either
    assert "forget-kept" in held.tags and "没有删除任何数据" in held.text
    held.send("还在吗")  # the consultant holds the chat again
    assert held.replies == [] and "还在吗" in hub.inbox("wecom", "zhangsan")[-1].text
