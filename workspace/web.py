"""The console's routes and the guard every page passes: a signed-in consultant, and on POST a CSRF token.

Pages are plain functions `(page: Page) -> Response` (workspace/page.py), run in a worker thread with a database session
that commits when the page returns. A request without a valid session gets 401 and the sign-in page;
a POST whose CSRF token is missing or wrong gets 403. No exception text ever reaches the browser.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.context import Services
from workspace import auth, pages_cases, pages_figures, pages_inbox, pages_knowledge, pages_licences
from workspace.page import Page, PageFunction
from workspace.render import STATIC, render

log = logging.getLogger(__name__)
COOKIE = "licensebot_console"
MAX_FORM_BYTES = 12 * 1024 * 1024  # a client spreadsheet


def signin_page(lang: str, status: int, problem: str = "", token: str = "") -> HTMLResponse:
    return HTMLResponse(render("signin.html", lang, who=None, path="", problem=problem, token=token),
                        status_code=status)


def _lang_of(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "zh"


def guarded(services: Services, page: PageFunction) -> Callable[[Request], Any]:
    """An endpoint that runs `page` for a signed-in consultant (and, on POST, a valid CSRF token)."""

    async def endpoint(request: Request) -> Response:
        form = None
        if request.method == "POST":
            if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
                return HTMLResponse("Too large", status_code=413)
            form = await request.form(max_part_size=MAX_FORM_BYTES)
        try:
            return await run_in_threadpool(_run, services, page, request, form)
        except Exception:  # never a stack trace in the browser
            log.exception("console page %s failed", request.url.path)
            return HTMLResponse(render("error.html", _lang_of(request), who=None, path=""), status_code=500)

    return endpoint


def _run(services: Services, page: PageFunction, request: Request, form: FormData | None) -> Response:
    now = services.clock.now()
    with services.db.session() as session:
        who = auth.find_session(session, services.settings, request.cookies.get(COOKIE), now)
        if who is None:
            session.commit()  # an expired session row is removed
            return signin_page(_lang_of(request), 401)
        if form is not None and not auth.csrf_ok(who, form.get("csrf")):
            return HTMLResponse(render("error.html", who.lang, who=None, path="", forbidden=True), status_code=403)
        response = page(Page(request, services, session, who, now, form))
        session.commit()
        return response


def routes(services: Services) -> list[BaseRoute]:
    def page(path: str, fn: PageFunction, methods: tuple[str, ...] = ("GET",)) -> Route:
        return Route(path, guarded(services, fn), methods=list(methods))

    async def login_form(request: Request) -> Response:
        token = request.query_params.get("t", "")
        return signin_page(_lang_of(request), 200 if token else 401, token=token)

    async def login(request: Request) -> Response:
        form = await request.form()
        token = form.get("t")
        return await run_in_threadpool(_login, services, request, token if isinstance(token, str) else "")

    return [
        Route("/console/login", login_form, methods=["GET"]),
        Route("/console/login", login, methods=["POST"]),
        page("/console/logout", sign_out, ("POST",)),
        page("/console/lang", switch_language, ("POST",)),
        page("/console", pages_inbox.inbox),
        page("/console/tickets/{ticket_id:int}", pages_inbox.ticket_page),
        page("/console/tickets/{ticket_id:int}/messages", pages_inbox.ticket_messages),
        page("/console/tickets/{ticket_id:int}/{action:str}", pages_inbox.ticket_action, ("POST",)),
        page("/console/licenses", pages_licences.licences),
        page("/console/licenses/import", pages_licences.upload, ("POST",)),
        page("/console/licenses/export", pages_licences.export),
        page("/console/cases/{case_id:int}", pages_cases.case_page),
        page("/console/cases/{case_id:int}/archive", pages_cases.download_archive),
        page("/console/files/{file_id:int}", pages_cases.download_file),
        page("/console/files/{file_id:int}/{verdict:str}", pages_cases.verdict, ("POST",)),
        page("/console/knowledge", pages_knowledge.knowledge),
        page("/console/knowledge/entry", pages_knowledge.entry_form),
        page("/console/knowledge/approve", pages_knowledge.approve, ("POST",)),
        page("/console/figures", pages_figures.figures),
        Mount("/console/static", app=StaticFiles(directory=str(STATIC)), name="console-static"),
    ]


def _login(services: Services, request: Request, token: str) -> Response:
    now = services.clock.now()
    lang = _lang_of(request)
    with services.db.session() as session:
        consultant = auth.redeem_link(session, token, now)
        if consultant is None or consultant not in auth.consultants(services.settings):
            session.commit()
            return signin_page(lang, 403, problem="link")
        cookie = auth.open_session(session, consultant, now, lang)
        auth.audit(session, consultant, "sign-in", now)
        session.commit()
    response = RedirectResponse("/console", status_code=303)
    secure = request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"
    response.set_cookie(COOKIE, cookie, max_age=auth.IDLE_HOURS * 3600, httponly=True, samesite="strict",
                        secure=secure, path="/console")
    return response


def sign_out(page: Page) -> Response:
    page.audit("sign-out")
    auth.end_session(page.session, page.who)
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response


def switch_language(page: Page) -> Response:
    auth.set_language(page.session, page.who, page.field("lang", 8))
    back = page.field("back", 200)
    return RedirectResponse(back if back.startswith("/console") else "/console", status_code=303)
