"""The compliance check-up through the real PTB stack against the fake Bot API: walked by buttons,
answered with a document; every payload fits Telegram's 64-byte callback_data."""

from __future__ import annotations

import pytest

from checklist.checkup_rules import load_checkup
from tests.telegram_kit import (  # noqa: F401
    USER,
    fake_fixture,
    start_runtime,
    telegram_settings,
)


@pytest.fixture
async def bot(fake, sqlite_url, clock):
    async with start_runtime(telegram_settings(sqlite_url, fake), clock, fake) as runtime:
        yield runtime


async def test_the_check_up_is_walked_by_buttons_and_exported_as_a_document(bot, clock):
    fake = bot.fake
    items = [i.id for i in load_checkup().items_for("idc")]
    fake.push_text(USER, "/checkup", language_code="zh-hans")
    await bot.said(USER, "要体检的是哪种许可证")
    fake.press(USER, "IDC证（互联网数据中心）", language_code="zh-hans")
    await bot.settle()
    fake.press(USER, "跳过", language_code="zh-hans")
    await bot.said(USER, "为什么重要")
    for item in items:
        clock.advance(seconds=5)  # a person's pace: under the flood limit
        fake.press(USER, "否" if item == "equipment_rooms" else "是", language_code="zh-hans")
        await bot.settle()
    result = await bot.said(USER, "合规体检结果：IDC证（互联网数据中心）")
    assert "🔴 红色 1 项" in result
    texts = "\n".join(fake.texts(USER))
    assert "机房与设备合同" in texts and "就红色项咨询顾问" not in result  # the button is on the items message
    assert all(len(b["callback_data"].encode()) <= 64 for m in fake.messages.values()
               for row in (m.get("reply_markup") or {}).get("inline_keyboard", []) for b in row)
    fake.press(USER, "导出Excel", language_code="zh-hans")
    (doc,) = await fake.wait_for(lambda: fake.sent(USER, "sendDocument"))
    name, content = doc.files["document"]
    assert name.startswith("compliance-checkup-idc-") and content[:2] == b"PK"
