"""What a handler gets: the incoming message, the conversation state and the services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import BuiltinFunctionType, FunctionType, MethodType
from typing import Any, TypeVar, cast

from sqlmodel import Session

from bot.clock import Clock
from bot.language import pick
from bot.messages import Incoming, Reply
from bot.settings import Settings
from bot.storage.db import Database

T = TypeVar("T")


class MissingPart(LookupError):
    """A feature part was asked of Services that the composition root did not put."""


@dataclass
class Services:
    """Long-lived parts shared by every message of a process: the core's own (settings, database, clock)
    and the feature parts, one of each type, that the composition root (licensebot/app.py build_services)
    puts: the knowledge base, the checklist, check-up and reminder rules, the route table…

        services.put(KnowledgeBase(...))          # key: the object's type
        kb = services.get(KnowledgeBase)          # typed: a KnowledgeBase, or MissingPart

    The core never names a feature type; a feature asks for its own parts or for a core type.
    """

    settings: Settings
    db: Database
    clock: Clock
    parts: dict[type, object] = field(default_factory=dict, repr=False)

    def put(self, part: object) -> None:
        """Add (or replace) the part of this type. A bare function has no type of its own (all share
        `function`): wrap it in a typed object first."""
        if isinstance(part, FunctionType | MethodType | BuiltinFunctionType | type):
            raise TypeError(f"services.put needs a typed part, not {part!r}")
        self.parts[type(part)] = part

    def get(self, kind: type[T]) -> T:
        """The part of exactly this type; MissingPart (naming it) when it was never put."""
        try:
            return cast(T, self.parts[kind])
        except KeyError:
            have = ", ".join(sorted(t.__qualname__ for t in self.parts)) or "none"
            raise MissingPart(f"no {kind.__module__}.{kind.__qualname__} in services (parts put: {have}); "
                              "the composition root (licensebot/app.py build_services) puts the feature "
                              "parts") from None


@dataclass
class State:
    """Plain data kept per (channel, chat) between messages."""

    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    fallbacks: int = 0

    def clear_flow(self) -> None:
        self.flow, self.step, self.data = None, None, {}

    def start_flow(self, flow: str, step: str, data: dict[str, Any] | None = None) -> None:
        self.flow, self.step, self.data = flow, step, dict(data or {})


@dataclass
class Context:
    incoming: Incoming
    state: State
    lang: str
    session: Session
    services: Services
    now: datetime
    forgotten: bool = False  # set by /forget: the engine stores nothing more for this user
    notes: dict[str, Any] = field(default_factory=dict)  # per-message scratch (e.g. search outcome)

    @property
    def text(self) -> str:
        """What the user typed or the payload of the button they pressed, trimmed."""
        return self.incoming.content.strip()

    def say(self, zh: str, en: str) -> str:
        """Pick the user's language."""
        return pick(self.lang, zh, en)

    @property
    def consultancy(self) -> str:
        s = self.services.settings
        return pick(self.lang, s.consultancy_name, s.consultancy_name_en)


Handler = Callable[[Context], list[Reply]]
