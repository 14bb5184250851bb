"""A failed SQL statement's error, logged or raised, carries no values (they
may be personal data)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from services.common.db import make_engine


def test_a_failed_statement_does_not_carry_its_values(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/t.db")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE person (id_number TEXT PRIMARY KEY)"))
    with pytest.raises(IntegrityError) as failed, engine.begin() as conn:
        for _ in range(2):
            conn.execute(text("INSERT INTO person VALUES (:n)"), {"n": "110101199003077777"})
    assert "110101199003077777" not in str(failed.value)
