"""Telecom licence numbers: one parser for the checklist, the registry and imports.

The format is a convention seen in licence records (shared/domain.md §6), not a regulation:

    京B2-20210001          provincial: province abbreviation + category + "-" + year + serial
    B2-20190001            cross-region (MIIT): no province; several categories join with dots
    A2.B1.B2-20202637      e.g. a basic (A2) and both value-added classes
    合字B1.B2-20130004      foreign-invested ones carry 合字
    京ICP证030173号         older Beijing-style ICP licences: 2-digit year + 4-digit serial
    京ICP备16020626号-1     an ICP *filing* (备案) number: recognised, but it is not a licence

`parse_license_number(text)` returns a LicenseNumber or a Problem (code + Chinese + English reason);
`check_license_number(number, license_code, scope, province)` lists what contradicts the client's
other answers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from bot.language import pick
from bot.problems import Problem
from bot.provinces import BY_ABBR, NOT_MAINLAND, Province, find_province

PROVINCIAL, CROSS_REGION, LEGACY_ICP = "provincial", "cross_region", "legacy_icp"
SCOPES: tuple[str, ...] = ("provincial", "nationwide")  # 地网 (one province) / 全网 (cross-region)

CATEGORY_NAMES: dict[str, tuple[str, str]] = {
    "A1": ("第一类基础电信业务", "first-class basic telecom"),
    "A2": ("第二类基础电信业务", "second-class basic telecom"),
    "B1": ("第一类增值电信业务", "first-class value-added telecom"),
    "B2": ("第二类增值电信业务", "second-class value-added telecom"),
}

SERVICE_NAMES: dict[str, tuple[str, str]] = {
    "B11": ("互联网数据中心业务（IDC）", "internet data centre (IDC)"),
    "B12": ("内容分发网络业务（CDN）", "content delivery network (CDN)"),
    "B13": ("国内互联网虚拟专用网业务（IP-VPN）", "domestic IP-VPN"),
    "B14": ("互联网接入服务业务（ISP）", "internet access (ISP)"),
    "B21": ("在线数据处理与交易处理业务（EDI）", "online data and transaction processing (EDI)"),
    "B22": ("国内多方通信服务业务", "domestic multi-party communication"),
    "B23": ("存储转发类业务", "store and forward"),
    "B24": ("呼叫中心业务", "call centre"),
    "B25": ("信息服务业务（ICP/SP）", "information services (ICP/SP)"),
    "B26": ("编码和规程转换业务", "code and protocol conversion"),
    "A24-1": ("固定网国内数据传送业务", "fixed-network domestic data transfer"),
    "A25-3": ("用户驻地网业务", "customer premises network"),
    "A27": ("网络托管业务", "network hosting"),
}

# Licence code (knowledge/codes.py) -> (the class in the licence number, the catalogue service code).
LICENSE_CATEGORY: dict[str, tuple[str, str]] = {
    "icp": ("B2", "B25"), "sp": ("B2", "B25"), "edi": ("B2", "B21"), "multiparty": ("B2", "B22"),
    "store_forward": ("B2", "B23"), "call_center": ("B2", "B24"), "code_conversion": ("B2", "B26"),
    "idc": ("B1", "B11"), "cdn": ("B1", "B12"), "vpn": ("B1", "B13"), "isp": ("B1", "B14"),
    "data_transfer": ("A2", "A24-1"), "premises_network": ("A2", "A25-3"), "hosting": ("A2", "A27"),
}

EXAMPLES = "京B2-20210001、B2-20190001、合字B1.B2-20130004、京ICP证030173号"
MAX_LENGTH = 60


@dataclass(frozen=True)
class LicenseNumber:
    """A parsed licence number."""

    text: str  # canonical spelling, e.g. 京B2-20210001
    kind: str  # PROVINCIAL | CROSS_REGION | LEGACY_ICP
    province: Province | None
    categories: tuple[str, ...]  # ("B2",) or ("A2", "B1", "B2")
    year: int
    serial: str
    foreign: bool  # 合字

    ok = True

    @property
    def scope(self) -> str:
        """'provincial' when a province issued it, else 'nationwide'."""
        return "nationwide" if self.kind == CROSS_REGION else "provincial"


_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d_~"
_MODERN = re.compile(r"^(?P<prov>[^\W\dA-Za-z_合])?(?P<foreign>合字)?"
                     r"(?P<cats>[A-Z]\d+(?:\.[A-Z]\d+)*)-(?P<digits>\d+)号?$")
_NO_DASH = re.compile(r"^(?P<head>(?:[^\W\dA-Za-z_])?(?:合字)?(?:[A-Z]\d\.)*[A-Z]\d)(?P<digits>\d{8})号?$")
_LEGACY = re.compile(r"^(?P<prov>[^\W\dA-Za-z_])?ICP证(?P<digits>\d*)号?$")
_FILING = re.compile(r"^(?P<prov>[^\W\dA-Za-z_])?ICP备(?P<digits>\d*)号?(?:-\d+)?$")


def normalise(text: str) -> str:
    """Full-width to ASCII, dashes unified, separators to dots, spaces dropped, letters upper-case."""
    text = unicodedata.normalize("NFKC", text)
    for d in _DASHES:
        text = text.replace(d, "-")
    for sep in ("·", "・", "、", "，", ",", "/"):
        text = text.replace(sep, ".")
    text = re.sub(r"\s+", "", text).upper().rstrip("。.")
    if ":" in text:  # "增值电信业务经营许可证：京B2-20210001" -> the part after the label
        text = text.rsplit(":", 1)[1]
    return text.replace("備", "备").replace("號", "号").replace("證", "证")


def parse_license_number(text: str, today: date | None = None) -> LicenseNumber | Problem:
    """Parse a licence number; a Problem says precisely why the text is not one."""
    raw = (text or "").strip()
    if not raw:
        return _problem("empty", "没有填写许可证编号。", "The licence number is empty.")
    if len(raw) > MAX_LENGTH:
        return _problem("too_long", f"这段文字太长（{len(raw)}个字符），不像许可证编号。",
                        f"That is too long ({len(raw)} characters) to be a licence number.")
    s = normalise(raw)
    if "公网安备" in s:
        return _problem("police_filing",
                        "这是公安机关的网站备案号（公网安备），不是电信业务经营许可证编号。",
                        "That is a public-security website filing number (公网安备), not a telecom licence number.")
    if "ICP备" in s:
        return _filing_problem(s)
    if (m := _LEGACY.match(s)) is not None:
        return _parse_legacy(m, today)
    if (m := _NO_DASH.match(s)) is not None:
        s = f"{m['head']}-{m['digits']}"
    if (m := _MODERN.match(s)) is not None:
        return _parse_modern(m, today)
    return _problem("unrecognised", f"无法识别“{raw}”。许可证编号的写法例如：{EXAMPLES}。",
                    f"“{raw}” does not look like a licence number. Examples: {EXAMPLES}.")


def _filing_problem(s: str) -> Problem:
    m = _FILING.match(s)
    prov = BY_ABBR.get(m["prov"]) if m and m["prov"] else None
    where = f"（{prov.name}）" if prov else ""
    return _problem(
        "icp_filing",
        f"“{s}”是ICP备案号{where}，不是许可证编号：备案用于非经营性网站，经营性互联网信息服务需要ICP经营许可证，"
        "其编号形如 京B2-20210001。请填写许可证上的编号；如果您只有备案号，则没有需要续期的许可证。",
        f"“{s}” is an ICP filing (备案) number, not a licence number: a filing covers non-commercial websites, "
        "while commercial internet information services need an ICP licence, numbered like 京B2-20210001. "
        "Please give the number printed on the licence; with only a filing there is no licence to renew.",
    )


def _province(abbr: str | None) -> Province | Problem | None:
    if not abbr:
        return None
    if abbr in BY_ABBR:
        return BY_ABBR[abbr]
    if abbr in NOT_MAINLAND:
        zh, en = NOT_MAINLAND[abbr]
        return _problem("not_mainland", f"“{abbr}”指{zh}，不在内地31个省级行政区之内，内地电信业务经营许可证不会用它开头。",
                        f"“{abbr}” stands for {en}, which is not one of the 31 mainland provinces; "
                        "mainland licence numbers do not start with it.")
    return _problem("unknown_province", f"开头的“{abbr}”不是内地省份的简称（例如 京、沪、粤）。",
                    f"“{abbr}” at the start is not a mainland province abbreviation (e.g. 京, 沪, 粤).")


def _year(year: int, today: date | None) -> Problem | None:
    latest = today.year if today else 2100
    if 1994 <= year <= latest:
        return None
    return _problem("bad_year", f"编号中的年份 {year} 不合理（应在1994年到{latest}年之间）。",
                    f"The year {year} in the number is not plausible (expected 1994–{latest}).")


def _parse_modern(m: re.Match[str], today: date | None) -> LicenseNumber | Problem:
    province = _province(m["prov"])
    if isinstance(province, Problem):
        return province
    cats = tuple(m["cats"].split("."))
    for cat in cats:
        if cat in CATEGORY_NAMES:
            continue
        if cat in SERVICE_NAMES:
            zh, en = SERVICE_NAMES[cat]
            return _problem("service_code", f"“{cat}”是业务代码（{zh}），许可证编号中只写大类，例如 {cat[:2]}-20210001。",
                            f"“{cat}” is a service code ({en}); licence numbers carry only the class, "
                            f"e.g. {cat[:2]}-20210001.")
        return _problem("bad_category", f"“{cat}”不是电信业务类别；编号中的类别只能是 A1、A2、B1、B2。",
                        f"“{cat}” is not a telecom category; a licence number carries A1, A2, B1 or B2.")
    if len(set(cats)) != len(cats):
        return _problem("duplicate_category", f"类别“{m['cats']}”中有重复。", f"“{m['cats']}” repeats a category.")
    digits = m["digits"]
    if len(digits) != 8:
        return _problem("bad_digits", f"“-”后面应是8位数字（4位年份+4位序号），这里是{len(digits)}位。",
                        f"After “-” come 8 digits (4 for the year, 4 for the serial); this has {len(digits)}.")
    year = int(digits[:4])
    if (bad := _year(year, today)) is not None:
        return bad
    prefix = (province.abbr if province else "") + ("合字" if m["foreign"] else "")
    return LicenseNumber(text=f"{prefix}{'.'.join(cats)}-{digits}",
                         kind=PROVINCIAL if province else CROSS_REGION, province=province,
                         categories=cats, year=year, serial=digits[4:], foreign=bool(m["foreign"]))


def _parse_legacy(m: re.Match[str], today: date | None) -> LicenseNumber | Problem:
    province = _province(m["prov"])
    if isinstance(province, Problem):
        return province
    if province is None:
        return _problem("legacy_no_province", "旧版ICP证编号以省份简称开头，例如 京ICP证030173号。",
                        "Old-style ICP licence numbers start with a province abbreviation, e.g. 京ICP证030173号.")
    digits = m["digits"]
    if len(digits) != 6:
        return _problem("bad_digits", f"旧版ICP证编号中应是6位数字（2位年份+4位序号），这里是{len(digits)}位。",
                        f"Old-style ICP licence numbers carry 6 digits (2 for the year, 4 for the serial); "
                        f"this has {len(digits)}.")
    yy = int(digits[:2])
    year = 1900 + yy if yy >= 90 else 2000 + yy
    if (bad := _year(year, today)) is not None:
        return bad
    return LicenseNumber(text=f"{province.abbr}ICP证{digits}号", kind=LEGACY_ICP, province=province,
                         categories=("B2",), year=year, serial=digits[2:], foreign=False)


def check_license_number(number: LicenseNumber, license_code: str, scope: str | None = None,
                         province: Province | str | None = None,
                         expected: tuple[str, str] | None = None) -> list[Problem]:
    """What in the number contradicts the licence type, scope (provincial/nationwide) and province.

    `expected` = (class, service code), e.g. ("B2", "B25"), for licence types not in LICENSE_CATEGORY.
    """
    problems: list[Problem] = []
    wanted = expected or LICENSE_CATEGORY.get(license_code)
    if wanted is not None and wanted[0] in CATEGORY_NAMES:
        cls, service = wanted
        cls_zh, cls_en = CATEGORY_NAMES[cls]
        svc_zh, svc_en = SERVICE_NAMES.get(service, (service, service))
        if number.kind == LEGACY_ICP and license_code != "icp":
            problems.append(_problem(
                "legacy_not_icp", f"“{number.text}”是旧版ICP经营许可证的编号，而您选择的业务是{svc_zh}。",
                f"“{number.text}” is an old-style ICP licence number, but you chose {svc_en}."))
        elif cls not in number.categories:
            have = "、".join(number.categories)
            problems.append(_problem(
                "category_mismatch",
                f"编号中的类别是 {have}，而{svc_zh}属于{cls_zh}（{cls}，{service}），编号中应含 {cls}。",
                f"The number carries {', '.join(number.categories)}, but {svc_en} is {cls_en} "
                f"({cls}, {service}); its number should contain {cls}."))
        if cls.startswith("A") and number.kind == PROVINCIAL:
            problems.append(_problem(
                "basic_with_province", f"{svc_zh}是基础电信业务，由工业和信息化部颁发，编号通常不带省份简称。",
                f"{svc_en} is basic telecom, issued by MIIT; its number normally has no province abbreviation."))
    wanted_province = find_province(province) if isinstance(province, str) else province
    if scope == "nationwide" and number.kind != CROSS_REGION:
        problems.append(_problem(
            "scope_provincial_number",
            f"“{number.text}”以“{number.province.abbr if number.province else ''}”开头，是省通信管理局颁发的地网许可证；"
            "全网（跨地区）许可证由工业和信息化部颁发，编号不带省份简称，例如 B2-20190001。",
            f"“{number.text}” starts with a province abbreviation: a provincial licence. Cross-region licences are "
            "issued by MIIT and carry no province abbreviation, e.g. B2-20190001."))
    elif scope == "provincial" and number.kind == CROSS_REGION:
        problems.append(_problem(
            "scope_cross_region_number",
            f"“{number.text}”没有省份简称，是工业和信息化部颁发的跨地区（全网）许可证的编号，与您选择的地网不符。",
            f"“{number.text}” has no province abbreviation: it is a cross-region licence issued by MIIT, "
            "not a provincial one."))
    elif (scope in (None, "provincial") and wanted_province is not None and number.province is not None
          and number.province != wanted_province):
        problems.append(_problem(
            "province_mismatch",
            f"编号开头的“{number.province.abbr}”代表{number.province.name}，与您选择的{wanted_province.name}不一致。",
            f"“{number.province.abbr}” at the start means {number.province.en}, not {wanted_province.en} "
            "as you chose."))
    return problems


def describe(number: LicenseNumber, lang: str = "zh") -> str:
    """One sentence explaining a parsed number."""
    cats_zh = "、".join(f"{c} {CATEGORY_NAMES[c][0]}" for c in number.categories)
    cats_en = ", ".join(f"{c} {CATEGORY_NAMES[c][1]}" for c in number.categories)
    if number.kind == CROSS_REGION:
        who_zh, who_en = "工业和信息化部颁发的跨地区（全网）许可证", "a cross-region licence issued by MIIT"
    else:
        p = number.province
        assert p is not None
        who_zh, who_en = f"{p.name}通信管理局颁发的许可证（地网）", f"a provincial licence issued in {p.en}"
    foreign_zh, foreign_en = ("，外商投资企业（合字）", ", foreign-invested (合字)") if number.foreign else ("", "")
    return pick(lang, f"{number.text}：{who_zh}，{cats_zh}，{number.year}年第{number.serial}号{foreign_zh}。",
                f"{number.text}: {who_en}, {cats_en}, {number.year} no. {number.serial}{foreign_en}.")


def _problem(code: str, zh: str, en: str) -> Problem:
    return Problem(code, zh, en)
