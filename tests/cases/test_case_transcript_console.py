"""The case flow on the console, as a person types it: a reminder, 上传材料, two files by `/file PATH`,
the consultant rejects one with a reason, the client re-sends it, it is accepted, and the next reminder
names only what is still missing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from bot.clock import FrozenClock
from bot.engine import Engine
from bot.messages import Reply
from bot.settings import Settings
from channels.console import ConsoleSession, read_local_file
from licensebot.app import build_services
from scheduler.rules import load_rules
from scheduler.sweep import sweep
from tests.cases.kit import PDF, add_client_license, case_settings, outbox_for

RULES = load_rules()
START = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def typed(session: ConsoleSession, line: str) -> str:
    return "\n".join(r.text for r in session.send(line))


def shown(session: ConsoleSession, replies: list[Reply]) -> str:
    """Outbox messages arriving in a terminal: their buttons become the ones a number presses."""
    for r in replies:
        session.received(("x", "1", r))
    return "\n".join(r.text for r in replies)


def test_console_transcript(settings: Settings, tmp_path: Path) -> None:
    clock = FrozenClock(START)
    svc = build_services(case_settings(settings, tmp_path / "files"), clock)
    engine = Engine(svc)
    add_client_license(svc.db, date(2026, 11, 27), START)  # expires 2027-05-20: inside the 180-day window
    bob, carol = ConsoleSession(engine.handle, "bob"), ConsoleSession(engine.handle, "carol")
    (tmp_path / "营业执照.pdf").write_bytes(PDF)
    (tmp_path / "licence-scan.pdf").write_bytes(PDF)
    (tmp_path / "current_licence_v2.pdf").write_bytes(PDF)

    sweep(svc.db, RULES, clock.now())
    delivered = outbox_for(svc.db, clock, "bob")  # the terminal's feed: these buttons are what a number presses
    reminder = shown(bob, delivered)
    assert "【续期提醒】" in reminder and "距提交截止还有84天" in reminder
    assert [b.label for r in delivered for b in r.buttons] == ["已在处理", "上传材料", "联系顾问", "已续期"]

    assert "还缺" in typed(bob, "2")  # 上传材料
    assert "这是“营业执照（副本）”吗" in typed(bob, f"/file {tmp_path / '营业执照.pdf'}")
    assert "归入“营业执照（副本）”" in typed(bob, "1")
    assert "这是哪一项材料" in typed(bob, f"/file {tmp_path / 'licence-scan.pdf'}")
    assert "归入“现有许可证（正本、副本）”" in typed(bob, "现有许可证")
    assert "上传结束" in typed(bob, "完成")

    reviews = outbox_for(svc.db, clock, "carol")
    assert len(reviews) == 2
    shown(carol, reviews[1:])
    assert "原因" in typed(carol, "2")  # 退回
    assert "已退回" in typed(carol, "扫描不完整，缺副本第2页")
    notice = shown(bob, outbox_for(svc.db, clock, "bob"))
    assert "扫描不完整，缺副本第2页" in notice and "❌ 现有许可证（正本、副本） — 被退回" in notice
    typed(bob, "1")  # 上传材料 under the notice
    assert "这是“现有许可证（正本、副本）”吗" in typed(bob, f"/file {tmp_path / 'current_licence_v2.pdf'}")
    typed(bob, "1")
    typed(bob, "完成")

    for review in outbox_for(svc.db, clock, "carol"):
        shown(carol, [review])
        assert "已通过" in typed(carol, "1")  # 通过
    assert all("已通过" in r.text for r in outbox_for(svc.db, clock, "bob"))

    clock.set(datetime(2027, 1, 20, 2, 0, tzinfo=UTC))  # the 120-day milestone
    sweep(svc.db, RULES, clock.now())
    [nxt] = [r for r in outbox_for(svc.db, clock, "bob") if "renewal" in r.tags]  # (and the annual report's)
    assert "d120" in nxt.tags and "【续期案件】还缺" in nxt.text
    assert "营业执照" not in nxt.text and "现有许可证" not in nxt.text  # accepted: no longer named
    assert "人员名单" in nxt.text or "技术方案" in nxt.text  # still missing: named
    svc.db.dispose()


def test_file_command_problems_are_told_and_nothing_is_sent(tmp_path: Path) -> None:
    assert "找不到文件" in read_local_file(str(tmp_path / "none.pdf")).text  # type: ignore[union-attr]
    assert "用法" in read_local_file("").text  # type: ignore[union-attr]
