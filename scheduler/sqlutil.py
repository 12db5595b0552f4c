"""Set-based helpers that work the same on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import JSON, Table
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

CHUNK = 2000
# What SQLAlchemy's JSON type stores, minus the \uXXXX escapes (half the bytes for Chinese text).
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def chunks(rows: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def insert_ignoring_duplicates(session: Session, table: Table, names: Sequence[str], rows: Sequence[tuple[Any, ...]],
                               unique: Sequence[str]) -> int:
    """INSERT … ON CONFLICT (unique) DO NOTHING in batches; returns how many rows were new.

    `rows` are tuples of values for the columns `names`. Two workers inserting the same keys at once
    store each key once; neither fails.
    """
    if not rows:
        return 0
    if session.get_bind().dialect.name == "sqlite":
        return _sqlite_insert(session, table, names, rows, unique)
    stmt = postgresql.insert(table).on_conflict_do_nothing(index_elements=list(unique)).returning(table.c.id)
    dicts = [dict(zip(names, row, strict=True)) for row in rows]
    return sum(len(session.execute(stmt, list(batch)).all()) for batch in chunks(dicts))


def _sqlite_insert(session: Session, table: Table, names: Sequence[str], rows: Sequence[tuple[Any, ...]],
                   unique: Sequence[str]) -> int:
    """One executemany, values converted column by column by the columns' own bind processors (each
    distinct value once): SQLAlchemy's per-row work would dominate at 100,000 rows."""
    conn = session.connection()
    columns = [list(c) for c in zip(*rows, strict=True)]
    for i, name in enumerate(names):
        column_type = table.c[name].type
        process = column_type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        if isinstance(column_type, JSON):
            columns[i] = [None if v is None else _JSON.encode(v) for v in columns[i]]
        elif process is not None:
            columns[i] = _convert(columns[i], process)
    quoted = ", ".join(f'"{n}"' for n in names)
    sql = (f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" * len(names))}) '
           f'ON CONFLICT ({", ".join(unique)}) DO NOTHING')
    params = list(zip(*columns, strict=True))
    return sum(conn.exec_driver_sql(sql, list(batch)).rowcount for batch in chunks(params, 5000))


def _convert(values: list[Any], process: Callable[[Any], Any]) -> list[Any]:
    memo: dict[Any, Any] = {}
    out = []
    for v in values:
        if v is None:
            out.append(None)
            continue
        if v not in memo:
            memo[v] = process(v)
        out.append(memo[v])
    return out
