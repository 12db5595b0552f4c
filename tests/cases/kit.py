"""Helpers for renewal-case tests: settings with consultants and a files folder, a client's licence,
tiny valid files of each type, and reading the outbox of one chat."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from bot.clock import Clock
from bot.messages import Attachment, Reply
from bot.settings import Settings
from bot.storage.db import Database
from channels.console import OutboxFeed
from registry.service import LicenseData, new_license, subscribe

PDF = b"%PDF-1.4\n% test document\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def case_settings(settings: Settings, files: Path, **more: object) -> Settings:
    return replace(settings, consultants="console:carol,telegram:900,wecom:zhangsan", consultant_group="",
                   case_files_dir=str(files), **more)  # type: ignore[arg-type]


def pdf(name: str) -> Attachment:
    return Attachment(name, PDF, "application/pdf")


def add_client_license(db: Database, today: date, now: datetime, *, channel: str = "console", user: str = "bob",
                       number: str = "京B2-20210001", expires_on: date = date(2027, 5, 20),
                       license_type: str = "icp") -> int:
    with db.session() as s:
        lic = new_license(LicenseData(number, "北京测试科技有限公司", license_type, "provincial", "北京", expires_on),
                          today, now)
        s.add(lic)
        s.flush()
        subscribe(s, lic, channel, user, user, "zh", now)
        assert lic.id is not None
        return lic.id


def outbox_for(db: Database, clock: Clock, chat_id: str) -> list[Reply]:
    """The pending console outbox messages to this chat, taken (marked sent)."""
    return [reply for _chat, _id, reply in OutboxFeed(db, clock, [chat_id]).take()]
