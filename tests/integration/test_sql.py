"""The bulk SQL helpers behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String, Table, inspect, select

from services.common import db
from services.common.db import SQLITE_PAGE_BYTES, make_engine
from services.common.sql import (
    among,
    among_bound,
    create_tables,
    insert_ignore,
    insert_rows,
    listed,
    listed_tuples,
    tuples_among,
    tuples_among_bound,
    upsert,
)

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


def test_upsert_binds_by_name_moves_only_forward_and_stores_utc(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A client in China: PostgreSQL sessions would take its zone without make_engine's UTC.
    monkeypatch.setenv("PGTZ", "Asia/Shanghai")
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


def test_a_statement_made_once_looks_up_each_call_s_own_list(db_url: str) -> None:
    engine = make_engine(db_url)
    _md.create_all(engine)
    at = dt.datetime(2026, 11, 29, 0, 0)
    with engine.begin() as conn:
        insert_rows(conn, _t, [{"k": k, "name": k * 2, "rev": 1, "at": at} for k in "abcde"])
    dialect = engine.dialect.name
    stmt = select(_t.c.k).where(among_bound(dialect, _t.c.k, "keys")).order_by(_t.c.k)
    with engine.connect() as conn:
        for keys in (["b", "d", "zz"], ["a"], [], ["e", "e", "c"], ["it's", '"x"', "a"]):
            found = conn.execute(stmt, {"keys": listed(dialect, keys)}).scalars().all()
            assert found == sorted(set(keys) & set("abcde"))
            # The same rows as the statement made with its values.
            assert found == (
                conn.execute(select(_t.c.k).where(among(conn, _t.c.k, keys)).order_by(_t.c.k))
                .scalars()
                .all()
            )


def test_a_statement_made_once_looks_up_each_call_s_own_rows(db_url: str) -> None:
    engine = make_engine(db_url)
    _md.create_all(engine)
    at = dt.datetime(2026, 11, 29, 0, 0)
    with engine.begin() as conn:
        insert_rows(
            conn, _t, [{"k": k, "name": k * 2, "rev": n, "at": at} for n, k in enumerate("abc")]
        )
    dialect = engine.dialect.name
    columns = [_t.c.k, _t.c.rev]
    stmt = select(_t.c.k).where(tuples_among_bound(dialect, columns, "rows")).order_by(_t.c.k)
    with engine.connect() as conn:
        for rows in ([("a", 0), ("b", 0), ("c", 2)], [("b", 1)], [], [("it's", 1), ("a", 0)]):
            found = conn.execute(stmt, listed_tuples(dialect, "rows", rows, 2)).scalars().all()
            assert found == sorted(k for k, _ in set(rows) & {("a", 0), ("b", 1), ("c", 2)})
            assert found == (
                conn.execute(
                    select(_t.c.k).where(tuples_among(conn, columns, rows)).order_by(_t.c.k)
                )
                .scalars()
                .all()
            )


def test_timestamps_are_stored_in_utc_whatever_the_session_zone(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGTZ", "Asia/Shanghai")
    engine = make_engine(db_url)
    _md.create_all(engine)
    at = dt.datetime(2026, 11, 29, 0, 0, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(_t.insert(), [{"k": "z", "name": "plain insert", "rev": 1, "at": at}])
    with engine.connect() as conn:
        stored = conn.execute(select(_t.c.at).where(_t.c.k == "z")).scalar_one()
    assert stored == dt.datetime(2026, 11, 29, 0, 0)


def test_a_database_made_before_the_larger_pages_opens_as_it_was(tmp_path: Path) -> None:
    # A registry or exchange upgraded in place keeps its file: make_engine's
    # page size applies to new databases only, and an older one reads and
    # writes with the size it was made with.
    old = tmp_path / "old.db"
    with closing(sqlite3.connect(old)) as raw, raw:
        raw.execute("PRAGMA page_size=4096")
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("CREATE TABLE kept (k TEXT PRIMARY KEY, v TEXT)")
        raw.execute("INSERT INTO kept VALUES ('a', 'before')")
    engine = make_engine(f"sqlite:///{old}")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO kept VALUES ('b', 'after')")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA page_size").scalar() == 4096
        # Its log is still copied back at 4 MiB, in its own pages.
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1024
        assert conn.exec_driver_sql("SELECT k, v FROM kept ORDER BY k").all() == [
            ("a", "before"),
            ("b", "after"),
        ]
    engine.dispose()

    new = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    with new.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA page_size").scalar() == SQLITE_PAGE_BYTES
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 256
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    new.dispose()


def test_a_log_grown_behind_a_long_read_is_cut_back_once_copied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keep = 8 * 1024 * 1024
    monkeypatch.setattr(db, "SQLITE_WAL_KEEP_BYTES", keep)
    path = tmp_path / "grown.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)")
    # A reader's snapshot: no checkpoint may pass it, so the log grows.
    with closing(sqlite3.connect(path, isolation_level=None)) as reader:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM t").fetchall()
        for k in range(24):
            with engine.begin() as conn:
                conn.exec_driver_sql("INSERT INTO t VALUES (?, ?)", (k, os.urandom(1 << 20)))
        assert (tmp_path / "grown.db-wal").stat().st_size > 2 * keep
        reader.execute("COMMIT")
    for k in range(24, 32):
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (?, ?)", (k, b"x"))
    assert (tmp_path / "grown.db-wal").stat().st_size <= keep
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 32
    engine.dispose()


def test_tables_of_an_older_version_get_the_indexes_added_since(db_url: str) -> None:
    engine = make_engine(db_url)
    older = MetaData()
    Table("sql_helper_ix", older, Column("k", String(10), primary_key=True), Column("v", Integer))
    create_tables(engine, older, "start afresh")
    newer = MetaData()
    Table(
        "sql_helper_ix",
        newer,
        Column("k", String(10), primary_key=True),
        Column("v", Integer),
        Index("ix_sql_helper_ix_v", "v"),
    )
    create_tables(engine, newer, "start afresh")
    create_tables(engine, newer, "start afresh")  # already there: nothing to do
    assert [i["name"] for i in inspect(engine).get_indexes("sql_helper_ix")] == [
        "ix_sql_helper_ix_v"
    ]
    engine.dispose()
