"""What a live channel offers the runtime: a Sender for proactive messages, web routes, a lifecycle."""

from __future__ import annotations

from typing import Protocol

from starlette.routing import BaseRoute

from bot.outbox import Sender


class Channel(Protocol):
    """A configured platform connection inside `licensebot run`."""

    name: str
    sender: Sender

    def routes(self) -> list[BaseRoute]:
        """Webhook routes to mount on the ASGI app (empty for polling-only channels)."""
        ...

    async def start(self) -> None:
        """Begin receiving (e.g. long polling); must return once started."""
        ...

    async def stop(self) -> None: ...
