"""Bulk SQL helpers that work the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    MetaData,
    Table,
    Text,
    any_,
    bindparam,
    exists,
    func,
    inspect,
    literal,
    select,
    tuple_,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.schema import CreateIndex
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.types import TypeEngine


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
    Every row must have the same keys.
    """
    if not rows:
        return
    columns = tuple(rows[0].keys())
    sql, order = _compiled_upsert(
        conn.dialect, table, columns, tuple(key), tuple(update), only_if_newer
    )
    _executemany(conn, sql, order, rows)


def insert_ignore(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], *, key: Sequence[str]
) -> None:
    """INSERT ... ON CONFLICT DO NOTHING, as one executemany."""
    upsert(conn, table, rows, key=key, update=())


@lru_cache(maxsize=256)
def _compiled_upsert(
    dialect: Dialect,
    table: Table,
    columns: tuple[str, ...],
    key: tuple[str, ...],
    update: tuple[str, ...],
    only_if_newer: str | None,
) -> tuple[str, tuple[str, ...]]:
    """The SQL text, and the parameter names in the order a positional driver binds them."""
    flavour = postgresql if dialect.name == "postgresql" else sqlite
    stmt = flavour.insert(table).values({name: bindparam(name) for name in columns})
    where: ColumnElement[bool] | None = None
    if only_if_newer is not None:
        where = stmt.excluded[only_if_newer] > table.c[only_if_newer]
    if update:
        stmt = stmt.on_conflict_do_update(
            index_elements=list(key),
            set_={name: stmt.excluded[name] for name in update},
            where=where,
        )
    elif key:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(key))
    compiled = stmt.compile(dialect=dialect)
    order = tuple(compiled.positiontup or columns)
    missing = set(order) - set(columns)
    if missing:
        # A column left out would get a default SQLAlchemy renders as a parameter
        # that the rows do not carry: callers pass every column instead.
        raise ValueError(f"rows for {table.name} lack columns {sorted(missing)}")
    return str(compiled), order


def _executemany(
    conn: Connection, sql: str, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Runs a statement compiled once through the driver's executemany.

    SQLAlchemy's per-value bind processing costs more than the insert itself
    on hot paths; the values here need one conversion only: datetimes become
    naive UTC (the columns are timestamps without zone), as text on SQLite in
    the format SQLAlchemy reads back.
    """
    convert = _sqlite_value if conn.dialect.paramstyle == "qmark" else _naive_utc
    # Convert only the columns that may hold dates (most hold text, numbers,
    # bytes), and each distinct value once: a batch shares a few timestamps.
    first = rows[0]
    dated = {name for name in columns if first[name] is None or isinstance(first[name], dt.date)}
    memo: dict[Any, Any] = {}

    def converted(v: Any) -> Any:
        if not isinstance(v, dt.date):
            return v
        done = memo.get(v, memo)
        if done is memo:
            done = memo[v] = convert(v)
        return done

    if conn.dialect.paramstyle == "qmark":
        at = [i for i, name in enumerate(columns) if name in dated]
        params: list[Any] = []
        for row in rows:
            values = [row[name] for name in columns]
            for i in at:
                values[i] = converted(values[i])
            params.append(tuple(values))
        conn.exec_driver_sql(sql, params)
    else:
        conn.exec_driver_sql(
            sql, [{n: converted(v) if n in dated else v for n, v in row.items()} for row in rows]
        )


def _naive_utc(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        v = _naive_utc(value)
        return (
            f"{v.year:04d}-{v.month:02d}-{v.day:02d} "
            f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}"
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def stored_offsets(engine: Engine, table: Table) -> dict[tuple[str, int], int]:
    """Where a feed resumes each partition: the offset after its last applied event
    (tables with topic, partition and next_offset columns)."""
    with engine.connect() as conn:
        return {
            (topic, partition): offset
            for topic, partition, offset in conn.execute(
                select(table.c.topic, table.c.partition, table.c.next_offset)
            )
        }


def among(
    conn: Connection, column: ColumnElement[Any], values: Sequence[Any]
) -> ColumnElement[bool]:
    """`column IN values` for thousands of values, bound as one parameter: a JSON
    array read by json_each on SQLite, an array on PostgreSQL.

    An expanding IN binds and renders every value, which costs more than the
    lookups themselves at batch sizes, and needs chunking under the databases'
    limits on bound parameters; one parameter needs neither.
    """
    return in_values(conn.dialect.name, column, values)


def in_values(
    dialect: str, column: ColumnElement[Any], values: Sequence[Any]
) -> ColumnElement[bool]:
    """`among` for a dialect by name, where no connection is at hand."""
    return _in_list(
        dialect, column, bindparam(None, listed(dialect, values), type_=_list_type(dialect))
    )


def among_bound(dialect: str, column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """`among` with its values bound when the statement runs, as parameter
    `name` given `listed(dialect, values)`: a statement made once (per
    dialect) then serves every call. Making a statement and its cache key
    costs more than running it when a batch is one record (about 100 µs a
    statement here, against 40 µs to run a lookup), which is how a status
    change travels. On PostgreSQL the values are text."""
    return _in_list(dialect, column, bindparam(name, type_=_list_type(dialect)))


def listed(dialect: str, values: Iterable[Any]) -> str | list[Any]:
    """`values` as the one parameter of `among_bound` takes them."""
    return list(values) if dialect == "postgresql" else json.dumps(list(values))


def _list_type(dialect: str) -> TypeEngine[Any] | None:
    return ARRAY(Text) if dialect == "postgresql" else None


def _in_list(
    dialect: str, column: ColumnElement[Any], values: BindParameter[Any]
) -> ColumnElement[bool]:
    if dialect == "postgresql":
        return column == any_(values)
    return column.in_(select(func.json_each(values).table_valued("value").c.value))


def tagged_with_any(
    dialect: str, tags: ColumnElement[Any], values: Sequence[str]
) -> ColumnElement[bool]:
    """Whether a ",a,b," tag column holds any of `values`: one expression bound as
    one parameter whatever their number, and a plain substring test, so no
    value acts as a LIKE wildcard."""
    listed_values = bindparam(None, listed(dialect, values), type_=_list_type(dialect))
    if dialect == "postgresql":
        table = func.unnest(listed_values).table_valued("value").render_derived()
        found = func.strpos(tags, literal(",") + table.c.value + literal(",")) > 0
    else:
        table = func.json_each(listed_values).table_valued("value")
        found = func.instr(tags, literal(",") + table.c.value + literal(",")) > 0
    return exists(select(literal(1)).select_from(table).where(found))


def tuples_among(
    conn: Connection,
    columns: Sequence[ColumnElement[Any]],
    rows: Sequence[Sequence[Any]],
) -> ColumnElement[bool]:
    """`(columns...) IN rows`, one parameter per column (see `among`); each
    column's values are bound with that column's type."""
    dialect = conn.dialect.name
    values = listed_tuples(dialect, "", rows, len(columns))
    return _tuples_in(
        dialect,
        columns,
        [
            bindparam(None, v, type_=_tuple_type(dialect, columns, i))
            for i, v in enumerate(values.values())
        ],
    )


def tuples_among_bound(
    dialect: str, columns: Sequence[ColumnElement[Any]], name: str
) -> ColumnElement[bool]:
    """`tuples_among` with its rows bound when the statement runs, as the
    parameters `listed_tuples(dialect, name, rows, len(columns))` gives (see
    `among_bound`)."""
    names = _tuple_names(dialect, name, len(columns))
    return _tuples_in(
        dialect,
        columns,
        [bindparam(n, type_=_tuple_type(dialect, columns, i)) for i, n in enumerate(names)],
    )


def listed_tuples(
    dialect: str, name: str, rows: Iterable[Sequence[Any]], width: int
) -> dict[str, Any]:
    """`rows` as the parameters of `tuples_among_bound(dialect, columns, name)`:
    an array per column on PostgreSQL, one JSON array of rows on SQLite."""
    names = _tuple_names(dialect, name, width)
    if dialect == "postgresql":
        listed_rows = list(rows)
        return {n: [row[i] for row in listed_rows] for i, n in enumerate(names)}
    return {names[0]: json.dumps([list(row) for row in rows])}


def _tuple_names(dialect: str, name: str, width: int) -> list[str]:
    return [f"{name}_{i}" for i in range(width)] if dialect == "postgresql" else [name]


def _tuple_type(
    dialect: str, columns: Sequence[ColumnElement[Any]], i: int
) -> TypeEngine[Any] | None:
    return ARRAY(columns[i].type) if dialect == "postgresql" else None


def _tuples_in(
    dialect: str, columns: Sequence[ColumnElement[Any]], params: Sequence[BindParameter[Any]]
) -> ColumnElement[bool]:
    if dialect == "postgresql":
        names = [f"c{i}" for i in range(len(columns))]
        table = func.unnest(*params).table_valued(*names).render_derived()
        return tuple_(*columns).in_(select(*(table.c[name] for name in names)))
    [rows] = params
    table = func.json_each(rows).table_valued("value")
    return tuple_(*columns).in_(
        select(*(func.json_extract(table.c.value, f"$[{i}]") for i in range(len(columns))))
    )


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Plain INSERT of rows that all have the same keys, in order: COPY on
    PostgreSQL (an executemany there renders and binds every value, several
    times slower), executemany on SQLite."""
    if not rows:
        return
    columns = tuple(rows[0].keys())
    if conn.dialect.name != "postgresql":
        sql, order = _compiled_upsert(conn.dialect, table, columns, (), (), None)
        _executemany(conn, sql, order, rows)
        return
    names = ", ".join(f'"{name}"' for name in columns)
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([_naive_utc(row[name]) for name in columns])


def _create_missing_indexes(engine: Engine, metadata: MetaData) -> None:
    # IF NOT EXISTS rather than a look first: two replicas starting together
    # would both find the index missing.
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            for index in table.indexes:
                conn.execute(CreateIndex(index, if_not_exists=True))


def create_tables(engine: Engine, metadata: MetaData, remedy: str) -> None:
    """Creates a store's tables, and fails clearly, saying `remedy`, on a database
    an older version made: create_all adds missing tables but not missing
    columns, and there are no migrations. Indexes added since are made (it
    skips an existing table whole)."""
    metadata.create_all(engine)
    inspector = inspect(engine)
    for table in metadata.sorted_tables:
        present = {c["name"] for c in inspector.get_columns(table.name)}
        missing = [c.name for c in table.c if c.name not in present]
        if missing:
            raise RuntimeError(
                f"the database predates this version: table {table.name} lacks "
                f"{', '.join(missing)}. {remedy}"
            )
    _create_missing_indexes(engine, metadata)
