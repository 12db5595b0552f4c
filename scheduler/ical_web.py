"""The private calendar subscription URL: GET /calendar/{token}.ics serves the owner's .ics.

An unknown or revoked token gets 404 (the same answer, so tokens cannot be probed). Mounted by the
composition root (licensebot/cli/run.py) through licensebot/web.py's extra routes.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.clock import business_today
from bot.context import Services
from scheduler.ical import ICS_MIME, licence_calendar, licences_of, owner_of
from scheduler.rules import Rules as ReminderRules

PATH = "/calendar/{token}.ics"


def calendar_url(base: str, token: str) -> str:
    return base.rstrip("/") + PATH.replace("{token}", token)


def calendar_routes(services: Services) -> list[Route]:
    def render(token: str) -> bytes | None:
        with services.db.session() as session:
            owner = owner_of(session, token)
            if owner is None:
                return None
            now = services.clock.now()
            return licence_calendar(session, services.get(ReminderRules), licences_of(session, *owner),
                                    business_today(services.clock), now)

    async def serve(request: Request) -> Response:
        body = await asyncio.to_thread(render, str(request.path_params.get("token", "")))
        if body is None:
            return PlainTextResponse("not found", status_code=404)
        return Response(body, media_type=ICS_MIME, headers={"Cache-Control": "private, max-age=3600"})

    return [Route(PATH, serve)]
