"""The ASGI app: channel webhooks plus the operator routes (health, readiness, metrics)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from sqlmodel import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.context import Services
from channels.base import Channel

log = logging.getLogger(__name__)


def build_app(services: Services, channels: Sequence[Channel],
              background: Sequence[Callable[[], Awaitable[None]]] = (),
              extra_routes: Sequence[BaseRoute] = (),
              gauges: Sequence[Callable[[Session], None]] = ()) -> Starlette:
    """Mount every channel's routes (and the features' pages: the consultants' console, the calendar);
    start channels (and background loops) with the app. `gauges` bring figures read from the database
    up to date before each /metrics scrape (the composition root's list: licensebot/runtime.py GAUGES)."""

    async def healthz(_request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    async def readyz(_request: Request) -> JSONResponse:
        db_ok = services.db.ping()
        body = {"database": db_ok, "channels": [c.name for c in channels]}
        return JSONResponse(body, status_code=200 if db_ok and channels else 503)

    async def metrics_route(_request: Request) -> Response:
        from prometheus_client import CONTENT_TYPE_LATEST

        return Response(await asyncio.to_thread(scrape, services, gauges), media_type=CONTENT_TYPE_LATEST)

    routes: list[BaseRoute] = [Route("/healthz", healthz), Route("/readyz", readyz),
                               Route("/metrics", metrics_route)]
    for channel in channels:
        routes += channel.routes()
    routes += extra_routes

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        for channel in channels:
            await channel.start()
        tasks = [asyncio.create_task(loop()) for loop in background]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for channel in channels:
                await channel.stop()

    return Starlette(routes=routes, lifespan=lifespan)


def scrape(services: Services, gauges: Sequence[Callable[[Session], None]] = ()) -> bytes:
    """The metrics text, with the figures read from the database at scrape time brought up to date."""
    from bot import metrics

    try:
        with services.db.session() as session:
            for gauge in gauges:
                gauge(session)
    except Exception:  # the database is away: /readyz says so; the counters are still worth reading
        log.warning("could not read the database figures for /metrics", exc_info=True)
    return metrics.render()
