"""The bulk SQL helpers behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, select

from services.common.db import make_engine
from services.common.sql import insert_ignore, insert_rows, upsert

_md = MetaData()
_t = Table(
    "sql_helper_t",
    _md,
    Column("k", String(10), primary_key=True),
    Column("name", String(20)),
    Column("rev", Integer),
    Column("at", DateTime),
)
CHINA = dt.timezone(dt.timedelta(hours=8))


def test_upsert_binds_by_name_moves_only_forward_and_stores_utc(db_url: str) -> None:
    engine = make_engine(db_url)
    _md.create_all(engine)
    at = dt.datetime(2026, 11, 29, 8, 0, tzinfo=CHINA)  # 00:00 UTC
    with engine.begin() as conn:
        # Keys in another order than the table's columns.
        upsert(
            conn,
            _t,
            [{"rev": 2, "at": at, "name": "b", "k": "x"}],
            key=["k"],
            update=["name", "rev", "at"],
            only_if_newer="rev",
        )
        upsert(
            conn,
            _t,
            [{"rev": 1, "at": at, "name": "old", "k": "x"}],
            key=["k"],
            update=["name", "rev", "at"],
            only_if_newer="rev",
        )
        insert_ignore(conn, _t, [{"k": "x", "name": "ignored", "rev": 9, "at": at}], key=["k"])
        insert_rows(conn, _t, [{"k": "y", "name": "c", "rev": 1, "at": at}])
    with engine.connect() as conn:
        rows = {r.k: r for r in conn.execute(select(_t))}
    assert (rows["x"].name, rows["x"].rev) == ("b", 2)
    assert rows["x"].at == rows["y"].at == dt.datetime(2026, 11, 29, 0, 0)
