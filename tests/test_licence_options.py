"""One numbered list of licence types for /renew and /subscribe; basic telecom (MIIT only) is never
walked through as a provincial checklist (issue 19)."""

from __future__ import annotations

import pytest

from checklist.rules import load_rules
from checklist.steps import checklist_license_options
from licensebot.cli.main import main
from registry.fields import license_options
from tests.chat import ChatDriver

BASIC = ("data_transfer", "premises_network", "hosting")


def licence_buttons(chat: ChatDriver) -> list[str]:
    return [b for b in chat.buttons if b not in ("上一步", "Back")]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_renew_and_subscribe_offer_the_same_numbered_list(engine, lang):
    renew = ChatDriver(engine, user=f"r-{lang}", language=lang)
    renew.send("/lang en" if lang == "en" else "/lang zh")
    renew.send("/renew")
    subscribe = ChatDriver(engine, user=f"s-{lang}", language=lang)
    subscribe.send("/lang en" if lang == "en" else "/lang zh")
    subscribe.send("/subscribe")
    subscribe.send("北京测试科技有限公司")
    assert licence_buttons(renew) == licence_buttons(subscribe)
    assert licence_buttons(renew)[5] == ("ISP licence" if lang == "en" else "ISP证（互联网接入服务）")


def test_the_shipped_checklist_types_follow_the_registry_order():
    checklist = checklist_license_options(load_rules())
    registry = license_options()
    assert [o.value for o in checklist] == [o.value for o in registry]
    assert [o.zh for o in checklist] == [o.zh for o in registry]


@pytest.mark.parametrize("answer", ["固定网国内数据传送业务", "A24-1", "数据传送"])
def test_choosing_basic_telecom_in_renew_explains_miit_and_ends_the_checklist(chat, answer):
    chat.send("/renew")
    chat.send(answer)
    assert "checklist-basic-telecom" in chat.tags
    assert "只由工业和信息化部审批和续期" in chat.text and "省份" not in chat.text
    assert "/subscribe data_transfer" in [b.payload for r in chat.replies for b in r.buttons]
    chat.send("北京")  # the flow is over: no province question is waiting for this
    assert not any(t.startswith("flow:renew") for t in chat.tags)


@pytest.mark.parametrize("code", BASIC)
def test_renew_with_a_basic_telecom_type_stops_before_any_question(chat, code):
    chat.send(f"/renew {code}")
    assert "checklist-basic-telecom" in chat.tags and not any(t.startswith("step:") for t in chat.tags)


def test_english_users_hear_it_in_english(engine):
    chat = ChatDriver(engine, user="emma", language="en")
    chat.send("/lang en")
    chat.send("/renew hosting")
    assert "only MIIT issues and renews it" in chat.text


def test_the_checklist_command_refuses_basic_telecom_with_a_province(capsys):
    code = main(["checklist", "--license", "data_transfer", "--scope", "provincial", "--province", "北京",
                 "--expires", "2027-03-15"])
    err = capsys.readouterr().err
    assert code == 2 and "只由工业和信息化部审批和续期" in err and "Traceback" not in err
