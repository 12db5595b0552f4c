"""What a handler gets: the incoming message, the conversation state and the services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.clock import Clock
from bot.language import pick
from bot.messages import Incoming, Reply
from bot.settings import Settings
from bot.storage.db import Database
from checklist.checkup_rules import CheckupRules, load_checkup
from checklist.rules import ChecklistRules, load_rules
from knowledge.base import KnowledgeBase
from scheduler.rules import Rules as ReminderRules
from scheduler.rules import load_rules as load_reminder_rules


@dataclass
class Services:
    """Long-lived parts shared by every message of a process."""

    settings: Settings
    db: Database
    kb: KnowledgeBase
    clock: Clock
    checklist: ChecklistRules = field(default_factory=load_rules)  # renewal checklist rules (YAML)
    reminders: ReminderRules = field(default_factory=load_reminder_rules)  # scheduler/rules.yaml
    checkup: CheckupRules = field(default_factory=load_checkup)  # compliance check-up items (YAML)


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
