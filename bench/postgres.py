"""Fresh PostgreSQL databases for a benchmark run."""

from __future__ import annotations

import uuid

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url


class PostgresDatabases:
    def __init__(self, admin_dsn: str) -> None:
        self._admin = make_url(admin_dsn)
        self._libpq = self._admin.set(drivername="postgresql").render_as_string(hide_password=False)
        self._run = uuid.uuid4().hex[:8]
        self.created: list[str] = []

    def url(self, service: str) -> str:
        name = f"yrdhub_bench_{self._run}_{service.replace('-', '_')}"
        if name not in self.created:
            with psycopg.connect(self._libpq, autocommit=True) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            self.created.append(name)
        return self._admin.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with psycopg.connect(self._libpq, autocommit=True) as conn:
            for name in self.created:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
