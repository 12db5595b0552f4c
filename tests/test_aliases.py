"""aliases.yaml: validated at load with errors naming the file and key; matched longest first."""

import copy

import pytest

from knowledge.aliases import AliasMatcher, load_aliases, parse_aliases
from knowledge.codes import LICENSES, TOPICS
from knowledge.entries import KnowledgeError

MINIMAL = {
    "licenses": {code: {"names": [f"{code}证"]} for code in LICENSES},
    "topics": {"renewal": ["续期"]},
}


def spans(matcher: AliasMatcher, text: str) -> list[tuple[str, str, str]]:
    norm = matcher.normalize(text)
    return [(norm[s.start:s.end], s.kind, s.code) for s in matcher.find(norm)]


@pytest.fixture(scope="module")
def matcher() -> AliasMatcher:
    return AliasMatcher(load_aliases())


def test_shipped_file_covers_every_licence_and_topic():
    aliases = load_aliases()
    assert set(aliases.names) == set(LICENSES)
    assert set(aliases.topics) == set(TOPICS)
    assert aliases.out_of_scope


def test_minimal_document_parses():
    aliases = parse_aliases(MINIMAL)
    assert aliases.names["icp"] == ("icp证",)
    assert aliases.typos == {}


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["licenses"].update({"icq": {"names": ["x"]}}), "licenses.icq: unknown licence code"),
    (lambda d: d["licenses"].pop("hosting"), "licenses: no names for ['hosting']"),
    (lambda d: d["licenses"]["icp"].update({"nicknames": ["x"]}), "licenses.icp: only"),
    (lambda d: d["licenses"]["icp"].update({"names": "ICP证"}), "licenses.icp.names: expected a list"),
    (lambda d: d["topics"].update({"renew": ["续"]}), "topics.renew: unknown topic code"),
    (lambda d: d.update({"synonyms": {}}), "unknown sections ['synonyms']"),
    (lambda d: d["topics"].update({"cancel": ["续期"]}), "topics.cancel: '续期': already used at"),
    (lambda d: d["licenses"]["sp"].update({"names": ["ICP证"]}), "already used at aliases.yaml: licen"),
    (lambda d: d.update({"typos": {"许可症": None}}), "typos.许可症: the correction must be"),
    (lambda d: d["topics"].update({"need": ["算吗"]}), "filler words would remove part of it"),
])
def test_errors_name_file_and_key(change, message):
    data = copy.deepcopy(MINIMAL)
    change(data)
    with pytest.raises(KnowledgeError) as error:
        parse_aliases(data)
    assert str(error.value).startswith("aliases.yaml: ")
    assert message in str(error.value)


def test_unreadable_file_is_named(tmp_path):
    bad = tmp_path / "aliases.yaml"
    bad.write_text("licenses: [unclosed", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"aliases\.yaml: not valid YAML"):
        load_aliases(bad)


def test_longest_alias_wins(matcher):
    assert spans(matcher, "经营性ICP续期") == [("经营性icp", "license", "icp"), ("续期", "topic", "renewal")]
    assert spans(matcher, "增值电信业务经营许可证") == [("增值电信业务经营许可证", "license", "general")]


def test_latin_and_digit_words_match_whole_words(matcher):
    assert spans(matcher, "ISP证") == [("isp证", "license", "isp")]  # not SP
    assert ("95号码", "license", "number") in spans(matcher, "1995年的95号码")
    assert spans(matcher, "1995年") == []
    assert spans(matcher, "10690开头的号")[0][2] == "number"  # 106 may run on into more digits


def test_kinds(matcher):
    assert spans(matcher, "机房") == [("机房", "business", "idc")]
    assert spans(matcher, "短信") == [("短信", "hint", "sp")]
    assert spans(matcher, "食品经营许可证") == [("食品经营许可证", "oos", "food")]
    assert spans(matcher, "通信管理局")[0][0] == "通信管理局"


def test_typos_and_traditional_are_fixed_before_matching(matcher):
    assert spans(matcher, "許可症續其") == [("许可证", "domain", "许可证"), ("续期", "topic", "renewal")]


@pytest.mark.parametrize(("text", "expected"), [
    ("e-commerce platform", ("hint", "edi")),
    ("cloud hosting", ("business", "idc")),
    ("web conferencing", ("business", "multiparty")),
    ("online meetings", ("business", "multiparty")),
    ("enterprise mailbox", ("business", "store_forward")),
    ("building broadband", ("business", "premises_network")),
    ("content delivery", ("license", "cdn")),
    ("106 codes", ("license", "number")),
    ("can you handle", ("topic", "agency")),
    ("is there a charge", ("topic", "cost")),
    ("how long is it valid", ("topic", "renewal")),
])
def test_english_words_name_licences_and_topics(matcher, text, expected):
    assert expected in [(kind, code) for _word, kind, code in spans(matcher, text)]


def test_english_dns_resolution_is_a_name_and_charging_users_is_no_cost_question(matcher):
    # "Is DNS resolution covered by our IDC licence?" names two licences, DNS first
    assert [s[2] for s in spans(matcher, "is domain name resolution covered by our IDC licence")
            if s[1] == "license"] == ["code_conversion", "idc"]
    # a business that charges its users is not asking what the licence costs
    assert all(s[1] != "topic" for s in spans(matcher, "our SaaS tool charges a subscription"))
