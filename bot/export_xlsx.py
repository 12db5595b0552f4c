"""The renewal checklist as an .xlsx workbook a client can share: dates, items, notes, a status column."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from knowledge.checklist_plan import Plan, describe_answers
from knowledge.checklist_rules import ChecklistRules

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUSES = {"zh": ("未开始", "准备中", "已完成", "不适用"), "en": ("To do", "In progress", "Done", "N/A")}
_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")


def checklist_filename(plan: Plan) -> str:
    return f"renewal-checklist-{plan.answers.license}-{plan.answers.expires.isoformat()}.xlsx"


def _header(ws: Worksheet, row: int, labels: tuple[str, ...]) -> None:
    for col, label in enumerate(labels, 1):
        cell = ws.cell(row=row, column=col, value=label)
        cell.font, cell.fill = _BOLD, _HEADER_FILL


def checklist_xlsx(rules: ChecklistRules, plan: Plan, lang: str = "zh") -> bytes:
    """One sheet: the summary and banner, the timeline, then the items with a status drop-down."""
    zh = lang != "en"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "续期清单" if zh else "Checklist"
    title = ("续期清单" if plan.application == "renewal" else "重新申请清单") if zh else (
        "Renewal checklist" if plan.application == "renewal" else "New application checklist")
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=describe_answers(rules, plan.answers, lang))
    ws.cell(row=3, column=1, value=plan.banner(lang)).font = Font(bold=True, color="C00000")
    ws.cell(row=4, column=1, value=("生成日期：" if zh else "Made on: ") + plan.today.isoformat())

    row = 6
    ws.cell(row=row, column=1, value="时间表" if zh else "Timeline").font = _BOLD
    row += 1
    _header(ws, row, ("日期", "事项", "说明") if zh else ("Date", "Milestone", "Note"))
    for d in plan.dates:
        row += 1
        ws.cell(row=row, column=1, value=d.on).number_format = "yyyy-mm-dd"
        ws.cell(row=row, column=2, value=d.milestone.label.get(lang))
        ws.cell(row=row, column=3, value=d.milestone.note.get(lang))

    row += 2
    ws.cell(row=row, column=1, value="材料与事项" if zh else "Items").font = _BOLD
    row += 1
    _header(ws, row, ("序号", "分组", "事项", "说明", "备注", "依据", "状态", "负责人", "完成日期") if zh else
            ("No.", "Group", "Item", "What it is", "Notes", "Source", "Status", "Owner", "Done on"))
    first_item_row = row + 1
    groups = {g.id: g.name.get(lang) for g in rules.groups}
    for n, m in enumerate(plan.items, 1):
        row += 1
        notes = []
        if m.first:
            notes.append("先办" if zh else "do first")
        if m.confirm:
            notes.append("非法定，部分省份可能要求" if zh else "not a rule; some provinces may ask")
        values = (n, groups[m.group], m.title.get(lang), m.what.get(lang), "；".join(notes) if zh else "; ".join(notes),
                  m.source, STATUSES[lang if lang == "en" else "zh"][0], "", None)
        for col, value in enumerate(values, 1):
            ws.cell(row=row, column=col, value=value).alignment = _WRAP
    statuses = STATUSES["en" if not zh else "zh"]
    validation = DataValidation(type="list", formula1='"' + ",".join(statuses) + '"', allow_blank=True)
    ws.add_data_validation(validation)
    if plan.items:
        validation.add(f"G{first_item_row}:G{row}")
    for col, width in zip("ABCDEFGHI", (12, 18, 36, 60, 22, 28, 10, 12, 12), strict=True):
        ws.column_dimensions[col].width = width
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
