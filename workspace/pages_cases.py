"""A renewal case in the console: items with their files, accept / reject, the file itself, the archive.

Verdicts run the consultant's chat commands (/accept, /reject) in the signed-in consultant's name, so the
client is told exactly as when the consultant reviews in chat. Files are served only here (signed in),
as downloads, found by their row id: nothing from the request becomes a path.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from starlette.responses import FileResponse, Response

from bot.context import Context, State
from bot.language import pick
from bot.messages import Incoming
from cases.archive import ZIP_MIME, archive_name, case_archive
from cases.items import label_of
from cases.models import CaseFile, RenewalCase
from cases.service import files_of, items_of, status_label, submit_by
from checklist.rules import ChecklistRules
from intents import case_review
from registry.models import License
from workspace.page import Page

VERDICTS = {"accept": case_review.accept_file, "reject": case_review.reject_file}
ITEM_STATUS = {"missing": ("缺", "missing"), "uploaded": ("已上传", "uploaded"), "accepted": ("已通过", "accepted"),
               "rejected": ("已退回", "rejected"), "not_needed": ("不需要", "not needed")}


def _case(page: Page) -> tuple[RenewalCase, License] | None:
    case = page.session.get(RenewalCase, int(page.request.path_params["case_id"]))
    lic = page.session.get(License, case.license_id) if case is not None else None
    return (case, lic) if case is not None and lic is not None else None


def case_page(page: Page) -> Response:
    found = _case(page)
    if found is None:
        return page.html("error.html", status=404, missing=True)
    case, lic = found
    rules = page.services.get(ChecklistRules)
    files = files_of(page.session, case)
    items = [{"item": item, "label": label_of(rules, item.key, page.lang),
              "status": pick(page.lang, *ITEM_STATUS.get(item.status, (item.status, item.status))),
              "files": [f for f in files if f.item_key == item.key]} for item in items_of(page.session, case)]
    return page.html("case.html", case=case, lic=lic, items=items, unassigned=[f for f in files if not f.item_key],
                     case_status=status_label(case.status, page.lang), submit_by=submit_by(lic),
                     flash=page.request.query_params.get("done", ""))


def verdict(page: Page) -> Response:
    """accept / reject one file (reject needs a reason the client will read)."""
    row = page.session.get(CaseFile, int(page.request.path_params["file_id"]))
    handler = VERDICTS.get(page.request.path_params["verdict"])
    if row is None or handler is None:
        return page.html("error.html", status=404, missing=True)
    reason = page.field("reason", case_review.MAX_REASON)
    if handler is case_review.reject_file and not reason:
        needed = pick(page.lang, "请写明退回原因（客户会看到）。", "A reason is needed: the client reads it.")
        return page.redirect(f"/console/cases/{row.case_id}?done={quote(needed)}")
    channel, user_id = page.who.consultant.split(":", 1)
    command = f"/{page.request.path_params['verdict']} {row.id} {reason}".strip()
    ctx = Context(incoming=Incoming(channel, user_id, user_id, text=command, display_name=user_id), state=State(),
                  lang=page.lang, session=page.session, services=page.services, now=page.now)
    answer = " ".join(r.text.splitlines()[0] for r in handler(ctx) if r.text)[:300]
    page.audit(f"case-file-{page.request.path_params['verdict']}", f"file:{row.id}", f"case:{row.case_id}")
    return page.redirect(f"/console/cases/{row.case_id}?done={quote(answer)}")


def download_file(page: Page) -> Response:
    row = page.session.get(CaseFile, int(page.request.path_params["file_id"]))
    path = Path(row.path) if row is not None else None
    if row is None or path is None or not path.is_file():
        return page.html("error.html", status=404, missing=True)
    page.audit("case-file-download", f"file:{row.id}", f"case:{row.case_id}")
    return FileResponse(path, filename=row.filename, media_type="application/octet-stream",
                        content_disposition_type="attachment")


def download_archive(page: Page) -> Response:
    found = _case(page)
    if found is None:
        return page.html("error.html", status=404, missing=True)
    case, lic = found
    data, _missing = case_archive(page.session, page.services.get(ChecklistRules), case, lic, page.lang)
    page.audit("case-archive", f"case:{case.id}")
    return Response(data, media_type=ZIP_MIME,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(archive_name(lic, case))}"})
