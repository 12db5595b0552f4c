"""Understanding one text: normalise it, find the licence, topic and out-of-scope words it names, and
cut the rest into words (jieba) — the same way for FAQ entries and for users' questions.

jieba's full dictionary takes over a second to load (a 500k-word marshal file), which would eat
most of the start-up budget. The tokenizer here keeps only the dictionary's frequent words
(frequency ≥ 100, about 36k words holding 95% of the total frequency, read with one regex in
~0.2 s), so common words are cut as before; rarer words fall apart into shorter pieces, which is
harmless for matching since both sides are cut by the same tokenizer.
"""

from __future__ import annotations

import marshal
import os
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from knowledge.aliases import Aliases, AliasMatcher, Span, load_aliases

ATTACHED_GAP = 4  # a telecom word this close after an out-of-scope name is part of that name
LICENCE_WORDS = frozenset({"许可证", "经营许可", "牌照", "资质"})  # what kind of licence? see modifiers
MODIFIER_CHARS = 6
KIND_SUFFIXES = frozenset({"经营", "业务", "服务", "零售", "批发", "生产", "经营性", "行业"})
FUNCTION_ENDINGS = frozenset("到在上了的把给被让要拿有是个张本份些办做和与及或还也都就")
DETERMINERS = frozenset({"这类", "这种", "那种", "哪种", "哪类", "什么", "各类", "各种", "相关", "这个",
                         "那个", "哪个", "所有", "全部", "现有", "原来", "原有", "目前", "现在", "之前"})
_FREQ_LINE = re.compile(r"^(\S+) (\d{3,}) (\S+)", re.M)  # a word of frequency ≥ 100, and its tag
NOT_NOUN_TAGS = frozenset({"v", "vd", "vi", "vq", "r", "rr", "rz", "d", "p", "c", "u", "m", "q", "a", "ad",
                           "f"})
_CJK = re.compile(r"[\u4e00-\u9fff]")
_STILL_NEED = re.compile(r"还(需要|要|得|用)")  # 有了ICP证还需要EDI证吗: the question is about EDI
_MISSING = re.compile(r"(没有|没|无|未办|未取得|不办)$")  # 没ICP证 … : operating without a licence
_WANTED = re.compile(r"(要|需要|得|用|必须)$")  # 要SP证吗: whether it is needed
_LATIN = re.compile(r"[a-z]")

# Function words dropped from both sides; they say nothing about which entry fits.
STOPWORDS = frozenset(
    "的 了 是 我 你 他 她 它 在 和 与 及 或 也 都 就 还 要 会 能 可 有 这 那 这个 那个 个 把 被 给 对 从 让 "
    "为 吗 呢 吧 啊 呀 嘛 之 其 该 此 请 想 得 地 着 过 上 下 里 中 而 并 又 再 么 啥 一 些 这些 那些 "
    "我们 你们 他们 我司 咱们 自己 现在 目前 已经 然后 如果 但是 但 所以 因为 还是 或者 以及 是否 "
    "a an the of to for in on at by and or is are be been am do doe does did i we my our you your it "
    "its this that these those can could should would will shall may might must with from as if so "
    "what how when where which who whom why there here".split()
)


@dataclass(frozen=True)
class Analysis:
    text: str  # normalised
    tokens: tuple[str, ...]  # words for ranking; aliases folded into L:/T:/H:/O: codes
    fuzzy: str  # normalised text with each licence name / topic word folded into one symbol
    names: tuple[str, ...]  # licence codes named outright, the one asked about first
    business: tuple[str, ...]  # licence codes named by their business (机房 → idc, 外呼 → call_center)
    hints: tuple[str, ...]  # licence codes whose business is loosely mentioned (短信 → sp)
    topics: tuple[str, ...]  # topic codes, main topic first (aliases.yaml priority)
    oos: tuple[str, ...]  # out-of-scope licence kinds mentioned
    domain: bool  # a licence, its business or a telecom word appears outside out-of-scope names
    lang: str  # "zh" or "en"
    kinds: tuple[str, ...] = ()  # the word saying what kind of 许可证/牌照/资质 (兽药经营许可证 → 兽药)

    @property
    def specific(self) -> tuple[str, ...]:
        """The specific licences the question names: by name, else by their business — unless it
        names the licence in general (用云服务器可以申请电信证吗 is about 电信证)."""
        named = tuple(c for c in self.names if c != "general")
        return named or (() if "general" in self.names else self.business)

    @property
    def licence(self) -> str | None:
        """The licence the question is about: the first one named, else the first hinted."""
        specific = self.specific or self.hints
        return specific[0] if specific else ("general" if "general" in self.names else None)


def _import_jieba() -> Any:
    """Import jieba without pkg_resources, which jieba only uses to find its own files.

    jieba._compat tries `import pkg_resources` (about 0.2 s of start-up with setuptools) and falls
    back to plain open() when the import fails; this makes the import fail just for that moment.
    """
    if "jieba" in sys.modules or "pkg_resources" in sys.modules:
        import jieba

        return jieba
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        import jieba
    finally:
        del sys.modules["pkg_resources"]
    return jieba


@lru_cache(maxsize=1)
def _jieba_core() -> tuple[dict[str, int], int, frozenset[str]]:
    """The prefix dictionary of jieba's frequent words, their total frequency, and those of them
    that are not nouns (verbs, pronouns, adverbs … by jieba's part-of-speech tags).

    Read from jieba's dict.txt (~0.2 s), then kept in a marshal file in the user's cache folder
    (~0.03 s to load), keyed by the dictionary's size and date.
    """
    jieba = _import_jieba()
    source = Path(jieba.__file__).parent / "dict.txt"
    stat = source.stat()
    cache = cache_dir() / f"jieba-core-{stat.st_size}-{int(stat.st_mtime)}-2.marshal"
    try:
        with cache.open("rb") as f:
            freq, total, not_nouns = marshal.load(f)
        return freq, total, not_nouns
    except (OSError, EOFError, ValueError, TypeError):
        pass
    data = source.read_text(encoding="utf-8")
    freq: dict[str, int] = {}
    total = 0
    not_noun_words = []
    for word, count, tag in _FREQ_LINE.findall(data):
        freq[word] = int(count)
        total += freq[word]
        if tag in NOT_NOUN_TAGS:
            not_noun_words.append(word)
        for i in range(1, len(word)):
            freq.setdefault(word[:i], 0)
    not_nouns = frozenset(not_noun_words)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(marshal.dumps((freq, total, not_nouns)))
        partial.replace(cache)
    except OSError:
        pass  # a read-only home: read the dictionary each time
    return freq, total, not_nouns


def word_frequencies() -> dict[str, int]:
    """jieba's frequent words and their counts (prefixes of longer words count 0)."""
    return _jieba_core()[0]


def cache_dir() -> Path:
    """Where the search keeps its caches (the jieba word list, analysed FAQ texts)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "licensebot"


def make_tokenizer(extra_words: tuple[str, ...] = ()) -> Any:
    """A jieba.Tokenizer on the frequent part of jieba's dictionary, plus some words of ours."""
    jieba = _import_jieba()
    freq, total, _not_nouns = _jieba_core()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ = dict(freq)
    tokenizer.total = total
    tokenizer.initialized = True
    for word in extra_words:
        if len(word) > 1 and freq.get(word, 0) < 1000:
            tokenizer.add_word(word, 1000)
    return tokenizer


class Analyzer:
    """Turns a text into an Analysis. One per Searcher; read-only after construction."""

    def __init__(self, aliases: Aliases | None = None, hmm: bool = False) -> None:
        self.aliases = aliases or load_aliases()
        self.matcher = AliasMatcher(self.aliases)
        self.normalize = self.matcher.normalize
        self.neutral = frozenset(self.normalize(w) for w in self.aliases.neutral)
        self.topic_rank = {code: i for i, code in enumerate(self.aliases.topics)}
        self.hmm = hmm
        self._tokenizer: Any = None
        self._symbols: dict[tuple[str, str], str] = {}
        for i, code in enumerate(self.aliases.names):
            self._symbols[("license", code)] = chr(0xE000 + i)
        for i, code in enumerate(self.aliases.topics):
            self._symbols[("topic", code)] = chr(0xE100 + i)
        for i, kind in enumerate(self.aliases.out_of_scope):
            self._symbols[("oos", kind)] = chr(0xE200 + i)

    @property
    def tokenizer(self) -> Any:
        if self._tokenizer is None:
            self._tokenizer = make_tokenizer(tuple(self.neutral))
        return self._tokenizer

    def words(self, text: str) -> list[str]:
        """jieba words of a stretch of normalised text, without spaces and function words."""
        return [w for w in self.tokenizer.lcut(text, HMM=self.hmm) if w.strip() and w not in STOPWORDS]

    def __call__(self, text: str, lang: str = "zh") -> Analysis:
        norm = self.normalize(text)
        spans = self.matcher.find(norm)
        tokens: list[str] = []
        fuzzy: list[str] = []
        rest: list[str] = []  # the text between aliases, cut by jieba in one call
        kinds: list[str] = []
        pos = 0
        for span in spans:
            if span.kind == "domain" and span.code in LICENCE_WORDS:
                kinds.extend(self._kind(norm[max(pos, span.start - MODIFIER_CHARS):span.start]))
            rest.append(norm[pos:span.start])
            fuzzy.append(norm[pos:span.start])
            tokens.extend(self._span_tokens(norm, span))
            fuzzy.append(self._symbols.get((span.kind, span.code), norm[span.start:span.end]))
            pos = span.end
        rest.append(norm[pos:])
        fuzzy.append(norm[pos:])
        tokens.extend(self.words(" ".join(rest)))
        return Analysis(
            text=norm,
            tokens=tuple(map(sys.intern, tokens)),  # one string per distinct word across the index
            fuzzy="".join(fuzzy),
            names=_subject_first(norm, spans),
            business=_codes(spans, "business"),
            hints=_codes(spans, "hint"),
            topics=tuple(sorted(_topics(norm, spans), key=self.topic_rank.__getitem__)),
            oos=_codes(spans, "oos"),
            domain=_in_domain(spans),
            lang=detect_lang(norm, lang),
            kinds=tuple(kinds),
        )

    def _kind(self, before: str) -> list[str]:
        """The noun in front of a licence word, past 经营/业务/服务 (兽药经营许可证 → 兽药);
        nothing when a verb, particle or determiner stands there (加到许可证上, 这类许可证, 取得许可证)."""
        words = [w for w in self.words(before) if w not in KIND_SUFFIXES]
        if not words or words[-1][-1] in FUNCTION_ENDINGS or words[-1] in DETERMINERS:
            return []
        kind = words.pop()
        while len(kind) == 1 and words and len(words[-1]) == 1:  # a rare word cut into characters
            kind = words.pop() + kind
        if kind.isascii() or kind in self.neutral or len(kind) < 2 or kind in _jieba_core()[2]:
            return []
        return [kind]

    @staticmethod
    def _span_tokens(norm: str, span: Span) -> list[str]:
        word = norm[span.start:span.end]
        if span.kind == "license":
            return [f"L:{span.code}"]
        if span.kind == "business":
            return [word, f"L:{span.code}"]
        if span.kind == "hint":
            return [word, f"H:{span.code}"]
        if span.kind == "topic":
            return [word, f"T:{span.code}"]
        if span.kind == "oos":
            return [f"O:{span.code}"]
        return [word]


def _in_domain(spans: list[Span]) -> bool:
    """A licence or its business is named, or a telecom word appears that is not just the tail of
    an out-of-scope licence's name (烟草专卖零售许可证: 许可证 belongs to 烟草专卖)."""
    if any(s.kind in ("license", "business", "hint") for s in spans):
        return True
    oos_end = None
    for span in spans:
        if span.kind == "oos":
            oos_end = span.end
        elif span.domain and (oos_end is None or span.start - oos_end > ATTACHED_GAP):
            return True
    return False


def _subject_first(norm: str, spans: list[Span]) -> tuple[str, ...]:
    """Licence codes named outright, in order — except that in "有了X还需要Y吗" Y comes first."""
    named = [s for s in spans if s.kind == "license"]
    codes = _codes(named, "license")
    if len(codes) >= 2 and _STILL_NEED.search(norm, named[0].end, named[-1].start):
        second = next(s.code for s in named if s.code != codes[0])
        codes = (second, *(c for c in codes if c != second))
    return codes


def _topics(norm: str, spans: list[Span]) -> tuple[str, ...]:
    """Topic codes of the topic words, plus `penalty` for a licence said to be missing (没ICP证)
    and `need` for one asked for (要SP证吗)."""
    topics = list(_codes(spans, "topic"))
    for span in spans:
        if span.kind not in ("license", "business"):
            continue
        before = norm[max(0, span.start - 3):span.start]
        for topic, pattern in (("penalty", _MISSING), ("need", _WANTED)):
            if pattern.search(before) and topic not in topics:
                topics.append(topic)
    return tuple(topics)


def _codes(spans: list[Span], kind: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s.code for s in spans if s.kind == kind))


def detect_lang(norm: str, hint: str = "zh") -> str:
    """The language of the text's words: Chinese if it has any Chinese characters, English if it is
    Latin words (6 letters or more); the user's language only decides short codes like "ICP"."""
    if _CJK.search(norm):
        return "zh"
    return "en" if hint == "en" or len(_LATIN.findall(norm)) >= 6 else "zh"
