"""The step engine as a client meets it: answers given in advance, step numbers, a flow left open."""

from __future__ import annotations

from bot.engine import Engine
from licensebot.app import build_services
from tests.chat import ChatDriver


def test_back_on_the_first_question_keeps_the_answers_given_in_advance(chat):
    chat.send("/subscribe icp provincial 北京 2027-03-15 京B2-20200001")
    assert "step:company" in chat.tags and "（第1步）" in chat.text
    assert "上一步" not in chat.buttons  # nothing was asked before this question
    chat.send("/back")
    assert "这已经是第一个问题了" in chat.text and "step:company" in chat.tags
    chat.send("北京示例科技有限公司")
    # nothing is asked again: the licence, number, scope, province and expiry given in advance stayed
    assert "已登记" in chat.text and "京B2-20200001" in chat.text


def test_back_after_the_first_answer_keeps_the_answers_given_in_advance(chat):
    chat.send("/subscribe icp 2027-03-15")
    chat.send("北京示例科技有限公司")
    assert "step:number" in chat.tags and "（第2步）" in chat.text
    chat.press("上一步")
    assert "step:company" in chat.tags and "（第1步）" in chat.text
    chat.send("北京示例科技有限公司")
    chat.send("京B2-20200001")
    assert "已登记" in chat.text  # the licence type and expiry were not asked again


def test_step_numbers_count_questions_when_one_answer_fills_two(chat):
    chat.send("/renew")
    assert "（第1步）" in chat.text
    chat.press("ICP经营许可证")
    assert "step:scope" in chat.tags and "（第2步）" in chat.text
    chat.send("北京")  # scope and province in one answer
    assert "step:number" in chat.tags and "（第3步）" in chat.text
    chat.press("上一步")
    assert "step:scope" in chat.tags and "（第2步）" in chat.text


def test_the_greeting_after_a_restart_picks_up_the_unfinished_flow(settings, clock):
    first = ChatDriver(Engine(build_services(settings, clock)), "alice")
    first.send("/renew")
    first.press("ICP经营许可证")
    assert "step:scope" in first.tags
    again = ChatDriver(Engine(build_services(settings, clock)), "alice")  # a new process on the same database
    again.send("/start")
    assert "续期清单还没有完成" in again.text and "step:scope" in again.tags
    assert "地网" in " ".join(again.buttons)  # the question's own buttons, to go on with a press
    again.send("北京")
    assert "step:number" in again.tags


def test_the_greeting_without_a_flow_shows_the_menu(chat):
    chat.send("/start")
    assert "unfinished" not in chat.tags and "续期清单" in chat.buttons
