"""Normalisation: both the FAQ and the questions go through it, so like compares with like."""

import pytest

from knowledge.aliases import load_aliases
from knowledge.normalize import Normalizer, chinese_number, numerals_to_digits, stem


@pytest.fixture(scope="module")
def norm() -> Normalizer:
    return load_aliases().normalizer()


@pytest.mark.parametrize(("raw", "expected"), [
    ("ＩＣＰ证", "icp证"),  # full-width letters
    ("ICP证１０６", "icp证106"),  # full-width digits
    ("EDI证", "edi证"),  # case
    ("許可證續期", "许可证续期"),  # Traditional → Simplified
    ("增值電信業務經營許可證", "增值电信业务经营许可证"),
    ("ICP证续期？？！😀👍", "icp证续期"),  # punctuation and emoji
    ("ICP 证 续期", "icp证续期"),  # spaces between Chinese words go
    ("icp license", "icp licens"),  # … but not between Latin words
])
def test_width_case_script_punctuation(norm, raw, expected):
    assert norm(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("请问ICP证怎么续期", "icp证怎么续期"),
    ("老师您好，想问一下年报啥时候报呢", "年报啥时候报"),
    ("ICP证续期要多久啊", "icp证续期要多久"),
    ("你好，在吗", ""),
    ("谢谢", ""),
])
def test_fillers(norm, raw, expected):
    assert norm(raw) == expected


def test_particles_go_only_at_a_clause_end(norm):
    assert norm("网吧") == "网吧"  # 吧 is part of the word here
    assert norm("能办吧？好的") == "能办好的"


@pytest.mark.parametrize(("raw", "expected"), [
    ("许可症续其", "许可证续期"),
    ("ICP年简", "icp年检"),
    ("注消ICP证", "注销icp证"),
    ("value-added telecom licence", "valu add telecom licens"),  # licence → license, then stemmed
])
def test_typos_from_aliases(norm, raw, expected):
    assert norm(raw) == expected


def test_typos_given_directly():
    assert Normalizer({"续其": "续期"}, fillers=())("续其多久") == "续期多久"


@pytest.mark.parametrize(("raw", "expected"), [
    ("有效期五年", "有效期5年"),
    ("提前九十天", "提前90天"),
    ("注册资本一百万", "注册资本100万"),
    ("一千万", "1000万"),
    ("一零六短信", "106短信"),
    ("两个员工", "2个员工"),
    ("一般", "一般"),
    ("三证合一", "三证合一"),
    ("统一", "统一"),
])
def test_chinese_numerals(raw, expected):
    assert numerals_to_digits(raw) == expected


@pytest.mark.parametrize(("run", "value"), [
    ("五", 5), ("十", 10), ("十五", 15), ("九十", 90), ("一百零六", 106), ("两千", 2000), ("一零六", 106),
])
def test_chinese_number_values(run, value):
    assert chinese_number(run) == value


@pytest.mark.parametrize("words", [
    ("license", "licenses", "licensed", "licensing"),
    ("renew", "renews", "renewed", "renewing", "renewal"),
    ("cancel", "cancelled", "cancellation"),
    ("apply", "applies", "applied"),
])
def test_stemming_joins_word_forms(words):
    assert len({stem(w) for w in words}) == 1


def test_same_text_either_way(norm):
    assert norm("ICP證續期要準備哪些資料？") == norm("icp证续期要准备哪些资料")
