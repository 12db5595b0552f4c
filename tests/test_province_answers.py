"""Province-aware answers (issue 19): an answer that depends on the province names the client's
authority, whether the question names the province or the client's registered licence or renewal
checklist says it — one test per licence family, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.engine import Engine
from bot.provinces import province_named_in
from checklist.plan import Answers
from checklist.store import save_checklist
from knowledge.authorities import load_authorities
from knowledge.entries import KnowledgeError
from licensebot.app import build_services
from registry.service import LicenseData, new_license, subscribe
from tests.chat import ChatDriver
from tests.conftest import FIXTURES, make_settings

KB = FIXTURES / "kb" / "provinces"
FAMILIES = {  # licence code → how the question names it, licence class for the number
    "icp": ("ICP证", "B2"), "sp": ("SP证", "B2"), "edi": ("EDI证", "B2"), "idc": ("IDC证", "B1"),
    "cdn": ("CDN证", "B1"), "isp": ("ISP证", "B1"), "vpn": ("IP-VPN证", "B1"), "call_center": ("呼叫中心许可证", "B2"),
    "multiparty": ("多方通信许可证", "B2"), "store_forward": ("存储转发许可证", "B2"),
    "code_conversion": ("编码和规程转换许可证", "B2"),
}


@pytest.fixture
def engine(db_url: str, clock: FrozenClock):  # type: ignore[no-untyped-def]
    services = build_services(replace(make_settings(db_url), knowledge_dir=str(KB)), clock)
    yield Engine(services)
    services.db.dispose()


def register(engine: Engine, user: str, code: str, scope: str, province: str, number: str) -> None:
    """A licence the user registered for reminders (as /subscribe stores it)."""
    now = engine.services.clock.now()
    with engine.services.db.session() as s:
        lic = new_license(LicenseData(number, "测试科技有限公司", code, scope, province, date(2027, 6, 30)), now.date(), now)
        s.add(lic)
        s.flush()
        subscribe(s, lic, "console", user, user, "zh", now)
        s.commit()


@pytest.mark.parametrize("code", list(FAMILIES))
def test_a_question_naming_a_province_gets_that_provinces_authority(engine, code):
    chat = ChatDriver(engine, user=f"named-{code}")
    chat.send(f"广东的{FAMILIES[code][0]}年报什么时候报")
    assert f"entry:{code}-annual-report" in chat.tags
    assert "广东省通信管理局（https://gdca.miit.gov.cn）" in chat.text and "问题中提到" in chat.text


@pytest.mark.parametrize("code", list(FAMILIES))
def test_the_same_question_from_a_client_with_a_licence_in_that_province_gets_it_too(engine, code):
    name, cls = FAMILIES[code]
    register(engine, f"holder-{code}", code, "provincial", "广东", f"粤{cls}-2020{len(code):04d}")
    chat = ChatDriver(engine, user=f"holder-{code}")
    chat.send(f"{name}年报什么时候报")
    assert f"entry:{code}-annual-report" in chat.tags
    assert "广东省通信管理局（https://gdca.miit.gov.cn）" in chat.text and "据您登记的许可证" in chat.text
    other = ChatDriver(engine, user=f"stranger-{code}")  # another client never gets this one's province
    other.send(f"{name}年报什么时候报")
    assert "通信管理局（" not in other.text


def test_a_beijing_client_sees_beijing_not_a_chongqing_example_and_chongqing_its_own_note(engine):
    register(engine, "bj", "icp", "provincial", "北京", "京B2-20200001")
    chat = ChatDriver(engine, user="bj")
    chat.send("ICP证年报什么时候报")
    assert "北京市通信管理局（https://bjca.miit.gov.cn）" in chat.text and "重庆" not in chat.text
    chat.send("重庆的ICP证年报什么时候报")  # the question's province comes before the registered one
    assert "重庆市通信管理局（https://cqca.miit.gov.cn）" in chat.text and "2025年1月10日" in chat.text


def test_the_licence_of_the_asked_family_decides_and_a_cross_region_one_means_no_province(engine):
    register(engine, "mixed", "icp", "provincial", "浙江", "浙B2-20200002")
    register(engine, "mixed", "idc", "nationwide", "", "B1-20200003")
    chat = ChatDriver(engine, user="mixed")
    chat.send("ICP证年报什么时候报")
    assert "浙江省通信管理局" in chat.text
    chat.send("IDC证年报什么时候报")  # the IDC licence is cross-region: issued by MIIT, no province
    assert "entry:idc-annual-report" in chat.tags and "通信管理局（" not in chat.text


def test_the_province_of_a_renewal_checklist_is_used_when_nothing_else_says(engine):
    now = engine.services.clock.now()
    with engine.services.db.session() as s:
        save_checklist(s, "console", "carol", "carol", Answers("edi", "provincial", date(2027, 3, 1), "四川"), now)
        s.commit()
    chat = ChatDriver(engine, user="carol")
    chat.send("EDI证年报什么时候报")
    assert "四川省通信管理局" in chat.text and "据您的续期清单" in chat.text


def test_basic_telecom_is_never_sent_to_a_province(engine):
    chat = ChatDriver(engine, user="dora")
    chat.send("北京的固定网国内数据传送业务许可证年报什么时候报")
    assert "entry:data_transfer-annual-report" in chat.tags and "北京市通信管理局" not in chat.text


def test_english_users_get_the_authority_in_english(engine):
    chat = ChatDriver(engine, user="erin", language="en")
    chat.send("When is the annual report for a ICP licence due in Shanghai?")
    assert "Shanghai Communications Administration (https://shca.miit.gov.cn)" in chat.text


def test_every_province_has_its_authority_and_a_website_only_where_checked():
    authorities = load_authorities()
    assert len(authorities.by_province) == 31
    assert authorities.get("京") == authorities.get("北京市")
    assert all(a.name.zh.startswith(a.province) for a in authorities.by_province.values())
    assert {p for p, a in authorities.by_province.items() if not a.website} == {"河北", "河南", "海南"}


@pytest.mark.parametrize(("edit", "message"), [
    (("  - {province: 北京, authority: 北京市通信管理局", "  - {province: 北平, authority: 北京市通信管理局"),
     "authorities #1 (北平): '北平' is not the short name of a mainland province"),
    (("  - {province: 天津, authority: 天津市", "  - {province: 北京, authority: 北京市"),
     "authorities #2 (北京): 北京 is listed twice"),
    (('website: "https://bjca.miit.gov.cn", website_checked: "S1"', 'website: "https://bjca.miit.gov.cn", website_checked: ""'),
     "authorities #1 (北京): website_checked must be"),
    (('website: "https://bjca.miit.gov.cn"', 'website: "http://example.com"'), "should look like https://bjca"),
    (("    topics: [annual_report]", "    topics: [weather]"), "notes #1: 'topics' must be a list of topic codes"),
    (("    source: 工信部通信函〔2024〕107号", "    source: ''"), "notes #2: 'source' must be a non-empty string"),
])
def test_a_broken_provinces_file_names_the_file_and_the_entry(tmp_path: Path, edit, message):
    shipped = (Path(__file__).parent.parent / "knowledge" / "provinces.yaml").read_text(encoding="utf-8")
    assert edit[0] in shipped
    (tmp_path / "provinces.yaml").write_text(shipped.replace(edit[0], edit[1], 1), encoding="utf-8")
    with pytest.raises(KnowledgeError) as err:
        load_authorities(tmp_path / "provinces.yaml")
    assert str(err.value).startswith("provinces.yaml: ") and message in str(err.value), str(err.value)


def test_a_clarify_option_pressed_later_still_knows_the_province_of_the_question(engine):
    chat = ChatDriver(engine, user="fay")
    chat.send("天津的ICP证")  # no topic: the bot asks which question is meant
    assert "faq-clarify" in chat.tags
    payload = next(b.payload for r in chat.replies for b in r.buttons if b.payload.startswith("/faq icp-annual"))
    chat.press("ICP证年报什么时候报？")
    assert "entry:icp-annual-report" in chat.tags and "天津市通信管理局（https://tjca.miit.gov.cn）" in chat.text
    other = ChatDriver(engine, user="gus")  # a forged payload with someone else's question id learns nothing
    other.send(payload)
    assert "entry:icp-annual-report" in other.tags and "天津" not in other.text


@pytest.mark.parametrize(("text", "province"), [
    ("北京的ICP证年报怎么报", "北京"), ("广西壮族自治区ICP年报", "广西"), ("内蒙ICP年报", "内蒙古"),
    ("annual report in Shanghai?", "上海"), ("Shaanxi ICP", "陕西"), ("shanxi icp", "山西"),
    ("南京公司办ICP", None), ("从北京迁到上海", None), ("新办ICP证", None), ("", None), ("🙂" * 3000, None),
])
def test_the_province_a_question_names(text, province):
    found = province_named_in(text)
    assert (found.name if found else None) == province
