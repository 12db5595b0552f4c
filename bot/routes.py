"""The routes protocol: what a route, a flow and a build's route table are.

The table itself, in its order, is the composition root's: licensebot/routes.py (TABLE), which
build_services puts into the services. The engine runs `RouteTable.routes` in order (first match
wins) after deciding the chat's owner with `RouteTable.owners`; a feature that lists or resumes
what the build offers (/help, the main menu, /back, a platform's command menu) asks the services
for the table instead of importing it:

    table = ctx.services.get(RouteTable)
    table.commands["/human"], table.flows[ctx.state.flow]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.commands import Command
from bot.context import Context, Handler
from bot.ownership import Owners


@dataclass(frozen=True)
class Route:
    name: str
    matches: Callable[[Context], bool]
    handle: Handler


@dataclass(frozen=True)
class Flow:
    """A multi-step dialogue: `step` handles the next answer, `back` goes one step back (optional)."""

    step: Handler
    back: Handler | None = None
    over_consultant: bool = False  # may run while a consultant holds the chat (only /forget's confirmation)


@dataclass(frozen=True)
class RouteTable:
    """A build's one ordered table of routes, with the commands and flows they dispatch to and the
    owners (bot/ownership.py) the engine decides before any route runs."""

    routes: tuple[Route, ...]
    commands: Mapping[str, Command]
    flows: Mapping[str, Flow]
    owners: Owners
