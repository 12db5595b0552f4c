"""A case as one .zip for the consultant: every stored file, by item, plus an index sheet (.xlsx)."""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlmodel import Session

from bot.language import pick
from cases.files import clean_name
from cases.items import label_of
from cases.models import RenewalCase
from cases.service import files_of, items_of, status_label, submit_by
from checklist.rules import ChecklistRules
from registry.models import License

ZIP_MIME = "application/zip"
INDEX_NAME = "index.xlsx"


def archive_name(lic: License, case: RenewalCase) -> str:
    return f"case-{case.id}-{clean_name(lic.number)}-cycle{case.cycle}.zip"


def index_sheet(session: Session, rules: ChecklistRules, case: RenewalCase, lic: License, lang: str = "zh") -> bytes:
    """One row per item (and per file of it): item, status, reason, the file's name in the archive."""
    wb = Workbook()
    ws = wb.active
    ws.title = pick(lang, "材料清单", "Items")
    ws.append([pick(lang, "许可证", "Licence"), lic.number, pick(lang, "公司", "Company"), lic.company])
    ws.append([pick(lang, "案件状态", "Status"), status_label(case.status, lang),
               pick(lang, "最晚提交日", "Submit by"), submit_by(lic).isoformat()])
    ws.append([])
    ws.append(pick(lang, ["序号", "材料", "状态", "退回原因", "文件", "文件状态"],
                   ["#", "Item", "Status", "Reason", "File", "File status"]))
    for cell in ws[4]:
        cell.font = Font(bold=True)
    by_item: dict[str, list[str]] = {}
    status_of: dict[str, str] = {}
    for f in files_of(session, case):
        name = member_name(f.item_key, f.id or 0, f.filename)
        by_item.setdefault(f.item_key, []).append(name)
        status_of[name] = status_label(f.status, lang)
    for n, item in enumerate(items_of(session, case), 1):
        names = by_item.get(item.key) or [""]
        for name in names:
            ws.append([n, label_of(rules, item.key, lang), status_label(item.status, lang), item.reason, name,
                       status_of.get(name, "")])
    for column, width in zip("ABCDEF", (6, 40, 14, 30, 50, 12), strict=True):
        ws.column_dimensions[column].width = width
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def member_name(item_key: str, file_id: int, filename: str) -> str:
    return f"{item_key or 'unassigned'}/{file_id}-{filename}"


def case_archive(session: Session, rules: ChecklistRules, case: RenewalCase, lic: License,
                 lang: str = "zh") -> tuple[bytes, list[str]]:
    """The zip's bytes, and the names of stored files that were missing on disk (left out)."""
    out = BytesIO()
    missing: list[str] = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(INDEX_NAME, index_sheet(session, rules, case, lic, lang))
        for f in files_of(session, case):
            path = Path(f.path)
            if not path.is_file():
                missing.append(f.filename)
                continue
            zf.write(path, member_name(f.item_key, f.id or 0, f.filename))
    return out.getvalue(), missing
