"""Set-based helpers that work the same on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from itertools import chain
from typing import Any

from sqlalchemy import JSON, Connection, Table
from sqlalchemy.orm import Session

CHUNK = 2000
ROWS_PER_STATEMENT = 500  # SQLite: rows of one multi-row INSERT
# What SQLAlchemy's JSON type stores, minus the \uXXXX escapes (half the bytes for Chinese text).
_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def chunks(rows: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def insert_ignoring_duplicates(session: Session, table: Table, names: Sequence[str], rows: Sequence[tuple[Any, ...]],
                               unique: Sequence[str], *, same: Mapping[str, Any] | None = None,
                               json_text: Collection[str] = ()) -> int:
    """INSERT … ON CONFLICT (unique) DO NOTHING; returns how many rows were new.

    `rows` are tuples of values for the columns `names`; `same` gives columns whose value is the same
    in every row; `json_text` names JSON columns whose values in `rows` are JSON documents already
    encoded as text (stored as they are). Two workers inserting the same keys at once store each key
    once; neither fails.
    """
    if not rows:
        return 0
    same = same or {}
    if session.get_bind().dialect.name == "sqlite":
        return _sqlite_insert(session, table, names, rows, unique, same, json_text)
    return _postgres_insert(session, table, names, rows, unique, same, json_text)


def _postgres_insert(session: Session, table: Table, names: Sequence[str], rows: Sequence[tuple[Any, ...]],
                     unique: Sequence[str], same: Mapping[str, Any], json_text: Collection[str]) -> int:
    """INSERT … SELECT FROM unnest(one array per column) … ON CONFLICT DO NOTHING, a chunk of rows per
    statement. Each column travels as one array parameter, so neither SQLAlchemy nor psycopg handles
    rows one by one (executemany of 100,000 rows spent most of a PostgreSQL sweep in Python). Values go
    through the columns' bind processors first; JSON values travel as text and are cast in SQL."""
    conn = session.connection()
    dialect = conn.dialect
    as_json = {n for n in (*names, *same) if n in json_text or isinstance(table.c[n].type, JSON)}

    def sql_type(name: str) -> str:
        return "json" if name in as_json else table.c[name].type.compile(dialect=dialect)

    def prepared(name: str, values: list[Any]) -> list[Any]:
        if name in json_text:
            return values
        convert = _converter(table, name, dialect)
        if convert is _encode_json:  # dicts and lists: not hashable, encoded one by one
            return [None if v is None else convert(v) for v in values]
        return _convert(values, convert) if convert is not None else values

    def array_type(name: str) -> str:
        return "text[]" if name in as_json else f"{sql_type(name)}[]"

    params: dict[str, Any] = {}
    selected = []
    for i, name in enumerate(names):
        selected.append(f"u.c{i}::json" if name in as_json else f"u.c{i}")
    for j, (name, value) in enumerate(same.items()):
        params[f"s{j}"] = prepared(name, [value])[0]
        selected.append(f"%(s{j})s::{sql_type(name)}")
    arrays = ", ".join(f"%(a{i})s::{array_type(n)}" for i, n in enumerate(names))
    quoted = ", ".join(f'"{n}"' for n in (*names, *same))
    sql = (f'INSERT INTO "{table.name}" ({quoted}) SELECT {", ".join(selected)} '
           f'FROM unnest({arrays}) AS u({", ".join(f"c{i}" for i in range(len(names)))}) '
           f'ON CONFLICT ({", ".join(unique)}) DO NOTHING')
    new = 0
    for batch in chunks(rows):
        columns = [list(c) for c in zip(*batch, strict=True)]
        values = {f"a{i}": prepared(n, columns[i]) for i, n in enumerate(names)}
        new += conn.exec_driver_sql(sql, params | values).rowcount
    return new


def _sqlite_insert(session: Session, table: Table, names: Sequence[str], rows: Sequence[tuple[Any, ...]],
                   unique: Sequence[str], same: Mapping[str, Any], json_text: Collection[str]) -> int:
    """Values converted by the columns' own bind processors (each distinct value once; a value the same
    in every row written into the statement), then one executemany of multi-row INSERTs: at 100,000 rows
    SQLAlchemy's per-row work, binding the same value 100,000 times, and a statement step per row (a
    mutex and the GIL released and taken each time) would dominate."""
    conn = session.connection()
    converters = {name: _converter(table, name, conn.dialect) for name in (*names, *same) if name not in json_text}
    params = rows if isinstance(rows, list) else list(rows)
    if any(converters.get(n) for n in names):
        columns = [list(c) for c in zip(*rows, strict=True)]
        for i, name in enumerate(names):
            convert = converters.get(name)
            if convert is _encode_json:  # dicts and lists: not hashable, encoded one by one
                columns[i] = [None if v is None else convert(v) for v in columns[i]]
            elif convert is not None:
                columns[i] = _convert(columns[i], convert)
        params = list(zip(*columns, strict=True))
    placeholders = ["?"] * len(names)
    bound: list[Any] = []  # values of `same` that cannot be written as a literal: bound in every row
    for name, value in same.items():
        convert = converters.get(name)
        stored = value if value is None or convert is None else convert(value)
        text = _sqlite_literal(stored)
        placeholders.append("?" if text is None else text)
        if text is None:
            bound.append(stored)
    if bound:
        extra = tuple(bound)
        params = [row + extra for row in params]
    quoted = ", ".join(f'"{n}"' for n in (*names, *same))
    head, row, tail = (f'INSERT INTO "{table.name}" ({quoted}) VALUES ', f"({', '.join(placeholders)})",
                       f' ON CONFLICT ({", ".join(unique)}) DO NOTHING')
    per = max(1, min(ROWS_PER_STATEMENT, _variable_limit(conn) // len(params[0])))
    whole = len(params) // per * per
    new = 0
    if whole:
        groups = [tuple(chain.from_iterable(params[i:i + per])) for i in range(0, whole, per)]
        new += conn.exec_driver_sql(head + ", ".join([row] * per) + tail, groups).rowcount
    if whole < len(params):
        new += conn.exec_driver_sql(head + row + tail, list(params[whole:])).rowcount
    return new


def _variable_limit(conn: Connection) -> int:
    """How many ? one SQLite statement may have (999 before SQLite 3.32)."""
    getlimit = getattr(conn.connection.dbapi_connection, "getlimit", None)
    return int(getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)) if getlimit else 999


def _sqlite_literal(value: Any) -> str | None:
    """`value` as an SQLite literal that stores exactly what binding it stores; None if not written so."""
    if value is None:
        return "NULL"
    if type(value) is int:
        return str(value)
    if type(value) is str and "\x00" not in value:
        return "'" + value.replace("'", "''") + "'"
    return None


def _converter(table: Table, name: str, dialect: Any) -> Callable[[Any], Any] | None:
    column_type = table.c[name].type
    if isinstance(column_type, JSON):
        return _encode_json
    process: Callable[[Any], Any] | None = column_type.dialect_impl(dialect).bind_processor(dialect)
    return process


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
