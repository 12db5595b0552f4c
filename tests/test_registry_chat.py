"""The licence registry in chat: /subscribe, /mylicenses and the actions on one licence."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from bot.engine import Engine
from bot.messages import ChatRef, Reply
from bot.outbox import enqueue
from bot.storage.models import Outbox
from checklist.plan import Answers
from checklist.store import save_checklist
from registry.models import License, Subscription
from tests.chat import ChatDriver


def register(chat: ChatDriver, company: str = "北京示例科技有限公司", number: str = "京B2-20200001",
             expires: str = "2027-03-15", kind: str = "ICP经营许可证") -> None:
    chat.send("/subscribe")
    chat.send(company)
    chat.press(kind)
    chat.send(number)
    chat.send(expires)


def licence_id(engine: Engine, number: str = "京B2-20200001") -> int:
    with engine.services.db.session() as s:
        return s.exec(select(License.id).where(License.number == number)).one()


def test_subscribe_asks_each_question_and_mylicenses_shows_days_left(chat):
    chat.send("/subscribe")
    assert "step:company" in chat.tags
    chat.send("北京示例科技有限公司")
    assert "ICP经营许可证" in chat.buttons
    chat.press("ICP经营许可证")
    assert "step:number" in chat.tags
    chat.send("京B2-20200001")  # a Beijing provincial number: scope and province need no question
    assert "step:expires" in chat.tags
    chat.send("明年3月15日")
    assert "已登记" in chat.text and "还有108天" in chat.text and "地网 · 北京" in chat.text
    assert "subscribed" in chat.tags and "180、120、90" in chat.text
    chat.send("/mylicenses")
    assert "京B2-20200001" in chat.text and "2027年3月15日（还有108天）" in chat.text
    assert {"修改", "已续期", "年报已完成", "暂停提醒", "删除"} <= set(chat.buttons)


def test_wrong_answers_are_asked_again_with_the_reason(chat):
    chat.send("/subscribe")
    chat.send("x")
    assert "problem:short_company" in chat.tags and "全称" in chat.text
    chat.send("上海示例网络有限公司")
    chat.press("IDC证（互联网数据中心）")
    chat.send("沪ICP备16020626号-1")
    assert "problem:icp_filing" in chat.tags and "备案" in chat.text
    chat.send("沪B2-20200002")  # IDC is first-class (B1)
    assert "problem:category_mismatch" in chat.tags and "B1" in chat.text
    chat.send("沪B1-20200002")
    chat.send("2020-01-01")
    assert "problem:expired" in chat.tags and "重新申请" in chat.text
    chat.send("2027-02-30")
    assert "reask" in chat.tags and "28" in chat.text
    chat.send("2045-01-01")
    assert "problem:too_far" in chat.tags
    chat.send("2027年6月30日")
    assert "已登记" in chat.text and "上海" in chat.text


def test_a_cross_region_number_needs_no_province_and_scope_can_be_asked(chat):
    chat.send("/subscribe")
    chat.send("示例通信有限公司")
    chat.press("CDN证（内容分发网络）")
    chat.send("B1-20190001")
    chat.send("2028-01-31")
    assert "全网（跨地区）" in chat.text


def test_prefilled_arguments_skip_the_questions_they_answer(chat):
    chat.send("/subscribe icp provincial 北京 2027-03-15 京B2-20200001")
    assert "step:company" in chat.tags
    chat.send("北京示例科技有限公司")
    assert "已登记" in chat.text and "京B2-20200001" in chat.text


def test_prefill_from_the_users_own_checklist_only(engine, chat):
    answers = Answers(license="edi", scope="nationwide", expires=date(2027, 8, 1), number="B2-20210005")
    with engine.services.db.session() as s:
        token = save_checklist(s, "console", "alice", "alice", answers, engine.services.clock.now()).token
    bob = ChatDriver(engine, user="bob")
    bob.send(f"/subscribe checklist:{token}")
    assert "不是" in bob.text or "没有找到" in bob.text
    chat.send(f"/subscribe checklist:{token}")
    assert "已从您的续期清单带入" in chat.text and "step:company" in chat.tags
    chat.send("示例电商有限公司")
    assert "已登记" in chat.text and "B2-20210005" in chat.text and "2027年8月1日" in chat.text


def test_nobody_acts_on_another_clients_licence_with_a_forged_payload(engine, chat):
    register(chat)
    lid = licence_id(engine)
    mallory = ChatDriver(engine, user="mallory")
    for payload in (f"/license {lid}", f"/license {lid} delete confirm", f"/license {lid} renewed",
                    f"/license {lid} pause", f"/license {lid} edit company", "/license 99999 annual", "/license abc"):
        mallory.send(payload)
        assert "license-not-found" in mallory.tags, payload
        assert "京B2" not in mallory.text
    mallory.send("/mylicenses")
    assert "mylicenses-empty" in mallory.tags
    with engine.services.db.session() as s:
        lic = s.get(License, lid)
        assert lic is not None and lic.company == "北京示例科技有限公司"
        assert s.exec(select(Subscription.status)).all() == ["active"]


def test_colleagues_share_a_licence_but_another_company_cannot_take_its_number(engine, chat):
    register(chat)
    bob = ChatDriver(engine, user="bob")
    register(bob, company="北京示例科技 有限公司")  # same company, typed with a space
    assert "已登记" in bob.text
    eve = ChatDriver(engine, user="eve")
    register(eve, company="别家公司")
    assert "number-taken" in eve.tags and "另一家公司" in eve.text
    with engine.services.db.session() as s:
        assert sorted(s.exec(select(Subscription.user_id)).all()) == ["alice", "bob"]
    chat.press("删除")
    chat.press("确认删除")
    assert "其他同事仍会收到" in chat.text
    bob.send("/mylicenses")
    assert "京B2-20200001" in bob.text


def test_marking_renewed_starts_a_new_cycle_and_drops_waiting_reminders(engine, chat):
    register(chat)
    lid = licence_id(engine)
    with engine.services.db.session() as s:
        enqueue(s, ChatRef("console", "alice"), Reply("old"), "reminder", f"rem:{lid}:renewal:d120:1:1",
                engine.services.clock.now())
    chat.press("已续期")
    assert "step:expires" in chat.tags
    chat.send("2027-01-01")
    assert "problem:not_later" in chat.tags
    chat.send("2032-03-15")
    assert "已记录续期" in chat.text and "2032年3月15日" in chat.text
    with engine.services.db.session() as s:
        lic = s.get(License, lid)
        assert (lic.cycle, lic.expires_on) == (2, date(2032, 3, 15))
        assert s.exec(select(Outbox.status)).all() == ["cancelled"]


def test_annual_report_done_pause_resume_and_delete(engine, chat):
    register(chat)
    chat.press("年报已完成")
    assert "2026年一季度报送的2025年度年报已完成" in chat.text
    chat.press("暂停提醒")
    assert "已暂停" in chat.text and "恢复提醒" in chat.buttons
    chat.press("恢复提醒")
    assert "已恢复提醒" in chat.text
    chat.press("删除")
    assert "license-delete-ask" in chat.tags
    chat.press("确认删除")
    assert "已删除" in chat.text
    with engine.services.db.session() as s:
        assert s.exec(select(License)).all() == []


def test_edits_are_checked_against_the_rest_of_the_licence(engine, chat):
    register(chat)
    lid = licence_id(engine)
    chat.send(f"/license {lid} edit")
    assert "公司名称" in chat.buttons
    chat.press("地网/全网与省份")
    chat.press("全网（跨地区）")
    assert "license-edit-refused" in chat.tags and "没有保存" in chat.text
    chat.send(f"/license {lid} edit license")
    chat.press("IDC证（互联网数据中心）")  # IDC numbers carry B1, this one B2
    assert "license-edit-refused" in chat.tags and "problem:category_mismatch" in chat.tags
    chat.send(f"/license {lid} edit number")
    chat.send("B2-20190001")
    assert "已保存修改" in chat.text and "全网" in chat.text
    chat.send(f"/license {lid} edit company")
    chat.send("北京示例科技股份有限公司")
    with engine.services.db.session() as s:
        lic = s.get(License, lid)
        assert (lic.number, lic.scope, lic.province, lic.company) == ("B2-20190001", "nationwide", "",
                                                                      "北京示例科技股份有限公司")


def test_english_users_register_in_english(engine):
    chat = ChatDriver(engine, user="tom", language="en")
    chat.send("/subscribe")
    chat.send("Example Trading (Shanghai) Co., Ltd.")
    chat.press("EDI licence")
    chat.send("沪B2-20200003")
    chat.send("15 March 2027")
    assert "Registered" in chat.text and "108 days left" in chat.text and "Provincial · Shanghai" in chat.text


def test_forget_removes_the_users_subscriptions(engine, chat):
    register(chat)
    chat.send("/mydata")
    assert "许可证提醒订阅: 1" in chat.text
    chat.send("/forget")
    chat.press("确认删除")
    with engine.services.db.session() as s:
        assert s.exec(select(Subscription)).all() == []
