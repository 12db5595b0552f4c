"""The case flow on the engine: open, upload two files, review, re-send, accept."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from bot.clock import FrozenClock
from bot.context import Services
from bot.engine import Engine
from bot.settings import Settings
from cases.models import CaseFile
from licensebot.app import build_services
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


def test_a_case_opened_from_the_renew_result_takes_its_changes_and_foreign_investment(svc: Services, clock) -> None:
    add_client_license(svc.db, TODAY, clock.now())
    bob = ChatDriver(Engine(svc), "bob")
    bob.send("/renew")
    for how, what in (("press", "ICP经营许可证"), ("press", "地网（一个省份）"), ("press", "北京"),
                      ("send", "京B2-20210001"), ("send", "2027年5月20日"), ("press", "股东/股权"), ("press", "完成"),
                      ("press", "外资50%及以上"), ("press", "完成")):
        getattr(bob, how)(what)
    bob.press("开启续期案件（在聊天中上传材料）")
    assert "已为您开启续期案件" in bob.text and "股东" in bob.text and "外资" in bob.text


def test_forget_deletes_the_uploaded_files_and_their_rows(svc: Services, clock) -> None:
    lid = add_client_license(svc.db, TODAY, clock.now())
    bob = ChatDriver(Engine(svc), "bob")
    bob.send(f"/upload {lid}")
    bob.send("", attachment=pdf("营业执照.pdf"))
    with svc.db.session() as s:
        [row] = s.exec(select(CaseFile)).all()
    assert Path(row.path).is_file()
    assert "续期案件中您上传的文件: 1" in bob.send("/mydata")[0].text
    bob.send("/forget")
    bob.press("确认删除")
    assert not Path(row.path).exists()
    with svc.db.session() as s:
        assert s.exec(select(CaseFile)).all() == []


def test_wrong_types_sizes_and_other_peoples_licences_are_refused_clearly(svc: Services, clock) -> None:
    from bot.messages import Attachment

    lid = add_client_license(svc.db, TODAY, clock.now())
    bob, eve = ChatDriver(Engine(svc), "bob"), ChatDriver(Engine(svc), "eve")
    assert "没有找到这张许可证" in eve.send(f"/upload {lid}")[0].text  # not hers
    assert "没有找到" in eve.send(f"/mycase {lid}")[0].text
    bob.send(f"/upload {lid}")
    assert "不支持“.exe”" in bob.send("", attachment=Attachment("setup.exe", b"MZ" + b"\x00" * 10))[0].text
    assert "文件内容与扩展名“.pdf”不符" in bob.send("", attachment=Attachment("改名.pdf", b"MZ\x00"))[0].text
    big = Attachment("big.pdf", b"%PDF" + b"\x00" * (svc.settings.case_file_max_mb * 1024 * 1024))
    assert "文件太大" in bob.send("", attachment=big)[0].text
    assert "没有收到这个文件的内容" in bob.send("", attachment=Attachment("empty.pdf", b""))[0].text
    with svc.db.session() as s:
        assert s.exec(select(CaseFile)).all() == []  # nothing stored
    assert "请点击按钮" not in bob.send("🙂")[0].text  # text in the upload step: asks for a file again


def test_upload_pressed_again_while_a_file_waits_asks_about_that_file(svc: Services, clock) -> None:
    lid = add_client_license(svc.db, TODAY, clock.now())
    bob = ChatDriver(Engine(svc), "bob")
    bob.send("", attachment=pdf("营业执照.pdf"))  # outside the flow: the only licence's case opens
    assert "这是“营业执照（副本）”吗" in bob.text
    bob.send(f"/upload {lid}")
    assert "这是“营业执照（副本）”吗" in bob.text  # not lost
    bob.press("是，营业执照（副本）")
    with svc.db.session() as s:
        assert [f.item_key for f in s.exec(select(CaseFile))] == ["business_licence"]


def test_consultant_commands_are_for_consultants_and_the_archive_comes_in_chat(svc: Services, clock) -> None:
    import io
    import zipfile

    lid = add_client_license(svc.db, TODAY, clock.now())
    engine = Engine(svc)
    bob, carol = ChatDriver(engine, "bob"), ChatDriver(engine, "carol")
    bob.send(f"/upload {lid}")
    bob.send("", attachment=pdf("营业执照.pdf"))
    bob.press("是，营业执照（副本）")
    for command in ("/accept 1", "/reject 1 不行", "/casefile 1", "/casezip 1", "/casestatus 1 submitted"):
        assert "顾问" in bob.send(command)[0].text and "staff" not in bob.tags  # refused, nothing changes
    with svc.db.session() as s:
        assert s.exec(select(CaseFile)).one().status == "uploaded"
    [file_reply] = carol.send("/casefile 1")
    assert file_reply.attachment is not None and file_reply.attachment.content.startswith(b"%PDF")
    [archive] = carol.send("/casezip 1")
    assert archive.attachment is not None and archive.attachment.filename.endswith(".zip")
    names = zipfile.ZipFile(io.BytesIO(archive.attachment.content)).namelist()
    assert "index.xlsx" in names and "business_licence/1-营业执照.pdf" in names
    assert "已提交" in carol.send("/casestatus 1 submitted")[0].text


def test_a_consultant_opens_a_case_by_the_licence_number(svc: Services, clock) -> None:
    add_client_license(svc.db, TODAY, clock.now())
    engine = Engine(svc)
    assert "已为您开启续期案件" in ChatDriver(engine, "carol").send("/opencase 京B2-20210001")[0].text
    assert "没有找到" in ChatDriver(engine, "eve").send("/opencase 京B2-20210001")[0].text
