"""Licences: every registered licence by days to its submission deadline, spreadsheet import and export."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlmodel import col, func, select
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, Response

from bot.clock import SHANGHAI
from bot.storage.models import Outbox
from cases.models import RenewalCase
from cases.service import current_case, status_label
from knowledge.codes import LICENSES, LICENSES_EN
from scheduler.importer import export_file, import_file
from scheduler.models import License, Reminder
from scheduler.table_io import TableError
from workspace.web import Page

SUBMIT_BEFORE_EXPIRY = timedelta(days=90)  # 42号令第二十七条: apply 90 days before expiry
PAGE_ROWS = 500
UPLOAD_SUFFIXES = (".xlsx", ".csv")


@dataclass(frozen=True)
class Row:
    license: License
    type_label: str
    submit_by: date
    days_left: int  # to the submission deadline; negative once it has passed
    last_reminder: str  # "sent" | "pending" | "failed" | ""
    last_reminder_at: object
    case: RenewalCase | None
    case_status: str


def type_label(code: str, lang: str) -> str:
    return (LICENSES_EN if lang == "en" else LICENSES).get(code, code)


def _last_reminders(page: Page, ids: list[int]) -> dict[int, Outbox]:
    """The newest reminder outbox row of each licence (keys "rem:<licence id>:…")."""
    found: dict[int, Outbox] = {}
    for lid in ids:
        row = page.session.exec(select(Outbox).where(col(Outbox.dedupe_key).like(f"rem:{lid}:%"))
                                .order_by(col(Outbox.id).desc()).limit(1)).first()
        if row is not None:
            found[lid] = row
    return found


def licences(page: Page) -> Response:
    params = page.request.query_params
    kind, province, text = params.get("type", ""), params.get("province", "")[:16], params.get("q", "")[:100]
    order = "desc" if params.get("order") == "desc" else "asc"
    stmt = select(License)
    if kind in LICENSES:
        stmt = stmt.where(License.license_type == kind)
    if province:
        stmt = stmt.where(License.province == province)
    if text:
        like = f"%{text}%"
        stmt = stmt.where(col(License.company).like(like) | col(License.number).like(like))
    stmt = stmt.order_by(col(License.expires_on).desc() if order == "desc" else col(License.expires_on), col(License.id))
    found = list(page.session.exec(stmt.limit(PAGE_ROWS)).all())
    total = page.session.exec(select(func.count()).select_from(License)).one()
    today = page.now.astimezone(SHANGHAI).date()
    last = _last_reminders(page, [lic.id or 0 for lic in found])
    rows = []
    for lic in found:
        submit_by = lic.expires_on - SUBMIT_BEFORE_EXPIRY
        reminder = last.get(lic.id or 0)
        case = current_case(page.session, lic)
        acknowledged = page.session.exec(select(Reminder.acknowledged_at).where(Reminder.license_id == lic.id)
                                         .order_by(col(Reminder.id).desc()).limit(1)).first()
        status = "acknowledged" if acknowledged else (reminder.status if reminder else "")
        at = acknowledged or (reminder.sent_at or reminder.created_at if reminder else None)
        rows.append(Row(lic, type_label(lic.license_type, page.lang), submit_by, (submit_by - today).days, status, at,
                        case, status_label(case.status, page.lang) if case else ""))
    provinces = sorted({p for p in page.session.exec(select(License.province).distinct()).all() if p})
    return page.html("licences.html", rows=rows, total=total, kinds=[(c, type_label(c, page.lang)) for c in LICENSES
                                                                     if c not in ("general", "number")],
                     provinces=provinces, kind=kind, province=province, q=text, order=order, report=None)


def upload(page: Page) -> Response:
    """A client spreadsheet: the same checks and row report as `licensebot licenses import`."""
    upload = page.form.get("file") if page.form is not None else None
    name = getattr(upload, "filename", "") or ""
    if upload is None or isinstance(upload, str) or not name.lower().endswith(UPLOAD_SUFFIXES):
        return _report(page, problem=("type",))
    page.session.commit()  # the import has sessions of its own (SQLite: one transaction at a time)
    with tempfile.TemporaryDirectory(prefix="licensebot-upload-") as folder:
        path = Path(folder) / ("upload" + Path(name).suffix.lower())  # the client's file name never reaches the disk
        path.write_bytes(upload.file.read())
        today = page.now.astimezone(SHANGHAI).date()
        try:
            report = import_file(page.services.db, path, today, page.now)
        except TableError as exc:
            return _report(page, problem=(str(exc),))
    page.audit("licences-import", name[:200], f"{report.rows} rows, {len(report.bad)} bad")
    return _report(page, report=report)


def _report(page: Page, report: object = None, problem: tuple[str, ...] = ()) -> Response:
    return page.html("import_report.html", report=report, problem=problem[0] if problem else "",
                     status=200 if report is not None else 400)


def export(page: Page) -> Response:
    chinese = page.request.query_params.get("headers") == "zh"
    folder = tempfile.mkdtemp(prefix="licensebot-export-")
    path = Path(folder) / "licences.xlsx"
    page.session.commit()  # the export has a session of its own
    count = export_file(page.services.db, path, chinese)
    page.audit("licences-export", "", f"{count} rows")

    def clean_up() -> None:
        path.unlink(missing_ok=True)
        Path(folder).rmdir()

    return FileResponse(path, filename="licences.xlsx", background=BackgroundTask(clean_up),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
