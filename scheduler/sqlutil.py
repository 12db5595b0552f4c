"""Set-based helpers that work the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

CHUNK = 2000


def chunks(rows: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def insert_ignoring_duplicates(session: Session, table: Table, rows: Sequence[dict[str, Any]],
                               unique: Sequence[str]) -> int:
    """INSERT … ON CONFLICT (unique) DO NOTHING in batches; returns how many rows were new.

    Two workers inserting the same keys at once store each key once; neither fails.
    """
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table).on_conflict_do_nothing(index_elements=list(unique)).returning(table.c.id)
    return sum(len(session.execute(stmt, list(batch)).all()) for batch in chunks(rows))
