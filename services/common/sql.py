"""Bulk SQL helpers that work the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
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
