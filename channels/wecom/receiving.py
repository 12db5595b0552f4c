"""What the members' app and Customer Service share as channels: a verified callback route, one queue
per chat, recovery of the messages a dead worker took but never answered, and the replies' fast path."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.routing import BaseRoute, Route

from bot.engine import Engine
from bot.replies import FastPath
from channels.wecom import inbox
from channels.wecom.callback import CallbackEndpoint, ChatQueue, Fields
from channels.wecom.crypto import WeComCrypto


class ReceivingChannel:
    """Base of KfChannel and MemberChannel: `accept` takes a verified callback, `resume` a recovered row."""

    name: str
    callback_path: str

    def __init__(self, engine: Engine, crypto: WeComCrypto, max_age: float, endpoint_name: str) -> None:
        self.engine = engine
        self.services = engine.services
        self.queue = ChatQueue()
        self.endpoint = CallbackEndpoint(crypto, self.services.clock, max_age, self.accept, endpoint_name)
        self.recovery = inbox.Recovery(self.services, self.name, self.resume)
        self.fast = FastPath(self.services.db, self.services.clock)
        self.lease = timedelta(seconds=self.services.settings.reply_lease_seconds)

    def routes(self) -> list[BaseRoute]:
        return [Route(self.callback_path, self.endpoint.handle, methods=["GET", "POST"])]

    async def accept(self, fields: Fields) -> None:
        raise NotImplementedError

    def resume(self, row: int, user: str, fields: dict[str, Any]) -> None:
        raise NotImplementedError
