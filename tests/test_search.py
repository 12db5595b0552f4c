"""FAQ search: understanding, licence/topic agreement, decisions. Each test builds its own small KB."""

import pytest

from knowledge.entries import Entry, Localized
from knowledge.search import Hit, Searcher, decide


def entry(id_: str, question: str, *alternates: str, en: tuple[str, ...] = ()) -> Entry:
    license_code, topic = id_.split("-")[:2]
    english = Localized(en[0], tuple(en[1:]), "answer") if en else None
    return Entry(id=id_, license=license_code, topic=topic,
                 zh=Localized(question, alternates, "回答"), en=english)


KB = [
    entry("general-renewal", "增值电信许可证到期前多久续期？", "许可证快到期了怎么续", "电信许可证续证时间",
          "续期要交哪些资料",
          en=("How early must I renew a VATS licence?", "when to renew my telecom license")),
    entry("icp-renewal", "ICP证续期要准备哪些材料？", "ICP许可证续证资料", "经营性ICP续期清单",
          en=("What do I need to renew an ICP licence?", "ICP license renewal documents")),
    entry("edi-renewal", "EDI证续期要准备哪些材料？", "EDI许可证续证资料", "在线数据处理续期清单"),
    entry("general-materials", "申请增值电信许可证要准备哪些材料？", "办电信证要交什么资料"),
    entry("icp-materials", "ICP证申请材料有哪些？", "办ICP要交什么资料"),
    entry("general-cost", "办增值电信许可证要多少钱？", "电信许可证费用", "代办费多少"),
    entry("idc-foreign", "外资企业能办IDC证吗？", "外商投资IDC许可证", "外资机房牌照"),
    entry("general-foreign", "外资能办增值电信许可证吗？", "外商投资电信业务比例"),
    entry("icp-annual_report", "ICP证年报怎么报？", "ICP许可证年检", "经营性ICP年度报告"),
    entry("general-annual_report", "增值电信许可证年报怎么报？", "电信许可证年检", "年报逾期怎么办"),
    entry("general-agency", "可以找顾问帮忙办吗？", "转人工", "代办机构靠谱吗"),
]


@pytest.fixture(scope="module")
def searcher() -> Searcher:
    return Searcher(KB)


def top(searcher: Searcher, query: str, lang: str = "zh") -> str:
    outcome = searcher.search(query, lang)
    assert outcome.hits, f"no hits for {query}"
    return outcome.hits[0].entry.id


@pytest.mark.parametrize(("query", "licence", "topic"), [
    ("ICP证快到期了，续期要准备哪些东西", "icp", "renewal"),
    ("經營性ICP續期", "icp", "renewal"),
    ("B25许可症续其", "icp", "renewal"),
    ("呼叫中心许可证年报怎么报", "call_center", "annual_report"),
    ("外资能办IDC吗", "idc", "foreign"),
    ("地网和全网CDN有什么不一样", "cdn", "scope"),
    ("公司改名了许可证要换吗", None, "change"),
    ("ICP证续期要多久", "icp", "renewal"),  # how long a renewal takes is about renewal
    ("EDI续期材料", "edi", "renewal"),  # renewal materials are about renewal
    ("办EDI还是ICP", "edi", "need"),  # two licences: which one do I need
    ("有了ICP证还需要EDI证吗", "edi", "need"),
    ("办ISP需要有机房吗", "isp", "requirements"),  # a business word gives way to a licence name
    ("没ICP证做网站会怎样", "icp", "penalty"),
    ("How do I renew my ICP licence?", "icp", "renewal"),
])
def test_licence_and_topic_detection(searcher, query, licence, topic):
    outcome = searcher.search(query)
    assert (outcome.license, outcome.topic) == (licence, topic)


def test_named_licence_wins_over_better_wording(searcher):
    # The EDI entry's words are the query's, but the query names ICP.
    assert top(searcher, "ICP证续期要准备哪些材料") == "icp-renewal"
    assert top(searcher, "经营性ICP 续证资料") == "icp-renewal"
    assert top(searcher, "EDI证续期要准备哪些材料") == "edi-renewal"


def test_an_entry_about_another_licence_never_wins():
    kb = [entry("edi-renewal", "EDI证续期要准备哪些材料？", "EDI许可证续证资料", "续期材料清单"),
          entry("icp-need", "需要办ICP证吗？", "网站要不要ICP许可证")]
    for query in ("ICP证续期要准备哪些材料", "ICP证续期材料清单", "经营性ICP续证资料"):
        outcome = Searcher(kb).search(query)
        assert outcome.hits[0].entry.license == "icp", query


def test_no_licence_named_prefers_general(searcher):
    assert top(searcher, "续期要准备哪些材料") == "general-renewal"
    assert top(searcher, "要准备哪些材料") == "general-materials"
    assert top(searcher, "年报怎么报") == "general-annual_report"


def test_answer_for_a_clear_match(searcher):
    outcome = searcher.search("ICP证续期要准备哪些材料？")
    assert outcome.decision == "answer"
    assert outcome.hits[0].entry.id == "icp-renewal"
    assert 0.6 <= outcome.hits[0].score <= 1.0


@pytest.mark.parametrize("query", ["许可证", "ICP证", "增值电信许可证"])
def test_a_question_naming_no_topic_is_not_answered_outright(searcher, query):
    assert searcher.search(query).decision == "clarify"


def test_clarify_between_close_candidates():
    kb = [entry("icp-renewal-materials", "ICP证续期要准备哪些材料？", "ICP续期资料"),
          entry("icp-renewal-deadline", "ICP证续期要准备多久？", "ICP续期提前多久")]
    outcome = Searcher(kb).search("ICP证续期要准备")
    assert outcome.decision == "clarify"
    assert {h.entry.id for h in outcome.hits} == {"icp-renewal-materials", "icp-renewal-deadline"}
    assert len(outcome.hits) <= 3


@pytest.mark.parametrize("query", [
    "食品经营许可证续期要什么材料", "驾驶证到期换证", "營業執照年報", "烟草专卖零售许可证怎么办",
    "你好", "谢谢", "今天天气怎么样", "asdfghjkl", "。。。", "🍎🍎🍎", "123456", "how do I renew my passport",
])
def test_out_of_scope_falls_back(searcher, query):
    outcome = searcher.search(query)
    assert outcome.decision == "fallback"


def test_out_of_scope_licence_kind_gets_no_telecom_hits(searcher):
    assert searcher.search("食品经营许可证续期").hits == ()


@pytest.mark.parametrize("query", ["兽药经营许可证续期", "娱乐场所经营许可证怎么申请", "办学许可证年检"])
def test_a_licence_kind_the_faq_never_mentions_falls_back(searcher, query):
    assert searcher.search(query).decision == "fallback"


@pytest.mark.parametrize(("query", "named"), [
    ("兽药经营许可证续期", True),
    ("娱乐场所经营许可证", True),
    ("新业务要不要加到许可证上", False),  # a verb before 许可证 says nothing about its kind
    ("取得许可证以后", False),
    ("办许可证要多久", False),
    ("这类许可证多久续期", False),
    ("B2许可证", False),
])
def test_the_kind_of_licence_asked_about(searcher, query, named):
    assert bool(searcher.analyze(query).kinds) == named


def test_telecom_question_mentioning_another_kind_is_still_answered(searcher):
    outcome = searcher.search("营业执照变更后增值电信许可证年报怎么报")
    assert outcome.decision != "fallback"
    assert outcome.hits[0].entry.id == "general-annual_report"


def test_english_question_matches_english_texts(searcher):
    assert top(searcher, "ICP license renewal documents", lang="en") == "icp-renewal"
    assert top(searcher, "when should I renew my VATS license") == "general-renewal"  # detected as English


def test_a_chinese_question_from_an_english_user_is_matched_in_chinese(searcher):
    assert top(searcher, "ICP证续期要准备哪些材料", lang="en") == "icp-renewal"
    assert searcher.analyze("ICP证续期", "en").lang == "zh"
    assert searcher.analyze("ICP", "en").lang == "en"


def test_english_question_reaches_entries_without_english(searcher):
    assert top(searcher, "EDI license renewal", lang="en") == "edi-renewal"


def test_hits_are_ranked_confidences(searcher):
    outcome = searcher.search("ICP证年报")
    scores = [h.score for h in outcome.hits]
    assert 1 <= len(scores) <= 5
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_empty_kb_and_empty_query():
    assert Searcher([]).search("ICP证续期").decision == "fallback"
    assert Searcher(KB).search("   ").decision == "fallback"


def hits(*scores: float) -> tuple[Hit, ...]:
    return tuple(Hit(KB[i], s) for i, s in enumerate(scores))


def test_decide():
    assert decide((), 0.6, 0.4, 0.5)[0] == "fallback"
    assert decide(hits(0.3), 0.6, 0.4, 0.5)[0] == "fallback"
    assert decide(hits(0.95, 0.5), 0.6, 0.4, 0.5)[0] == "answer"
    assert decide(hits(0.5), 0.6, 0.4, 0.5)[0] == "clarify"  # not sure enough to answer
    decision, close = decide(hits(0.95, 0.94, 0.93, 0.2), 0.6, 0.4, 0.5)
    assert decision == "clarify"
    assert len(close) == 3


def test_shipped_knowledge_base_loads():
    searcher = Searcher.from_folder()
    assert len(searcher.entries) > 0
    assert searcher.search("ICP证续期").hits


def test_cached_index_gives_the_same_answers(tmp_path):
    fresh = Searcher(KB)
    Searcher(KB, cache_dir=tmp_path)  # writes the cache
    assert len(list(tmp_path.glob("index-*.marshal"))) == 1
    cached = Searcher(KB, cache_dir=tmp_path)
    for query in ("ICP证续期要准备哪些材料", "外资能办IDC吗", "年报怎么报", "when to renew my license"):
        assert cached.search(query) == fresh.search(query)


def test_a_broken_cache_is_rebuilt(tmp_path):
    Searcher(KB, cache_dir=tmp_path)
    (cache_file,) = tmp_path.glob("index-*.marshal")
    cache_file.write_bytes(b"not marshal")
    assert Searcher(KB, cache_dir=tmp_path).search("ICP证年报").hits[0].entry.id == "icp-annual_report"


def test_a_changed_kb_does_not_use_the_old_cache(tmp_path):
    Searcher(KB[:3], cache_dir=tmp_path)
    assert top(Searcher(KB, cache_dir=tmp_path), "外资能办IDC吗") == "idc-foreign"
