"""What a console page gets: the request, the services, a database session and the signed-in consultant.

Pages are plain functions `(page: Page) -> Response` (workspace/pages_*.py); workspace/web.py routes to
them behind its guard."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.context import Services
from workspace import auth
from workspace.render import render


@dataclass
class Page:
    request: Request
    services: Services
    session: Session
    who: auth.SignedIn
    now: datetime
    form: FormData | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def lang(self) -> str:
        return self.who.lang

    def html(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        return HTMLResponse(render(template, self.lang, who=self.who, path=self.request.url.path, **values),
                            status_code=status)

    def field(self, name: str, limit: int = 4000) -> str:
        value = self.form.get(name) if self.form is not None else None
        return value.strip()[:limit] if isinstance(value, str) else ""

    def redirect(self, to: str) -> RedirectResponse:
        return RedirectResponse(to, status_code=303)

    def audit(self, action: str, target: str = "", detail: str = "") -> None:
        auth.audit(self.session, self.who.consultant, action, self.now, target, detail)


PageFunction = Callable[[Page], Response]
