"""Content rules of `kb lint` (issue 19): an English version on every entry, a source where an answer
rests on a rule that is easy to get wrong, and no one province's date given as a general rule."""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.provinces import PROVINCES
from knowledge.entries import Entry

# An entry that speaks about one of these must say what it rests on (`source`).
NEEDS_SOURCE: dict[str, re.Pattern[str]] = {
    "foreign investment": re.compile(r"外资|外商|外国投资|外方|foreign", re.I),
    "scope across provinces": re.compile(r"跨地区|跨省|全网|两个以上|多个省|cross-region|nationwide|several provinces",
                                         re.I),
    "a fee": re.compile(r"费|\bfees?\b|\bcharges?\b", re.I),
}
_ANNUAL_REPORT = re.compile(r"年报|年检|annual report", re.I)
_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december")
_DATE = re.compile(rf"\d{{1,2}}月\d{{1,2}}日|\d{{4}}-\d{{1,2}}-\d{{1,2}}|\b\d{{1,2}} (?:{_MONTHS})\b|"
                   rf"\b(?:{_MONTHS}) \d{{1,2}}\b", re.I)
# The national bounds of the annual report: licensed by 31 December, filed in the first quarter.
_NATIONAL_DAYS = re.compile(r"^(?:1月1日|3月31日|12月31日|\d{4}-0?1-0?1|\d{4}-0?3-31|\d{4}-12-31|1 january|"
                            r"31 march|31 december|january 1|march 31|december 31)$", re.I)
_IN_FORCE = re.compile(r"施行|生效|实施|in force|effective|took effect|takes effect", re.I)  # a law's date is national
_SENTENCE_END = re.compile(r"[。！？；;\n]|\.(?:\s|$)")
_PROVINCE_NAMES = re.compile("|".join(
    sorted({n for p in PROVINCES for n in (p.name, p.en) if len(n) >= 2}, key=len, reverse=True)), re.I)


def source_findings(e: Entry) -> Iterator[str]:
    """What the entry speaks about that needs a source, when it has none."""
    if e.source:
        return
    texts = " ".join((e.zh.question, e.zh.answer, e.en.question if e.en else "", e.en.answer if e.en else ""))
    for subject, pattern in NEEDS_SOURCE.items():
        if pattern.search(texts):
            yield f"mentions {subject} but has no 'source'"


def local_dates(e: Entry) -> Iterator[str]:
    """Dates of one province given as a general rule: a sentence about the annual report (or any
    sentence of an annual-report entry) naming a day other than the national bounds must name the
    province it belongs to. The date a law comes into force is national and passes."""
    for lang, loc in (("zh", e.zh), ("en", e.en)):
        if loc is None:
            continue
        for sentence in _SENTENCE_END.split(loc.answer):
            if not (e.topic == "annual_report" or _ANNUAL_REPORT.search(sentence)) or _IN_FORCE.search(sentence):
                continue
            days = [d for d in _DATE.findall(sentence) if not _NATIONAL_DAYS.match(d.strip())]
            if days and not _PROVINCE_NAMES.search(sentence):
                yield (f"answer [{lang}] gives '{days[0]}' without naming the province it belongs to "
                       "(each province announces its own dates)")
