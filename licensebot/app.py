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
from knowledge.base import KnowledgeBase, approved_dir
from licensebot.routes import TABLE
from licensebot.tables import PERSONAL_DATA
from scheduler.rules import load_rules as load_reminder_rules


def build_services(settings: Settings, clock: Clock | None = None, migrate: bool = True) -> Services:
    """Open the database (applying migrations), load the knowledge base and the rules, and put the
    feature parts into the services' registry (`services.get(KnowledgeBase)` …)."""
    db = Database(settings.database_url)
    if migrate:
        db.upgrade()
    folder = Path(settings.knowledge_dir) if settings.knowledge_dir else None
    services = Services(settings=settings, db=db, clock=clock or SystemClock())
    services.put(KnowledgeBase(folder, approved_dir(settings)))
    services.put(load_rules_for(folder))  # ChecklistRules: the renewal checklist (YAML)
    services.put(load_checkup_for(folder))  # CheckupRules: the compliance check-up items (YAML)
    services.put(load_reminder_rules(Path(settings.reminder_rules) if settings.reminder_rules else None))
    services.put(PERSONAL_DATA)  # every table with a person's rows (/mydata, /forget): licensebot/tables.py
    services.put(TABLE)  # the one ordered route table (licensebot/routes.py), a RouteTable for the engine
    return services


def build_engine(settings: Settings, clock: Clock | None = None) -> Engine:
    return Engine(build_services(settings, clock))
