"""The renewal checklist and the compliance check-up as .xlsx workbooks a client can share: dates,
items, notes, a status column."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from bot.language import pick
from checklist.checkup_result import MARKS, STATUS_NAMES, Checkup, summary_text
from checklist.plan import Plan, describe_answers
from checklist.rules import ChecklistRules

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


def _sheet(name: str, title: str) -> tuple[Workbook, Worksheet]:
    """A workbook of one sheet called `name`, with `title` in large bold at A1."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = name
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    return wb, ws


def _finish(wb: Workbook, ws: Worksheet, lang: str, status_cells: str | None, widths: tuple[int, ...]) -> bytes:
    """The status drop-down on `status_cells` (e.g. "G5:G20"; None: no rows), column widths, the file's bytes."""
    validation = DataValidation(type="list", formula1='"' + ",".join(STATUSES[pick(lang, "zh", "en")]) + '"',
                                allow_blank=True)
    ws.add_data_validation(validation)
    if status_cells is not None:
        validation.add(status_cells)
    for col, width in zip("ABCDEFGHIJK", widths, strict=False):
        ws.column_dimensions[col].width = width
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def checklist_xlsx(rules: ChecklistRules, plan: Plan, lang: str = "zh") -> bytes:
    """One sheet: the summary and banner, the timeline, then the items with a status drop-down."""
    renewal = plan.application == "renewal"
    wb, ws = _sheet(pick(lang, "续期清单", "Checklist"), pick(lang, "续期清单" if renewal else "重新申请清单",
                                                              "Renewal checklist" if renewal else "New application checklist"))
    ws.cell(row=2, column=1, value=describe_answers(rules, plan.answers, lang))
    ws.cell(row=3, column=1, value=plan.banner(lang)).font = Font(bold=True, color="C00000")
    ws.cell(row=4, column=1, value=pick(lang, "生成日期：", "Made on: ") + plan.today.isoformat())

    row = 6
    ws.cell(row=row, column=1, value=pick(lang, "时间表", "Timeline")).font = _BOLD
    row += 1
    _header(ws, row, pick(lang, ("日期", "事项", "说明"), ("Date", "Milestone", "Note")))
    for d in plan.dates:
        row += 1
        ws.cell(row=row, column=1, value=d.on).number_format = "yyyy-mm-dd"
        ws.cell(row=row, column=2, value=d.milestone.label.get(lang))
        ws.cell(row=row, column=3, value=d.milestone.note.get(lang))

    row += 2
    ws.cell(row=row, column=1, value=pick(lang, "材料与事项", "Items")).font = _BOLD
    row += 1
    _header(ws, row, pick(lang, ("序号", "分组", "事项", "说明", "备注", "依据", "状态", "负责人", "完成日期"),
                          ("No.", "Group", "Item", "What it is", "Notes", "Source", "Status", "Owner", "Done on")))
    first_item_row = row + 1
    groups = {g.id: g.name.get(lang) for g in rules.groups}
    for n, m in enumerate(plan.items, 1):
        row += 1
        notes = []
        if m.first:
            notes.append(pick(lang, "先办", "do first"))
        if m.confirm:
            notes.append(pick(lang, "非法定，部分省份可能要求", "not a rule; some provinces may ask"))
        values = (n, groups[m.group], m.title.get(lang), m.what.get(lang), pick(lang, "；", "; ").join(notes),
                  m.source, STATUSES[pick(lang, "zh", "en")][0], "", None)
        for col, value in enumerate(values, 1):
            ws.cell(row=row, column=col, value=value).alignment = _WRAP
    return _finish(wb, ws, lang, f"G{first_item_row}:G{row}" if plan.items else None,
                   (12, 18, 36, 60, 22, 28, 10, 12, 12))


_STATUS_FILLS = {"red": "F8CBAD", "amber": "FFE699", "green": "C6EFCE"}


def checkup_filename(result: Checkup) -> str:
    return f"compliance-checkup-{result.license}-{result.today.isoformat()}.xlsx"


def checkup_xlsx(result: Checkup, license_name: str, lang: str = "zh") -> bytes:
    """One sheet: the score and deadline, then every item with its status, action, date and basis."""
    wb, ws = _sheet(pick(lang, "合规体检", "Check-up"), pick(lang, "合规体检", "Compliance check-up"))
    for n, line in enumerate(summary_text(result, license_name, lang).splitlines(), 2):
        ws.cell(row=n, column=1, value=line.replace(MARKS["red"], "").replace(MARKS["amber"], "")
                .replace(MARKS["green"], "").strip())
    row = n + 1
    ws.cell(row=row, column=1, value=pick(lang, "生成日期：", "Made on: ") + result.today.isoformat())
    row += 2
    _header(ws, row, pick(lang, ("序号", "状态", "事项", "问题", "回答", "做什么", "何时", "依据", "说明", "整改状态", "负责人"),
                          ("No.", "Status", "Item", "Question", "Answer", "To do", "By", "Basis", "Note", "Progress",
                           "Owner")))
    first = row + 1
    answers = {"yes": ("是", "Yes"), "no": ("否", "No"), "unsure": ("不确定", "Not sure")}
    order = {"red": 0, "amber": 1, "green": 2}
    for n, r in enumerate(sorted(result.results, key=lambda r: order[r.status]), 1):
        row += 1
        varies = r.item.varies.get(lang) if r.item.varies is not None else ""
        values = (n, pick(lang, *STATUS_NAMES[r.status]), r.item.title.get(lang), r.item.question.get(lang),
                  pick(lang, *answers[r.answer]), r.action(lang), result.due_text(r, lang),
                  r.item.basis_text(lang), varies, "" if r.status == "green" else STATUSES[pick(lang, "zh", "en")][0],
                  "")
        for col, value in enumerate(values, 1):
            ws.cell(row=row, column=col, value=value).alignment = _WRAP
        ws.cell(row=row, column=2).fill = PatternFill("solid", fgColor=_STATUS_FILLS[r.status])
    return _finish(wb, ws, lang, f"J{first}:J{row}", (6, 16, 22, 44, 8, 44, 16, 50, 30, 10, 12))
