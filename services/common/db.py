"""SQL engines: SQLite (embedded default) or PostgreSQL, from one URL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool
from sqlmodel import create_engine

# Reads map the database file instead of copying each page in with a system
# call: a hot check touches a handful of index and data pages.
SQLITE_MMAP_BYTES = 256 * 1024 * 1024
# A batch of thousands of records dirties pages all over the tables' indexes.
# With SQLite's default 2 MiB cache a transaction spills them to the WAL and
# reads them back before it commits; with 64 MiB (an upper bound, taken only
# as pages are touched) each dirty page is written once, at the commit.
SQLITE_CACHE_KIB = 64 * 1024
# Pages of 16 KiB: a commit writes its dirty pages to the WAL one system call
# each, and a batch's rows and index entries take a quarter of the calls they
# take in 4 KiB pages (the bench's ingest ran ~8% faster). Set when a database
# is created; an existing one keeps the size it was made with.
SQLITE_PAGE_BYTES = 16 * 1024
# The write-ahead log is copied back into the database once it holds 4 MiB, as
# with SQLite's default of 1,000 pages of 4 KiB: counted in the larger pages
# the log would grow to 16 MiB between checkpoints (ingest measured the same).
SQLITE_CHECKPOINT_BYTES = 4 * 1024 * 1024
# A checkpoint cannot pass a reader's snapshot, so a long read (a rebuild's,
# an export's) lets the log grow: the 10M scale run left a 6.5 GB log beside
# its database. SQLite reuses the file from its start afterwards but keeps its
# size; beyond this, it is cut back once a checkpoint has copied it all.
SQLITE_WAL_KEEP_BYTES = 64 * 1024 * 1024


def make_engine(url: str) -> Engine:
    """An engine tuned for its backend.

    SQLite runs in WAL mode with synchronous=FULL so that a commit that was
    acknowledged survives a crash of the process or the machine; readers
    never block the single writer.
    """
    if url.startswith("sqlite"):
        # hide_parameters: a failed statement's message (logged, or carried by
        # an exception) must not carry the values, which may be personal data.
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            hide_parameters=True,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # Before WAL mode, which writes the header of a new database.
            cur.execute(f"PRAGMA page_size={SQLITE_PAGE_BYTES}")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
            cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            # In the database's own pages: one made before keeps 4 KiB ones.
            page = cur.execute("PRAGMA page_size").fetchone()[0]
            cur.execute(f"PRAGMA wal_autocheckpoint={SQLITE_CHECKPOINT_BYTES // page}")
            cur.execute(f"PRAGMA journal_size_limit={SQLITE_WAL_KEEP_BYTES}")
            cur.close()

        return engine
    return _sessions_in_utc(
        create_engine(
            sqlalchemy_url(url),
            pool_size=8,
            max_overflow=8,
            pool_pre_ping=True,
            hide_parameters=True,
        )
    )


def sqlalchemy_url(url: str) -> str:
    """A plain PostgreSQL URI (libpq's `postgresql://` or `postgres://`, as
    CloudNativePG's generated secret holds it) as SQLAlchemy's URL with the
    psycopg driver; any other URL as it is."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url.removeprefix(scheme)
    return url


def _sessions_in_utc(engine: Engine) -> Engine:
    """Timestamps are stored as UTC without a zone: a session in another time
    zone (PGTZ, or the server's default) would shift every aware datetime it
    writes. Set per connection, as PGTZ overrides connection options."""

    @event.listens_for(engine, "connect")
    def _utc(dbapi_conn: Any, _record: Any) -> None:
        with dbapi_conn.cursor() as cur:
            cur.execute("SET TIME ZONE 'UTC'")
        dbapi_conn.commit()

    return engine


def reader_engine(engine: Engine) -> Engine:
    """An engine for plain reads outside any transaction.

    On PostgreSQL its connections are in autocommit and are closed, not pooled,
    when their thread is done with them: handed back to the writers' pool, an
    autocommit connection would make a later write transaction not atomic.
    SQLite readers need no such care and share the engine.
    """
    if engine.dialect.name != "postgresql":
        return engine
    return _sessions_in_utc(
        create_engine(engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    )


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
