"""Homophone typos (issue 19): a question typed with the wrong character of the same pinyin finds the
entry the intended spelling finds; correct words are never rewritten."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge.homophones import Homophones, plain_syllable, readings
from knowledge.search import Searcher

PAIRS = yaml.safe_load((Path(__file__).parent / "fixtures" / "homophone_pairs.yaml").read_text(encoding="utf-8"))
KNOWN = {"怎么", "许可", "呼叫中心", "需要", "多少", "资本"}


@pytest.fixture(scope="module")
def shipped() -> Searcher:
    return Searcher.from_folder()


def cut(text: str) -> list[str]:
    """A toy word cutter: the known words, every other character alone."""
    out, i = [], 0
    while i < len(text):
        word = next((w for w in sorted(KNOWN, key=len, reverse=True) if text.startswith(w, i)), text[i])
        out.append(word)
        i += len(word)
    return out


def toy(vocabulary: set[str]) -> Homophones:
    return Homophones(vocabulary, lambda w: w in KNOWN or w in vocabulary, cut)


def test_readings_come_from_pypinyin_without_tones():
    table = readings()
    assert (table.get("申"), table.get("清"), table.get("请"), table.get("行")) == ("shen", "qing", "qing", "xing")
    assert table.get("a") is None and table.get("𠀀") is None
    assert plain_syllable("lǜ") == "lv" and plain_syllable("zhōng") == "zhong"


def test_a_sound_alike_of_a_faq_word_is_replaced_and_correct_text_is_left_alone():
    fix = toy({"申请", "注册", "材料"})
    assert fix.correct("呼叫中心许可怎么申清") == "呼叫中心许可怎么申请"
    assert fix.correct("需要多少住册资本") == "需要多少注册资本"
    assert fix.correct("呼叫中心许可怎么申请") == "呼叫中心许可怎么申请"
    assert fix.correct("ICP才料 abc") == "ICP材料 abc"


def test_only_characters_left_alone_by_the_cutter_are_changed():
    # 怎么 is a word: its 么 is never changed, though 怎么申清 sounds like 怎嚜申请 (two changes are
    # allowed in four characters)
    assert toy({"怎嚜申请"}).correct("怎么申清") == "怎么申清"
    assert toy({"怎么申请"}).correct("怎么申清") == "怎么申请"


def test_a_sound_alike_of_two_faq_words_is_left_as_typed():
    assert toy({"时间", "时鉴"}).correct("时建") == "时建"  # shi jian: 时间 and 时鉴 both fit
    assert toy({"时间", "实践"}).correct("时建") == "时间"  # 实践 would change two characters


@pytest.mark.parametrize("pair", PAIRS, ids=[p["typo"] for p in PAIRS])
def test_a_homophone_typo_finds_the_entry_of_the_meant_question(shipped, pair):
    typo, meant = shipped.search(pair["typo"]), shipped.search(pair["meant"])
    assert meant.hits and typo.hits
    assert (typo.hits[0].entry.id, typo.decision != "fallback") == (meant.hits[0].entry.id, meant.decision != "fallback")


def test_the_issues_example_is_answered_like_the_correct_spelling(shipped):
    typo = shipped.search("呼叫中心许可怎么申清")
    assert typo.decision == "answer" and typo.query == "呼叫中心许可怎么申清"
    assert typo.hits[0].entry.id == shipped.search("呼叫中心许可怎么申请").hits[0].entry.id
