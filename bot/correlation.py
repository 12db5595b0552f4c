"""A per-message correlation id, carried in a context variable and added to every log record."""

from __future__ import annotations

import logging
import uuid
from contextvars import ContextVar

current: ContextVar[str] = ContextVar("correlation_id", default="-")


def new_id() -> str:
    cid = uuid.uuid4().hex[:16]
    current.set(cid)
    return cid


class CorrelationFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = current.get()
        return True
