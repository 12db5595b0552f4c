"""English users are never offered a Chinese-only entry (issue 19): not as a follow-up button, not as
a clarify option. The rule is in the answer layer, whatever the content."""

from __future__ import annotations

from knowledge.entries import Entry, Localized
from knowledge.search import Hit, SearchOutcome
from tests.chat import ChatDriver


def entry(ident: str, english: bool) -> Entry:
    zh = Localized("问题", ("a", "b", "c", "d"), "答案")
    return Entry(ident, "icp", "renewal", zh, en=Localized("Question", (), "Answer") if english else None)


def test_an_english_user_sees_no_follow_up_button_to_a_chinese_only_entry(engine):
    chinese = ChatDriver(engine, user="li")
    chinese.send("ICP证续期要准备哪些材料")
    assert "增值电信许可证年报什么时候报？" in chinese.buttons  # the related entry has no English
    english = ChatDriver(engine, user="emma", language="en")
    english.send("what documents do I need to renew my ICP licence")
    assert english.text == "Test answer about ICP renewal materials."
    assert english.buttons == ["Start a renewal checklist", "Compliance check-up", "👍", "👎"]


def test_clarify_options_without_english_are_dropped_for_english_users():
    outcome = SearchOutcome("renew icp", "clarify", (Hit(entry("a", True), 0.55), Hit(entry("b", False), 0.54),
                                                      Hit(entry("c", True), 0.50)))
    assert [h.entry.id for h in outcome.in_language("en").hits] == ["a", "c"]
    assert outcome.in_language("zh") is outcome


def test_a_clarify_left_with_nothing_in_english_falls_back_and_an_answer_keeps_its_entry():
    only_chinese = SearchOutcome("q", "clarify", (Hit(entry("b", False), 0.5), Hit(entry("d", False), 0.5)))
    assert only_chinese.in_language("en").decision == "fallback" and not only_chinese.in_language("en").hits
    answer = SearchOutcome("q", "answer", (Hit(entry("b", False), 0.9), Hit(entry("d", False), 0.3)))
    assert [h.entry.id for h in answer.in_language("en").hits] == ["b"]
