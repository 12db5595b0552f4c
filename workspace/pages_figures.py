"""Figures: the charts a consultancy looks at on Monday morning."""

from __future__ import annotations

from starlette.responses import Response

from bot.hours import business_hours
from workspace.figures import figures as compute
from workspace.page import Page


def figures(page: Page) -> Response:
    data = compute(page.session, business_hours(page.services.settings), page.now)
    return page.html("figures.html", data=data)
