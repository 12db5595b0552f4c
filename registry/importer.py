"""`licensebot licenses import/export`: the consultants' client list in and out, idempotent by number.

Every row is checked like a chat answer (shared parsers); good rows are imported, bad ones are
reported with their row number and why. Importing the same file twice changes nothing.
Licence types are read as people type them in spreadsheets: the code, the Chinese or English name,
any name of knowledge/aliases.yaml, or one the caller's hooks add (the checklist's: 呼叫中心, EDI证,
IDC证 …). A licence that has already expired is imported with a warning for its row, and handed to the
hooks' `lapsed` (renewal cases mark its case lapsed).

The registry knows no feature above it: what other features make of an import comes in as
`ImportHooks` (cases/licence_import.py builds them for the CLI and the console).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from bot.dates import parse_date
from bot.language import pick
from bot.license_numbers import check_license_number, parse_license_number
from bot.problems import Problem
from bot.provinces import find_province
from bot.steps import Option, match_option
from bot.storage.db import Database
from knowledge.aliases import load_aliases
from knowledge.codes import LICENSES
from registry import service as registry
from registry.fields import MAX_YEARS_AHEAD, license_options, parse_company, scope_of
from registry.models import License, Subscription
from registry.table_io import Cell, read_rows, write_rows

CHANNELS = ("telegram", "wecom", "console")
CHUNK = 500
EXCEL_EPOCH = date(1899, 12, 30)
Progress = Callable[[int, int], None]
Lapsed = Callable[[Session, License, date, datetime], None]


@dataclass(frozen=True)
class ImportHooks:
    """What the features above the registry add to an import; the caller hands them in.

    type_names: more names a spreadsheet may use for a licence type, by its code.
    lapsed: called in the batch's session for each licence imported already expired.
    """

    type_names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    lapsed: Lapsed | None = None


@dataclass(frozen=True)
class BadRow:
    row: int  # as a spreadsheet numbers it: the header is row 1
    zh: str
    en: str

    def reason(self, lang: str) -> str:
        return pick(lang, self.zh, self.en)


@dataclass(frozen=True)
class GoodRow:
    row: int
    data: registry.LicenseData
    channel: str
    chat_id: str


@dataclass
class ImportReport:
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    subscriptions: int = 0  # new (licence, chat) subscriptions
    bad: list[BadRow] = field(default_factory=list)
    warnings: list[BadRow] = field(default_factory=list)  # imported, but worth a look (e.g. already expired)


def type_options(more: Mapping[str, tuple[str, ...]]) -> tuple[Option, ...]:
    """Licence types with every name a spreadsheet may use for them (`more`: the hooks' names)."""
    names = load_aliases().names
    return tuple(Option(o.value, o.zh, o.en, (*o.aliases, *names.get(o.value, ()), *more.get(o.value, ())))
                 for o in license_options())


def _bad(row: int, zh: str, en: str) -> BadRow:
    return BadRow(row, zh, en)


def _text(cell: Cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)  # a chat id typed into Excel comes back as 123456789.0
    return "" if cell is None else str(cell).strip()


def read_date(cell: Cell, today: date) -> date | Problem | None:
    """A date cell, an Excel serial number, or text in any form the chat accepts; None if empty."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, int | float) and 20000 < cell < 80000:
        return EXCEL_EPOCH + timedelta(days=int(cell))
    text = _text(cell)
    if text.isdigit() and len(text) == 5 and 20000 < int(text) < 80000:  # a serial that came through as text
        return EXCEL_EPOCH + timedelta(days=int(text))
    return parse_date(text, today) if text else None


def check_row(row: int, values: dict[str, Cell], today: date, types: tuple[Option, ...]) -> GoodRow | BadRow:
    """One row, checked as carefully as a chat answer (`types`: type_options())."""
    company = parse_company(_text(values.get("company")))
    if isinstance(company, Problem):
        return _bad(row, f"公司名称：{company.zh}", f"company: {company.en}")
    raw_type = _text(values.get("license_type"))
    option = match_option(types, raw_type) if raw_type else None
    if option is None:
        return _bad(row, f"未知的许可证类型“{raw_type[:30]}”（可填代码 icp、edi、idc，或名称如 ICP证、呼叫中心、EDI证）",
                    f"unknown licence type {raw_type[:30]!r} (a code such as icp, edi, idc, or a name such as "
                    "ICP证, 呼叫中心, EDI证)")
    number = parse_license_number(_text(values.get("license_number")), today)
    if isinstance(number, Problem):
        return _bad(row, f"许可证编号有误：{number.zh}", f"malformed licence number: {number.en}")
    raw_scope = _text(values.get("scope"))
    scope = scope_of(raw_scope) if raw_scope else number.scope
    if scope is None:
        return _bad(row, f"经营范围“{raw_scope[:20]}”无法识别（地网/全网、省内/跨地区、provincial/nationwide）",
                    f"unknown scope {raw_scope[:20]!r} (provincial or nationwide; 地网/全网/省内/跨地区)")
    raw_province = _text(values.get("province"))
    province = find_province(raw_province) if raw_province else number.province
    if scope == "provincial" and province is None:
        return _bad(row, f"省份“{raw_province[:20]}”无法识别" if raw_province else "地网许可证需要填写省份",
                    f"unknown province {raw_province[:20]!r}" if raw_province else "a provincial licence needs a province")
    problems = check_license_number(number, option.value, scope, province)
    if problems:
        return _bad(row, f"编号与类型/范围/省份不符：{problems[0].zh}", f"number does not match: {problems[0].en}")
    dates: dict[str, date | None] = {}
    for name, label in (("issued_on", "发证日期"), ("expires_on", "到期日期")):
        value = read_date(values.get(name), today)
        if isinstance(value, Problem):
            return _bad(row, f"{label}有误：{value.zh}", f"bad date in {name}: {value.en}")
        dates[name] = value
    expires, issued = dates["expires_on"], dates["issued_on"]
    if expires is None:
        return _bad(row, "缺少到期日期", "bad date: expires_on is empty")
    if expires > today + timedelta(days=366 * MAX_YEARS_AHEAD):  # expired licences may be listed; typos not
        return _bad(row, f"到期日期 {expires} 太远了，请核对", f"bad date: expires_on {expires} is too far ahead")
    if issued is not None and issued >= expires:
        return _bad(row, "发证日期不早于到期日期", "bad date: issued_on is not before expires_on")
    channel, chat_id = _text(values.get("channel")).lower(), _text(values.get("chat_id"))
    if bool(channel) != bool(chat_id):
        return _bad(row, "渠道和联系人ID要么都填，要么都不填", "channel and chat_id go together: fill both or neither")
    if channel and channel not in CHANNELS:
        return _bad(row, f"未知的渠道“{channel[:20]}”（{'/'.join(CHANNELS)}）",
                    f"unknown channel {channel[:20]!r} ({'/'.join(CHANNELS)})")
    if len(chat_id) > 128:
        return _bad(row, "联系人ID太长", "chat_id is too long")
    data = registry.LicenseData(number.text, company["company"], option.value, scope,
                                province.name if province is not None and scope == "provincial" else "",
                                expires, issued)
    return GoodRow(row, data, channel, chat_id)


def check_file(path: Path, today: date, type_names: Mapping[str, tuple[str, ...]]
               ) -> tuple[list[GoodRow], list[BadRow], int]:
    """All rows of a file: the good ones and the bad ones (with duplicates within the file marked)."""
    columns, rows = read_rows(path)
    types = type_options(type_names)
    good: list[GoodRow] = []
    bad: list[BadRow] = []
    seen: dict[str, GoodRow] = {}
    contacts: set[tuple[str, str, str]] = set()
    for row, cells in rows:
        values = {name: cells[i] if i < len(cells) else None for i, name in columns.items()}
        checked = check_row(row, values, today, types)
        if isinstance(checked, GoodRow):
            first = seen.setdefault(checked.data.number, checked)
            key = (checked.data.number, checked.channel, checked.chat_id)
            if first.data != checked.data:
                checked = _bad(row, f"编号重复：与第{first.row}行的编号相同但内容不同",
                               f"duplicate number: row {first.row} has it with other details")
            elif key in contacts:
                checked = _bad(row, f"重复行：与第{first.row}行相同", f"duplicate number: same as row {first.row}")
            contacts.add(key)
        if isinstance(checked, GoodRow):
            good.append(checked)
        else:
            bad.append(checked)
    return good, bad, len(rows)


def import_file(db: Database, path: Path, today: date, now: datetime,
                progress: Progress = lambda _done, _total: None, *, hooks: ImportHooks) -> ImportReport:
    """Import the good rows of a file (in batches), report the bad ones. Re-importing changes nothing."""
    good, bad, total = check_file(path, today, hooks.type_names)
    report = ImportReport(rows=total, bad=bad)
    report.warnings = [_bad(r.row, f"许可证 {r.data.number} 已于{r.data.expires_on}到期，按已失效导入（续期案件状态：已失效）",
                            f"licence {r.data.number} expired on {r.data.expires_on}; imported as lapsed")
                       for r in good if r.data.expires_on < today]
    progress(len(bad), total)
    for start in range(0, len(good), CHUNK):
        batch = good[start:start + CHUNK]
        with db.session() as session:
            _apply(session, batch, report, today, now, hooks.lapsed)
        progress(len(bad) + start + len(batch), total)
    return report


def _apply(session: Session, batch: list[GoodRow], report: ImportReport, today: date, now: datetime,
           lapsed: Lapsed | None) -> None:
    numbers = list({r.data.number for r in batch})
    known = {lic.number: lic for lic in session.execute(select(License).where(License.number.in_(numbers))).scalars()}
    touched: set[str] = set()
    for r in batch:
        lic = known.get(r.data.number)
        if lic is None:
            lic = registry.new_license(r.data, today, now, source="import")
            session.add(lic)
            session.flush()
            known[lic.number] = lic
            report.added += 1
        elif r.data.number not in touched:
            changed = registry.apply_data(session, lic, r.data, today, now)
            report.updated += changed
            report.unchanged += not changed
        touched.add(r.data.number)
        if r.data.expires_on < today and lapsed is not None:
            lapsed(session, lic, today, now)
        if r.channel:
            _, new = registry.subscribe(session, lic, r.channel, r.chat_id, r.chat_id, "zh", now)
            report.subscriptions += new


ZH_SCOPES = {"provincial": "地网", "nationwide": "全网"}


def export_file(db: Database, path: Path, chinese: bool = False) -> int:
    """Write every licence (one row per subscriber chat; licences without one get a row too). With Chinese
    headers the values are Chinese too (ICP经营许可证, 地网), and import reads them back."""
    query = (select(License, Subscription).outerjoin(Subscription, Subscription.license_id == License.id)
             .order_by(License.id, Subscription.id))
    rows: list[list[Any]] = []
    seen: set[tuple[int, str, str]] = set()
    with db.session() as session:
        for lic, sub in session.execute(query):
            channel, chat = (sub.channel, sub.chat_id) if sub is not None else ("", "")
            if (lic.id, channel, chat) in seen:  # several users in one group chat: one row per chat
                continue
            seen.add((lic.id, channel, chat))
            kind, scope = ((LICENSES.get(lic.license_type, lic.license_type), ZH_SCOPES.get(lic.scope, lic.scope))
                           if chinese else (lic.license_type, lic.scope))
            rows.append([lic.company, kind, lic.number, scope, lic.province, lic.issued_on, lic.expires_on,
                         channel, chat])
    write_rows(path, rows, chinese)
    return len(rows)

