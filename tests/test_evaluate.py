"""The evaluation report: the search and the WRatio baseline on a labelled file, side by side."""

import pytest

from knowledge.bm25 import BM25
from knowledge.entries import Entry, KnowledgeError, Localized
from knowledge.evaluate import Baseline, format_report, load_items, run_eval
from knowledge.search import Searcher


def entry(id_: str, question: str, *alternates: str) -> Entry:
    license_code, topic = id_.split("-")[:2]
    return Entry(id=id_, license=license_code, topic=topic, zh=Localized(question, alternates, "回答"))


KB = [
    entry("icp-renewal", "ICP证续期要准备哪些材料？", "ICP许可证续证资料"),
    entry("general-renewal", "增值电信许可证到期前多久续期？", "许可证快到期了怎么续"),
    entry("edi-annual_report", "EDI证年报怎么报？", "EDI许可证年检"),
]

QUESTIONS = """
- {q: "ICP证续期要准备哪些材料？", license: icp, topic: renewal}
- {q: "经营性ICP续证要交什么", license: icp, topic: renewal}
- {q: "EDI年检", license: edi, topic: annual_report}
- {q: "驾照快到期了怎么换证", oos: true}
- {q: "你好", oos: true}
"""


@pytest.fixture
def questions(tmp_path):
    path = tmp_path / "questions.yaml"
    path.write_text(QUESTIONS, encoding="utf-8")
    return path


def test_report_figures(questions):
    report = run_eval(questions, Searcher(KB))
    assert (report.system.in_scope, report.system.out_of_scope) == (3, 2)
    assert report.system.top1 == 1.0
    assert report.system.top3 == 1.0
    assert report.system.oos_fallback == 1.0
    assert report.baseline.top1 >= 1 / 3  # the exact question is found by the baseline too
    assert report.misses == ()
    assert sum(report.system.decisions.values()) == 3


def test_format_report_shows_both_side_by_side(questions):
    text = format_report(run_eval(questions, Searcher(KB)))
    assert "search" in text and "baseline" in text
    for row in ("top-1 accuracy", "top-3 accuracy", "out-of-scope fallback"):
        assert row in text


def test_misses_are_listed(questions):
    report = run_eval(questions, Searcher(KB[1:]))  # no ICP entry any more
    assert report.system.top1 < 1.0
    assert any(m.item.license == "icp" for m in report.misses)
    assert "want icp/renewal" in format_report(report)


def test_baseline_falls_back_below_its_threshold():
    baseline = Baseline(KB, threshold=80)
    fell_back, entries = baseline.ranked("ICP证续期要准备哪些材料？")
    assert not fell_back and entries[0].id == "icp-renewal"
    assert baseline.ranked("完全无关的一句话")[0]


@pytest.mark.parametrize(("text", "message"), [
    ("- {q: 'x', license: icq, topic: renewal}", "item #1"),
    ("- {license: icp, topic: renewal}", "item #1"),
    ("q: not a list", "expected a list"),
])
def test_bad_question_files_are_reported(tmp_path, text, message):
    path = tmp_path / "questions.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError) as error:
        load_items(path)
    assert str(error.value).startswith("questions.yaml")
    assert message in str(error.value)


def test_bm25_prefers_rarer_shared_words():
    index = BM25([{"续期": 1.0, "icp": 1.0}, {"续期": 1.0, "edi": 1.0}, {"年报": 1.0, "edi": 1.0}])
    scores = index.scores(["续期", "icp"])
    assert set(scores) == {0, 1}
    assert scores[0] > scores[1]
    assert index.idf["icp"] > index.idf["续期"]


class RecordingSearcher:
    """Wraps the real Searcher and records the language each question was searched in."""

    def __init__(self, inner: Searcher) -> None:
        self.inner = inner
        self.entries = inner.entries
        self.langs: list[str] = []

    def search(self, query: str, lang: str = "zh"):
        self.langs.append(lang)
        return self.inner.search(query, lang)


def test_eval_searches_in_the_given_language(questions):
    searcher = RecordingSearcher(Searcher(KB))
    run_eval(questions, searcher)
    assert set(searcher.langs) == {"zh"}
    searcher.langs.clear()
    run_eval(questions, searcher, lang="en")
    assert searcher.langs == ["en"] * 5


def test_cli_eval_has_a_language_option(questions, capsys):
    import argparse

    from licensebot.cli.kb import add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert parser.parse_args(["eval", str(questions), "--lang", "en"]).lang == "en"
    assert parser.parse_args(["eval", str(questions)]).lang == "zh"
    with pytest.raises(SystemExit):
        parser.parse_args(["eval", str(questions), "--lang", "fr"])
