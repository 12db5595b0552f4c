"""Tables of renewal cases.

    licenses ──< renewal_cases (one per licence and cycle) ──< case_items (one per checklist item)
                                                        └──< case_files (uploaded files; the bytes are on disk)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.models import utc_column

# Case status, in order; LAPSED ends a case whose licence expired without a renewal.
NOT_STARTED, COLLECTING, UNDER_REVIEW, SUBMITTED, RENEWED, LAPSED = (
    "not_started", "collecting", "under_review", "submitted", "renewed", "lapsed")
CASE_STATUSES = (NOT_STARTED, COLLECTING, UNDER_REVIEW, SUBMITTED, RENEWED, LAPSED)
CLOSED_STATUSES = (RENEWED, LAPSED)

# Item status.
MISSING, UPLOADED, ACCEPTED, REJECTED, NOT_NEEDED = "missing", "uploaded", "accepted", "rejected", "not_needed"
ITEM_STATUSES = (MISSING, UPLOADED, ACCEPTED, REJECTED, NOT_NEEDED)
OPEN_ITEM_STATUSES = (MISSING, REJECTED)  # what the client still has to send


class RenewalCase(SQLModel, table=True):
    """A licence's renewal in one cycle. `facts` are the checklist answers the items were chosen by."""

    __tablename__ = "renewal_cases"
    __table_args__ = (UniqueConstraint("license_id", "cycle", name="uq_renewal_cases_license_cycle"),)
    id: int | None = Field(default=None, primary_key=True)
    license_id: int = Field(sa_column=Column(Integer, ForeignKey("licenses.id", ondelete="CASCADE"),
                                             nullable=False))
    cycle: int
    status: str = Field(default=NOT_STARTED, max_length=16)
    facts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    opened_by: str = Field(default="", max_length=170)  # channel:user_id, or "cli"
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()


class CaseItem(SQLModel, table=True):
    """One checklist item of a case (`key` = the material id in knowledge/checklist.yaml)."""

    __tablename__ = "case_items"
    __table_args__ = (UniqueConstraint("case_id", "key", name="uq_case_items_case_key"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(sa_column=Column(Integer, ForeignKey("renewal_cases.id", ondelete="CASCADE"),
                                          nullable=False))
    key: str = Field(max_length=64)
    position: int = 0
    status: str = Field(default=MISSING, max_length=16)
    reason: str = Field(default="", max_length=500)  # why it was rejected; the client sees it
    updated_at: datetime = utc_column()


class CaseFile(SQLModel, table=True):
    """A file a client sent for a case. The bytes are at `path` (never in the database).

    Personal data of the uploader (channel, user_id): /forget deletes the rows and the files.
    """

    __tablename__ = "case_files"
    __table_args__ = (Index("ix_case_files_case", "case_id", "item_key"),
                      Index("ix_case_files_owner", "channel", "user_id"))
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(sa_column=Column(Integer, ForeignKey("renewal_cases.id", ondelete="CASCADE"),
                                          nullable=False))
    item_key: str = Field(default="", max_length=64)  # "" until the client says which item it is
    channel: str = Field(max_length=32)
    chat_id: str = Field(max_length=128)
    user_id: str = Field(max_length=128)
    filename: str = Field(max_length=200)  # as sent (cleaned)
    path: str = Field(max_length=1000)  # absolute path of the stored bytes
    size: int = 0
    mime: str = Field(default="application/octet-stream", max_length=100)
    status: str = Field(default=UPLOADED, max_length=16)  # uploaded | accepted | rejected
    reason: str = Field(default="", max_length=500)
    created_at: datetime = utc_column()
