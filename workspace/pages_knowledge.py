"""Knowledge: what the bot could not answer (grouped, as `kb gaps`), drafts to edit and approve."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.responses import Response

from bot.clock import SHANGHAI
from intents.unanswered import unanswered
from knowledge.base import KnowledgeBase
from knowledge.codes import LICENSES, TOPICS
from knowledge.gaps import group
from workspace import kb_edit
from workspace.page import Page

GAP_DAYS = 30
SHOW_GAPS = 30


def _folders(page: Page) -> tuple[Path | None, Path]:
    kb = page.services.get(KnowledgeBase)  # built from KNOWLEDGE_DIR and KB_APPROVED_DIR (licensebot/app.py)
    return kb.folder, kb.approved or Path("data/kb-approved")


def knowledge(page: Page) -> Response:
    gaps = group(unanswered(page.session, page.now - timedelta(days=GAP_DAYS)))[:SHOW_GAPS]
    shown = [{"number": i, "gap": gap, "candidate": next(iter(gap.candidates), ""),
              "questions": gap.questions.most_common(8)} for i, gap in enumerate(gaps, 1)]
    return page.html("knowledge.html", gaps=shown, days=GAP_DAYS, flash=page.request.query_params.get("done", ""))


def entry_form(page: Page) -> Response:
    """GET ?id=ENTRY (edit) or ?gap=N (draft from the N-th group of unanswered questions)."""
    params = page.request.query_params
    kb = page.services.get(KnowledgeBase)
    raw: dict[str, Any]
    if params.get("id"):
        existing = kb.get(params["id"][:100])
        if existing is None:
            return page.html("error.html", status=404, missing=True)
        raw = kb_edit.entry_to_raw(existing)
    else:
        gaps = group(unanswered(page.session, page.now - timedelta(days=GAP_DAYS)))[:SHOW_GAPS]
        number = int(params.get("gap", "0")) if params.get("gap", "").isdigit() else 0
        if not 1 <= number <= len(gaps):
            return page.html("error.html", status=404, missing=True)
        gap = gaps[number - 1]
        picked = [c for c, n in gap.candidates.most_common(1) if n >= 2]
        raw = kb_edit.draft_from_gap(gap, kb.get(picked[0]) if picked else None, number)
    return page.html("entry_form.html", raw=raw, problems=[], licences=LICENSES, topics=TOPICS,
                     editing=kb.get(str(raw["id"])) is not None)


def _raw_from_form(page: Page) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "id": page.field("id", 100), "license": page.field("license", 32), "topic": page.field("topic", 32),
        "question": page.field("question", 500), "alternates": kb_edit.lines(page.field("alternates", 8000)),
        "answer": page.field("answer", 4000),
        "reviewed": page.now.astimezone(SHANGHAI).date(),
    }
    for key, limit in (("source", 500),):
        if page.field(key, limit):
            raw[key] = page.field(key, limit)
    related = [r for r in page.field("related", 1000).replace(",", " ").split() if r]
    if related:
        raw["related"] = related
    if page.field("en_question", 500) or page.field("en_answer", 4000):
        raw["en"] = {"question": page.field("en_question", 500),
                     "alternates": kb_edit.lines(page.field("en_alternates", 8000)),
                     "answer": page.field("en_answer", 4000)}
    return raw


def approve(page: Page) -> Response:
    raw = _raw_from_form(page)
    kb_folder, approved = _folders(page)
    problems = kb_edit.check(raw, kb_folder, approved, raw["reviewed"])
    previous = page.services.get(KnowledgeBase).get(raw["id"])
    if problems:
        return page.html("entry_form.html", status=400, raw=raw, problems=problems, licences=LICENSES,
                         topics=TOPICS, editing=previous is not None)
    kb_edit.write(raw, previous, approved, page.who.consultant, page.now)
    failed = page.services.get(KnowledgeBase).reload()  # live at once in this worker; SIGHUP reloads every worker
    page.audit("kb-approve", f"entry:{raw['id']}", "edited" if previous else "new")
    if failed:
        return page.html("entry_form.html", status=500, raw=raw, problems=[failed], licences=LICENSES,
                         topics=TOPICS, editing=previous is not None)
    return page.redirect(f"/console/knowledge?done={quote(raw['id'])}")
