"""Reading and writing the licence list as CSV or .xlsx, with English or Chinese headers."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

HEADER: tuple[str, ...] = ("company", "license_type", "license_number", "scope", "province", "issued_on",
                           "expires_on", "channel", "chat_id")
ZH_HEADER: dict[str, str] = {
    "公司名称": "company", "许可证类型": "license_type", "许可证编号": "license_number", "经营范围": "scope",
    "省份": "province", "发证日期": "issued_on", "到期日期": "expires_on", "渠道": "channel", "联系人ID": "chat_id",
}
REQUIRED: tuple[str, ...] = ("company", "license_type", "license_number", "expires_on")
MAX_BYTES = 100 * 1024 * 1024
MAX_ROWS = 500_000
Cell = str | int | float | date | datetime | None


class TableError(ValueError):
    """The file as a whole cannot be read (its rows are never half-imported)."""


def read_rows(path: Path) -> tuple[dict[int, str], list[tuple[int, list[Cell]]]]:
    """(column index → field name, [(row number as a spreadsheet shows it, cells)]) of a CSV or .xlsx file."""
    if not path.is_file():
        raise TableError(f"{path}: no such file")
    if path.stat().st_size > MAX_BYTES:
        raise TableError(f"{path}: larger than {MAX_BYTES // 1024 // 1024} MB; split it into several files")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        rows = _xlsx_rows(path)
    elif suffix in (".csv", ".txt", ".tsv"):
        rows = _csv_rows(path)
    elif suffix == ".xls":
        raise TableError(f"{path}: old .xls files are not read; save it as .xlsx or CSV")
    else:
        raise TableError(f"{path}: expected a .csv or .xlsx file")
    numbered = [(i, cells) for i, cells in enumerate(rows, 1) if any(_filled(c) for c in cells)]
    if not numbered:
        raise TableError(f"{path}: the file is empty")
    if len(numbered) > MAX_ROWS + 1:
        raise TableError(f"{path}: more than {MAX_ROWS} rows; split it into several files")
    (_, header), body = numbered[0], numbered[1:]
    return map_header(path, header), body


def map_header(path: Path, cells: Sequence[Cell]) -> dict[int, str]:
    columns: dict[int, str] = {}
    for i, cell in enumerate(cells):
        name = str(cell or "").strip().lstrip("\ufeff")
        field = ZH_HEADER.get(name) or (name.lower() if name.lower() in HEADER else None)
        if field is not None:
            if field in columns.values():
                raise TableError(f"{path}: column {name!r} appears twice in the header")
            columns[i] = field
    missing = [f for f in REQUIRED if f not in columns.values()]
    if missing:
        raise TableError(f"{path}: the first row must be the header ({','.join(HEADER)}, or 公司名称,许可证类型,…); "
                         f"missing: {', '.join(missing)}")
    return columns


def _filled(cell: Cell) -> bool:
    return cell is not None and str(cell).strip() != ""


def _csv_rows(path: Path) -> list[list[Cell]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TableError(f"{path}: not UTF-8 or GB18030 text")
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    try:
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise TableError(f"{path}: not valid CSV: {exc}") from None


def _xlsx_rows(path: Path) -> list[list[Cell]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise TableError(f"{path}: not a readable .xlsx file ({type(exc).__name__})") from None
    try:
        sheet = book.worksheets[0]
        return [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def write_rows(path: Path, rows: Sequence[Sequence[Any]], chinese: bool = False) -> None:
    """Write the header and rows; .xlsx gets date cells, CSV is UTF-8 with a BOM (Excel opens it right)."""
    header = list(ZH_HEADER) if chinese else list(HEADER)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("licenses")
        sheet.append(header)
        for row in rows:
            sheet.append(list(row))
        book.save(path)
        return
    if path.suffix.lower() not in (".csv", ".txt"):
        raise TableError(f"{path}: expected a .csv or .xlsx file name")
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v.isoformat() if isinstance(v, date) else v for v in row])
