"""The provincial communications administrations (knowledge/provinces.yaml): who licenses what in
each province, and the line naming the client's authority under a province-dependent answer.

Loaded and validated like the other knowledge files: every error names the file and the entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.language import Text, pick
from bot.provinces import PROVINCES, find_province
from bot.yamlfile import read_yaml
from knowledge.codes import TOPICS
from knowledge.entries import Entry, KnowledgeError

SHIPPED_FILE = Path(__file__).resolve().parent / "provinces.yaml"
CHECKS = {"D", "S1", "S2", "S3", ""}  # what a website was checked against (see the file's header)
BASIC_TELECOM = ("data_transfer", "premises_network", "hosting")  # licensed by MIIT only
_WEBSITE = re.compile(r"^https://[a-z]+\.miit\.gov\.cn$")
# Wording of an answer that says the rule or the procedure depends on the province.
_VARIES = re.compile(r"各省|各地|以当地|当地管局|当地通信管理局|因省而异|省份不同|不同省份|视省份|部分省份|有的省|个别省|"
                     r"varies by province|depends on the province|local administration|some provinces", re.I)


@dataclass(frozen=True)
class Note:
    text: Text
    source: str
    topics: tuple[str, ...]  # empty: every province-dependent answer


@dataclass(frozen=True)
class Authority:
    province: str  # short name, as bot/provinces.py
    name: Text  # 北京市通信管理局 / Beijing Communications Administration
    website: str  # "" when no source confirmed it
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True)
class Authorities:
    licenses: Text  # what a provincial administration licenses
    source: str
    by_province: dict[str, Authority]

    def get(self, province: str) -> Authority | None:
        found = find_province(province)
        return self.by_province.get(found.name) if found else None


def depends_on_province(entry: Entry) -> bool:
    """Whether the answer depends on the province: the entry says so (`varies_by_province`), or,
    when it does not say, its topic is the annual report or its answer says the province decides.
    Basic telecom is licensed by MIIT only, never by a province."""
    if entry.license in BASIC_TELECOM:
        return False
    if entry.varies_by_province is not None:
        return entry.varies_by_province
    return entry.topic == "annual_report" or bool(_VARIES.search(entry.zh.answer))


def authority_line(authority: Authority, entry: Entry, lang: str, why: Text) -> str:
    """'您的省份（北京，…）：北京市通信管理局（https://bjca.miit.gov.cn）' plus the notes for the topic."""
    site = pick(lang, f"（{authority.website}）", f" ({authority.website})")
    site = site if authority.website else ""
    label = find_province(authority.province)
    place = label.label(lang) if label else authority.province
    lines = [pick(lang, f"您所在省份（{place}，{why.zh}）的主管机关：{authority.name.zh}{site}，具体以其通知为准。",
                  f"Your province ({place}, {why.en}): {authority.name.en}{site} decides the local details.")]
    for note in authority.notes:
        if not note.topics or entry.topic in note.topics:
            lines.append(note.text.get(lang))
    return "\n".join(lines)


def _text(raw: dict[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeError(f"{where}: '{key}' must be a non-empty string")
    return value.strip()


def _authority(raw: Any, where: str) -> Authority:
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{where}: expected a mapping with province, authority, authority_en, website")
    unknown = set(raw) - {"province", "authority", "authority_en", "website", "website_checked"}
    if unknown:
        raise KnowledgeError(f"{where}: unknown keys {sorted(unknown)}")
    province = _province(raw, where)
    name = _text(raw, "authority", where)
    if not name.startswith(province) or not name.endswith("通信管理局"):
        raise KnowledgeError(f"{where}: authority '{name}' should read {province}…通信管理局")
    website = raw.get("website") or ""
    checked = raw.get("website_checked") or ""
    if not isinstance(website, str) or (website and not _WEBSITE.match(website)):
        raise KnowledgeError(f"{where}: website '{website}' should look like https://bjca.miit.gov.cn")
    if checked not in CHECKS or bool(checked) != bool(website):
        raise KnowledgeError(f"{where}: website_checked must be one of D, S1, S2, S3 for a website, "
                             "and empty without one")
    return Authority(province, Text(name, _text(raw, "authority_en", where)), website)


def _province(raw: dict[str, Any], where: str) -> str:
    name = _text(raw, "province", where)
    found = find_province(name)
    if found is None or found.name != name:
        raise KnowledgeError(f"{where}: '{name}' is not the short name of a mainland province (e.g. 北京, 内蒙古)")
    return name


def _note(raw: Any, where: str) -> tuple[str, Note]:
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{where}: expected a mapping with province, zh, en, source")
    unknown = set(raw) - {"province", "topics", "zh", "en", "source"}
    if unknown:
        raise KnowledgeError(f"{where}: unknown keys {sorted(unknown)}")
    topics = raw.get("topics") or []
    if not isinstance(topics, list) or any(t not in TOPICS for t in topics):
        raise KnowledgeError(f"{where}: 'topics' must be a list of topic codes ({', '.join(TOPICS)})")
    note = Note(Text(_text(raw, "zh", where), _text(raw, "en", where)), _text(raw, "source", where), tuple(topics))
    return _province(raw, where), note


def load_authorities(path: Path | None = None) -> Authorities:
    """Read and check provinces.yaml: all 31 provinces once each, notes only with a source."""
    path = path or SHIPPED_FILE
    data = read_yaml(path, KnowledgeError)
    if not isinstance(data, dict):
        raise KnowledgeError(f"{path.name}: expected a mapping with licenses, authorities, notes")
    raw_licenses = data.get("licenses")
    if not isinstance(raw_licenses, dict):
        raise KnowledgeError(f"{path.name}: licenses: expected a mapping with zh, en, source")
    licenses = Text(_text(raw_licenses, "zh", f"{path.name}: licenses"), _text(raw_licenses, "en", f"{path.name}: licenses"))
    source = _text(raw_licenses, "source", f"{path.name}: licenses")
    by_province: dict[str, Authority] = {}
    raw_list = data.get("authorities")
    if not isinstance(raw_list, list):
        raise KnowledgeError(f"{path.name}: authorities: expected a list")
    for i, raw in enumerate(raw_list):
        where = f"{path.name}: authorities #{i + 1}" + (f" ({raw.get('province')})" if isinstance(raw, dict) else "")
        authority = _authority(raw, where)
        if authority.province in by_province:
            raise KnowledgeError(f"{where}: {authority.province} is listed twice")
        by_province[authority.province] = authority
    missing = [p.name for p in PROVINCES if p.name not in by_province]
    if missing:
        raise KnowledgeError(f"{path.name}: authorities: missing {', '.join(missing)}")
    notes = data.get("notes") or []
    if not isinstance(notes, list):
        raise KnowledgeError(f"{path.name}: notes: expected a list")
    for i, raw in enumerate(notes):
        province, note = _note(raw, f"{path.name}: notes #{i + 1}")
        a = by_province[province]
        by_province[province] = Authority(a.province, a.name, a.website, (*a.notes, note))
    return Authorities(licenses, source, by_province)
