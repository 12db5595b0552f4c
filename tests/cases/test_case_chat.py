"""The case flow on the engine: open, upload two files, review, re-send, accept."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from bot.app import build_services
from bot.clock import FrozenClock
from bot.context import Services
from bot.engine import Engine
from bot.settings import Settings
from cases.models import CaseFile
from tests.cases.kit import add_client_license, case_settings, outbox_for, pdf
from tests.chat import ChatDriver

TODAY = date(2026, 11, 27)


@pytest.fixture
def svc(settings: Settings, clock: FrozenClock, tmp_path: Path) -> Services:
    s = build_services(case_settings(settings, tmp_path / "files"), clock)
    yield s
    s.db.dispose()


def test_upload_review_and_resend(svc: Services, clock: FrozenClock, tmp_path: Path) -> None:
    lid = add_client_license(svc.db, TODAY, clock.now())
    engine = Engine(svc)
    bob, carol = ChatDriver(engine, "bob"), ChatDriver(engine, "carol")
    bob.send(f"/upload {lid}")
    assert "还缺" in bob.text and "营业执照" in bob.text
    bob.send("", attachment=pdf("营业执照.pdf"))
    assert "这是“营业执照（副本）”吗" in bob.text
    bob.press("是，营业执照（副本）")
    assert "已将“营业执照.pdf”归入“营业执照（副本）”" in bob.text
    bob.send("", attachment=pdf("scan-001.pdf"))
    assert "这是哪一项材料" in bob.text
    bob.press("现有许可证（正本、副本）")
    review = outbox_for(svc.db, clock, "carol")
    assert len(review) == 2 and all("待审核材料" in r.text for r in review)
    carol.receive(review[1:])
    carol.press("退回")
    carol.send("副本不清晰，请重新扫描")
    assert "已退回" in carol.text
    notice = outbox_for(svc.db, clock, "bob")
    assert len(notice) == 1 and "副本不清晰，请重新扫描" in notice[0].text
    bob.receive(notice)
    bob.press("上传材料")
    bob.send("", attachment=pdf("current_licence.pdf"))
    assert "这是“现有许可证（正本、副本）”吗" in bob.text
    bob.press("是，现有许可证（正本、副本）")
    bob.press("完成")
    review = outbox_for(svc.db, clock, "carol")
    carol.receive(review)
    carol.press("通过")
    accepted = outbox_for(svc.db, clock, "bob")
    assert "已通过" in accepted[0].text
    with svc.db.session() as s:
        files = list(s.exec(select(CaseFile).order_by(CaseFile.id)))
        assert [f.status for f in files] == ["uploaded", "rejected", "accepted"]
        assert all(Path(f.path).is_file() and str(tmp_path) in f.path for f in files)
