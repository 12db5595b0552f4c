"""The 31 mainland provinces: name, abbreviation (as in licence numbers) and English name, as data."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from bot.language import pick
from bot.problems import Problem


@dataclass(frozen=True)
class Province:
    name: str  # 北京, 内蒙古 … (short name, without 省/市/自治区)
    abbr: str  # the abbreviation licence numbers use: 京, 蒙 …
    en: str
    aliases: tuple[str, ...] = ()  # other abbreviations or spellings seen in use

    def label(self, lang: str) -> str:
        return pick(lang, self.name, self.en)


PROVINCES: tuple[Province, ...] = (
    Province("北京", "京", "Beijing"),
    Province("天津", "津", "Tianjin"),
    Province("河北", "冀", "Hebei"),
    Province("山西", "晋", "Shanxi"),
    Province("内蒙古", "蒙", "Inner Mongolia", ("内蒙古自治区", "Nei Mongol")),
    Province("辽宁", "辽", "Liaoning"),
    Province("吉林", "吉", "Jilin"),
    Province("黑龙江", "黑", "Heilongjiang"),
    Province("上海", "沪", "Shanghai", ("申",)),
    Province("江苏", "苏", "Jiangsu"),
    Province("浙江", "浙", "Zhejiang"),
    Province("安徽", "皖", "Anhui"),
    Province("福建", "闽", "Fujian"),
    Province("江西", "赣", "Jiangxi"),
    Province("山东", "鲁", "Shandong"),
    Province("河南", "豫", "Henan"),
    Province("湖北", "鄂", "Hubei"),
    Province("湖南", "湘", "Hunan"),
    Province("广东", "粤", "Guangdong"),
    Province("广西", "桂", "Guangxi", ("广西壮族自治区",)),
    Province("海南", "琼", "Hainan"),
    Province("重庆", "渝", "Chongqing"),
    Province("四川", "川", "Sichuan", ("蜀",)),
    Province("贵州", "黔", "Guizhou", ("贵",)),
    Province("云南", "滇", "Yunnan", ("云",)),
    Province("西藏", "藏", "Tibet", ("西藏自治区", "Xizang")),
    Province("陕西", "陕", "Shaanxi", ("秦",)),
    Province("甘肃", "甘", "Gansu", ("陇",)),
    Province("青海", "青", "Qinghai"),
    Province("宁夏", "宁", "Ningxia", ("宁夏回族自治区",)),
    Province("新疆", "新", "Xinjiang", ("新疆维吾尔自治区",)),
)

# Abbreviations of places that are not mainland provinces, to explain instead of "unknown".
NOT_MAINLAND: dict[str, tuple[str, str]] = {
    "港": ("香港", "Hong Kong"), "澳": ("澳门", "Macao"), "台": ("台湾", "Taiwan"),
}

_SUFFIXES = ("省", "市", "自治区", "特别行政区")


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().replace(" ", "").lower()


def _build_index() -> dict[str, Province]:
    index: dict[str, Province] = {}
    for p in PROVINCES:
        for name in (p.name, p.abbr, p.en, *p.aliases):
            index[_key(name)] = p
        for suffix in _SUFFIXES:
            index[_key(p.name + suffix)] = p
    return index


_INDEX = _build_index()
BY_ABBR: dict[str, Province] = {a: p for p in PROVINCES for a in (p.abbr, *p.aliases) if len(a) == 1}


def find_province(text: str) -> Province | None:
    """'北京', '北京市', '京', 'beijing', '广西壮族自治区' -> the province; None if not a mainland one."""
    return _INDEX.get(_key(text))


def _names_pattern() -> re.Pattern[str]:
    """Full and short Chinese names, and English names as whole words; not the one-character
    abbreviations, which hide inside other words (京 in 南京, 新 in 新办)."""
    names = {n for p in PROVINCES for n in (p.name, p.en, *p.aliases) if len(n) >= 2}
    names |= {p.name + s for p in PROVINCES for s in _SUFFIXES}
    names.add("内蒙")
    parts = sorted(names, key=len, reverse=True)
    return re.compile("|".join(rf"(?<![a-z]){re.escape(n.lower())}(?![a-z])" if n.isascii() else re.escape(n)
                               for n in parts))


_NAMES = _names_pattern()


def province_named_in(text: str) -> Province | None:
    """The one mainland province a free text names ('北京的ICP证年报', 'annual report in Shanghai');
    None when it names none, or several different ones."""
    plain = unicodedata.normalize("NFKC", text).lower()
    found = {_INDEX.get(_key(m.group(0)), _INDEX["内蒙古"]) for m in _NAMES.finditer(plain)}
    return found.pop() if len(found) == 1 else None


def parse_province(text: str, _env: object = None) -> dict[str, Any] | Problem:
    """A typed province as a step's answer ({"province": 北京}), or why it is not one (the step parser of both flows)."""
    province = find_province(text)
    if province is None:
        return Problem("not_a_province", f"没有识别出“{text.strip()[:20]}”这个省份。请输入内地省级行政区的名称或简称。",
                       f"“{text.strip()[:20]}” is not a mainland province I know. Type its name or abbreviation.")
    return {"province": province.name}
