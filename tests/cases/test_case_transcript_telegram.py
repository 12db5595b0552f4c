"""The case flow through the real python-telegram-bot stack against the fake Bot API: a reminder from
the runtime's scheduler, 上传材料, a document and a photo, the consultant (also on Telegram) rejects
one with a reason, the client re-sends it, it is accepted, the next reminder names only what is missing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.cases.kit import JPG, PDF, add_client_license
from tests.telegram_kit import USER, fake_fixture, start_runtime, telegram_settings  # noqa: F401

CONSULTANT = 900
ZH = {"language_code": "zh-hans"}


@pytest.fixture
async def bot(fake, sqlite_url, clock, tmp_path: Path):
    settings = replace(telegram_settings(sqlite_url, fake), consultants=f"telegram:{CONSULTANT}",
                       case_files_dir=str(tmp_path / "files"))
    async with start_runtime(settings, clock, fake) as runtime:
        yield runtime


async def test_telegram_transcript(bot, clock) -> None:
    fake = bot.fake
    add_client_license(bot.services.db, date(2026, 11, 27), clock.now(), channel="telegram", user=str(USER))
    reminder = await bot.said(USER, "【续期提醒】")  # swept and dispatched by the runtime's scheduler
    assert "距提交截止还有84天" in reminder
    assert fake.keyboards(USER)[-1] == ["已在处理", "上传材料", "联系顾问", "已续期"]

    fake.press(USER, "上传材料", **ZH)
    await bot.said(USER, "请直接发送文件或照片")
    fake.push_file(USER, "营业执照.pdf", PDF, **ZH)
    await bot.said(USER, "这是“营业执照（副本）”吗")
    fake.press(USER, "是，营业执照（副本）", **ZH)
    await bot.said(USER, "已将“营业执照.pdf”归入")
    fake.push_file(USER, "", JPG, photo=True, **ZH)  # a photo of the licence
    await bot.said(USER, "这是哪一项材料")
    fake.press(USER, "现有许可证（正本、副本）", **ZH)
    await bot.said(USER, "归入“现有许可证（正本、副本）”")

    await bot.said(CONSULTANT, "材料：现有许可证（正本、副本）")  # the review request, through the outbox
    fake.press(CONSULTANT, "退回", **ZH)
    await bot.said(CONSULTANT, "请输入退回")
    fake.push_text(CONSULTANT, "照片反光看不清编号", **ZH)
    await bot.said(CONSULTANT, "已退回")
    await bot.said(USER, "照片反光看不清编号")

    fake.press(USER, "上传材料", **ZH)
    await bot.said(USER, "还缺")
    fake.push_file(USER, "current_licence.pdf", PDF, **ZH)
    await bot.said(USER, "这是“现有许可证（正本、副本）”吗")
    fake.press(USER, "是，现有许可证（正本、副本）", **ZH)
    await bot.fake.wait_for(lambda: sum("待审核材料" in t for t in fake.texts(CONSULTANT)) == 3)
    for _ in range(2):  # the first file, and the re-sent one
        fake.press(CONSULTANT, "通过", **ZH)
        await bot.settle()
    await bot.fake.wait_for(lambda: sum("已通过顾问审核" in t for t in fake.texts(USER)) == 2)

    clock.set(datetime(2027, 1, 20, 2, 0, tzinfo=UTC))  # the 120-day milestone
    nxt = await bot.said(USER, "【续期案件】还缺")
    assert "营业执照" not in nxt and "现有许可证" not in nxt
    with bot.services.db.session() as s:
        from sqlmodel import select

        from cases.models import CaseFile
        files = list(s.exec(select(CaseFile).order_by(CaseFile.id)))
    assert [f.status for f in files] == ["accepted", "rejected", "accepted"]
    assert Path(files[1].path).read_bytes() == JPG  # the larger photo size, on disk
