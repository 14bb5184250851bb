"""Bulk SQL helpers that work the same on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, Text, any_, bindparam, func, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    key: Sequence[str],
    update: Sequence[str],
    only_if_newer: str | None = None,
) -> None:
    """INSERT ... ON CONFLICT (key) DO UPDATE, as one executemany.

    With only_if_newer="revision", an existing row is replaced only by a
    higher value of that column, which makes replays and duplicates no-ops.
    """
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    where: ColumnElement[bool] | None = None
    if only_if_newer is not None:
        where = stmt.excluded[only_if_newer] > table.c[only_if_newer]
    if update:
        stmt = stmt.on_conflict_do_update(
            index_elements=list(key),
            set_={name: stmt.excluded[name] for name in update},
            where=where,
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(key))
    conn.execute(stmt, list(rows))


def insert_ignore(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], *, key: Sequence[str]
) -> None:
    """INSERT ... ON CONFLICT DO NOTHING, as one executemany."""
    upsert(conn, table, rows, key=key, update=())


def among(
    conn: Connection, column: ColumnElement[Any], values: Sequence[Any]
) -> ColumnElement[bool]:
    """`column IN values` for thousands of values, bound as one parameter: a JSON
    array read by json_each on SQLite, an array on PostgreSQL.

    An expanding IN binds and renders every value, which costs more than the
    lookups themselves at batch sizes, and needs chunking under the databases'
    limits on bound parameters; one parameter needs neither.
    """
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(Text)))
    table = func.json_each(json.dumps(list(values))).table_valued("value")
    return column.in_(select(table.c.value))


def pairs_among(
    conn: Connection,
    first: ColumnElement[Any],
    second: ColumnElement[Any],
    pairs: Sequence[tuple[Any, Any]],
) -> ColumnElement[bool]:
    """`(first, second) IN pairs`, bound as one parameter (see `among`)."""
    if conn.dialect.name == "postgresql":
        table = (
            func.unnest(
                bindparam(None, [a for a, _ in pairs], type_=ARRAY(Text)),
                bindparam(None, [b for _, b in pairs], type_=ARRAY(Text)),
            )
            .table_valued("a", "b")
            .render_derived()
        )
        return tuple_(first, second).in_(select(table.c.a, table.c.b))
    table = func.json_each(json.dumps([list(p) for p in pairs])).table_valued("value")
    return tuple_(first, second).in_(
        select(func.json_extract(table.c.value, "$[0]"), func.json_extract(table.c.value, "$[1]"))
    )


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Plain INSERT of rows that all have the same keys, in order: COPY on
    PostgreSQL (an executemany there renders and binds every value, several
    times slower), executemany on SQLite."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), list(rows))
        return
    columns = list(rows[0].keys())
    names = ", ".join(f'"{name}"' for name in columns)
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[name] for name in columns])
