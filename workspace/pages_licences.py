"""Licences: every registered licence by days to its submission deadline, spreadsheet import and export."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlmodel import col, func, select
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, Response

from bot.clock import SHANGHAI
from bot.language import pick
from bot.storage.models import Outbox
from cases.licence_import import import_hooks
from cases.models import RenewalCase
from cases.service import status_label, submit_by
from knowledge.codes import LICENSES, LICENSES_EN
from registry.importer import export_file, import_file
from registry.models import License, Reminder
from registry.table_io import TableError
from workspace.page import Page

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
    return pick(lang, LICENSES, LICENSES_EN).get(code, code)


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
    ids = [lic.id or 0 for lic in found]
    last = _last_reminders(page, ids)
    cases = {(c.license_id, c.cycle): c for c in page.session.exec(  # one query for the page, not one a row
        select(RenewalCase).where(col(RenewalCase.license_id).in_(ids))).all()}
    acknowledged: dict[int, object] = {}  # the newest milestone of each licence: acknowledged, and when
    for license_id, at in page.session.exec(select(Reminder.license_id, Reminder.acknowledged_at)
                                            .where(col(Reminder.license_id).in_(ids)).order_by(col(Reminder.id))):
        acknowledged[license_id] = at
    rows = []
    for lic in found:
        deadline = submit_by(lic)
        reminder = last.get(lic.id or 0)
        case = cases.get((lic.id or 0, lic.cycle))
        ack = acknowledged.get(lic.id or 0)
        status = "acknowledged" if ack else (reminder.status if reminder else "")
        at = ack or (reminder.sent_at or reminder.created_at if reminder else None)
        rows.append(Row(lic, type_label(lic.license_type, page.lang), deadline, (deadline - today).days, status, at,
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
            report = import_file(page.services.db, path, today, page.now, hooks=import_hooks())
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
