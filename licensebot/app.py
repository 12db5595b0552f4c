"""Building the long-lived services and the engine for a process."""

from __future__ import annotations

from pathlib import Path

from bot.clock import Clock, SystemClock
from bot.context import Services
from bot.engine import Engine
from bot.settings import Settings
from bot.storage.db import Database
from checklist.checkup_rules import load_checkup_for
from checklist.rules import load_rules_for
from knowledge.base import KnowledgeBase
from licensebot.tables import PERSONAL_DATA
from scheduler.rules import load_rules as load_reminder_rules


def build_services(settings: Settings, clock: Clock | None = None, migrate: bool = True) -> Services:
    """Open the database (applying migrations) and load the knowledge base."""
    db = Database(settings.database_url)
    if migrate:
        db.upgrade()
    folder = Path(settings.knowledge_dir) if settings.knowledge_dir else None
    kb = KnowledgeBase(folder, approved_dir(settings))
    return Services(settings=settings, db=db, kb=kb, clock=clock or SystemClock(), personal=PERSONAL_DATA,
                    checklist=load_rules_for(folder),
                    checkup=load_checkup_for(folder),
                    reminders=load_reminder_rules(Path(settings.reminder_rules) if settings.reminder_rules else None))


def approved_dir(settings: Settings) -> Path | None:
    """Where the web console writes approved FAQ entries (loaded after the shipped ones)."""
    return Path(settings.kb_approved_dir) if settings.kb_approved_dir else None


def build_engine(settings: Settings, clock: Clock | None = None) -> Engine:
    return Engine(build_services(settings, clock))
