"""The renewal checklist as clients walk it: wrong answers, /back, a restart mid-way, the result."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.clock import FrozenClock
from bot.engine import Engine
from checklist.store import ChecklistRecord
from licensebot.app import build_services
from tests.chat import ChatDriver
from tests.conftest import make_settings

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture
def fresh(db_url):
    """Build an engine on db_url; call again for a 'restarted' process on the same database."""
    made = []

    def build(clock: FrozenClock) -> Engine:
        services = build_services(make_settings(db_url), clock)
        made.append(services)
        return Engine(services)

    yield build
    for s in made:
        s.db.dispose()


def step_of(chat: ChatDriver) -> str:
    return next(t for t in chat.tags if t.startswith("step:"))


def test_whole_flow_with_mistakes_back_and_a_restart(fresh):
    clock = FrozenClock(NOW)
    chat = ChatDriver(fresh(clock), user="alice")

    chat.send("/renew")
    assert step_of(chat) == "step:license" and "ICP经营许可证" in chat.buttons
    chat.send("驾照")  # not a licence type
    assert "reask" in chat.tags and step_of(chat) == "step:license" and "请点击下面的按钮" in chat.text
    chat.press("ICP经营许可证")
    assert step_of(chat) == "step:scope"
    chat.press("全网（跨地区）")
    assert step_of(chat) == "step:number"
    chat.send("/back")  # wrong scope: go back
    assert step_of(chat) == "step:scope"
    chat.press("地网（一个省份）")
    assert step_of(chat) == "step:province"
    chat.send("火星")
    assert "problem:not_a_province" in chat.tags and "例如：北京" in chat.text
    chat.press("北京")
    assert step_of(chat) == "step:number"

    # The licence number: a filing number, then a contradicting prefix, then a good one.
    chat.send("京ICP备16020626号-1")
    assert "problem:icp_filing" in chat.tags and "ICP备案号" in chat.text and "不是许可证编号" in chat.text
    chat.send("沪B2-20210001")
    assert "problem:province_mismatch" in chat.tags and "上海" in chat.text and "北京" in chat.text
    chat.send("京B1-20210001")
    assert "problem:category_mismatch" in chat.tags
    chat.send("京B2-20210001")
    assert step_of(chat) == "step:expires"

    # A day's pause, then a new process (new Engine, same database) continues at the same question.
    clock.advance(days=1)
    chat = ChatDriver(fresh(clock), user="alice")
    chat.send("2027-02-30")
    assert "problem:bad_day" in chat.tags and "2027年2月只有28天" in chat.text
    chat.send("2027年3月15日")
    assert step_of(chat) == "step:changes"
    chat.press("股东/股权")
    chat.press("注册地址")
    assert "已选：股东/股权、注册地址" in chat.text and "✓ 股东/股权" in chat.buttons
    chat.press("完成")
    assert step_of(chat) == "step:foreign"
    chat.send("不确定")
    assert "reask" in chat.tags
    chat.press("外资50%及以上")
    assert step_of(chat) == "step:special"  # ICP asks about prior approvals
    chat.press("新闻")
    chat.press("完成")

    assert "checklist" in chat.tags and "urgency:urgent" in chat.tags and "application:renewal" in chat.tags
    text = chat.text
    assert "ICP经营许可证 · 地网（北京） · 京B2-20210001" in text
    assert "2026-12-15 最晚提交续期申请" in text and "2027-03-15 许可证到期" in text
    assert "距最晚提交日2026-12-15只剩17天" in text  # today is 2026-11-28 after the pause
    assert "先处理股东变更" in text and "地址变更情况说明" in text and "新闻主管部门的前置审批" in text
    assert "先确认外资比例是否合规" in text and "业务实际开展情况说明" in text
    assert "跨地区经营情况说明" not in text  # a provincial licence
    assert chat.buttons[:3] == ["订阅到期提醒", "联系顾问", "导出Excel"]
    token = next(t for t in chat.tags if t.startswith("checklist:")).split(":", 1)[1]
    subscribe = next(r.buttons[0].payload for r in chat.replies if r.buttons)
    assert subscribe == f"/subscribe checklist:{token}" and len(subscribe.encode()) <= 64

    with fresh(clock).services.db.session() as s:
        record = s.exec(select(ChecklistRecord).where(ChecklistRecord.token == token)).one()
    assert (record.license, record.scope, record.province, record.number, record.expires.isoformat()) == (
        "icp", "provincial", "北京", "京B2-20210001", "2027-03-15")
    assert record.answers["changes"] == ["shareholders", "address"] and record.answers["special"] == ["news"]


def test_back_forgets_later_answers_and_back_at_the_start_says_so(chat):
    chat.send("/renew")
    chat.send("/back")
    assert "这已经是第一个问题了" in chat.text and step_of(chat) == "step:license"
    chat.press("EDI证（在线数据处理与交易处理）")
    chat.send("全网")
    chat.send("跳过")
    assert step_of(chat) == "step:expires"
    chat.press("上一步")
    assert step_of(chat) == "step:number"
    chat.send("/back")
    chat.send("/back")
    assert step_of(chat) == "step:license"
    chat.send("/cancel")
    chat.send("/back")
    assert "back-nothing" in chat.tags


def test_typed_province_answers_scope_and_province_at_once(chat):
    chat.send("/renew idc")  # the licence type given with the command
    assert step_of(chat) == "step:scope"
    chat.send("广东")
    assert step_of(chat) == "step:number"
    chat.send("粤B1-20200001")
    chat.send("2026-06-30")  # already expired
    chat.send("没有")
    chat.press("没有外资")  # IDC: no prior-approval question
    assert "application:new" in chat.tags and "urgency:expired" in chat.tags
    assert "现在需要按新申请办理" in chat.text and "按新申请准备全部材料" in chat.text
    assert "业务实际开展情况说明" not in chat.text  # a renewal item, dropped for a new application


def test_faq_renewal_answer_offers_the_checklist(chat):
    chat.send("ICP证快到期了怎么办，续期要准备哪些材料")
    chat.press("开始续期清单")
    assert step_of(chat) == "step:scope"  # licence type taken from the FAQ entry


def test_renew_while_in_the_flow_resumes_or_restarts(chat):
    chat.send("/renew")
    chat.press("CDN证（内容分发网络）")
    chat.send("/renew")
    assert "checklist-resume" in chat.tags and step_of(chat) == "step:scope"
    chat.press("重新开始")
    assert step_of(chat) == "step:license"


def test_flow_older_than_seven_days_expires(chat, clock):
    chat.send("/renew icp")
    clock.advance(days=8)
    chat.send("全网")
    assert "已超过7天" in chat.text and "step:scope" not in chat.tags


def test_the_expiry_notice_says_the_configured_age(sqlite_url, clock):
    services = build_services(make_settings(sqlite_url, flow_ttl_days=3), clock)
    chat = ChatDriver(Engine(services), user="alice")
    chat.send("/renew icp")
    clock.advance(days=2)
    chat.send("全网")
    assert "step:number" in chat.tags  # two days: still within FLOW_TTL_DAYS=3
    clock.advance(days=4)
    chat.send("京B2-20200001")
    assert "已超过3天" in chat.text and "step:" not in " ".join(chat.tags)
    services.db.dispose()


def test_export_list_and_privacy_of_checklists(engine):
    alice, bob = ChatDriver(engine, user="alice"), ChatDriver(engine, user="bob")
    for message in ("/renew icp", "全网", "B2-20190001", "2027-09-30", "none", "none"):
        alice.send(message)
    alice.press("都没有")
    token = next(t for t in alice.tags if t.startswith("checklist:")).split(":", 1)[1]
    assert "urgency:on_track" in alice.tags and "跨地区经营情况说明" in alice.text
    alice.press("导出Excel")
    reply = alice.replies[0]
    assert reply.attachment is not None and reply.attachment.filename.endswith(".xlsx")
    sheet = load_workbook(BytesIO(reply.attachment.content)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "注册资本证明（不少于1000万元）" in values and "未开始" in values
    alice.press("以文字查看")
    assert "checklist" in alice.tags and "2027-07-02 最晚提交续期申请" in alice.text
    alice.send("/checklist")
    assert any("2027-09-30" in b for b in alice.buttons)
    bob.send(f"/checklist {token} xlsx")  # another client's token shows nothing
    assert "checklist-missing" in bob.tags and bob.replies[0].attachment is None
    alice.send("/mydata")
    assert "续期清单: 1" in alice.text


def test_english_client_gets_english_questions_and_checklist(engine):
    chat = ChatDriver(engine, user="emma", language="en")
    chat.send("/renew")
    assert "Which licence" in chat.text
    for message in ("call centre licence", "nationwide", "skip", "15 March 2027", "shareholders, name"):
        chat.send(message)
    chat.press("Foreign share 50% or more")
    assert "Renewal checklist: Call centre licence" in chat.text
    assert "First handle the shareholder change" in chat.text and "First file the change" in chat.text
    assert "Services open beyond 50% foreign ownership" in chat.text
    assert "First confirm the foreign share" not in chat.text  # call centres are open to 100%
