"""Assessors' personal data, kept by their home province's exchange and nowhere else.

A provincial system may submit an assessor with an `identity` (name, identity
number, phone). The exchange derives the pseudonymous assessor_id from the
identity number with the hub's secret, stores the identity here and lets only
the pseudonymous record go on: the identity is not part of the domain record,
so it cannot reach the outbox, Kafka or the registry.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from services.common.sql import upsert
from services.core.errors import Violation, violations_of
from services.core.provinces import Province
from services.core.pseudonyms import (
    AssessorIdentity,
    PseudonymSecret,
    derive_assessor_id,
    secret_fingerprint,
)
from yrdhub.v1 import records_pb2

log = logging.getLogger(__name__)

SECRET_ENV = "YRDHUB_PSEUDONYM_SECRET"


class IdentityTables(SQLModel, registry=registry()):
    """Base of the identity vault's table (their own metadata)."""


class IdentityRow(IdentityTables, table=True):
    __tablename__ = "assessor_identity"
    assessor_id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=100)
    id_number: str = Field(max_length=64)
    phone: str = Field(default="", max_length=32)
    updated_at: dt.datetime


_identity = IdentityTables.metadata.tables["assessor_identity"]


def load_secret(path: Path | None) -> PseudonymSecret | None:
    """The secret from YRDHUB_PSEUDONYM_SECRET, else from the file; None if neither.

    Never on the command line: other users of the machine can read a
    process's arguments.
    """
    value = os.environ.get(SECRET_ENV)
    key = value.encode() if value else None
    if key is None and path is not None:
        key = path.read_bytes().strip()
    if key is None:
        return None
    secret = PseudonymSecret(key)
    log.info("pseudonym secret loaded (fingerprint %s)", secret_fingerprint(secret))
    return secret


@dataclass(frozen=True, slots=True)
class PendingIdentity:
    """An identity to store once the record it came with is accepted."""

    assessor_id: str
    identity: AssessorIdentity


class IdentityVault:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create_schema(self) -> None:
        IdentityTables.metadata.create_all(self._engine)

    def save(self, pending: Sequence[PendingIdentity], now: dt.datetime) -> None:
        latest = {p.assessor_id: p for p in pending}  # the last of a batch wins
        with self._engine.begin() as conn:
            upsert(
                conn,
                _identity,
                [
                    {
                        "assessor_id": p.assessor_id,
                        "name": p.identity.name,
                        "id_number": p.identity.id_number,
                        "phone": p.identity.phone,
                        "updated_at": now,
                    }
                    for p in latest.values()
                ],
                key=["assessor_id"],
                update=["name", "id_number", "phone", "updated_at"],
            )

    def lookup(self, assessor_ids: Iterable[str]) -> dict[str, AssessorIdentity]:
        wanted = sorted(set(assessor_ids))
        found: dict[str, AssessorIdentity] = {}
        with self._engine.connect() as conn:
            for start in range(0, len(wanted), 1000):
                for ident, name, number, phone in conn.execute(
                    select(
                        _identity.c.assessor_id,
                        _identity.c.name,
                        _identity.c.id_number,
                        _identity.c.phone,
                    ).where(_identity.c.assessor_id.in_(wanted[start : start + 1000]))
                ):
                    found[ident] = AssessorIdentity.model_construct(
                        name=name, id_number=number, phone=phone
                    )
        return found


class Pseudonymiser:
    """Turns a submitted identity into the assessor's pseudonymous id."""

    def __init__(
        self, province: Province, secret: PseudonymSecret | None, vault: IdentityVault
    ) -> None:
        self._province = province
        self._secret = secret
        self._vault = vault

    def apply(
        self, assessor: records_pb2.Assessor, values: dict[str, Any]
    ) -> PendingIdentity | list[Violation]:
        """Sets values["assessor_id"] from the identity; or says why it cannot."""
        if self._secret is None:
            return [
                Violation(
                    "assessor.identity",
                    "this exchange has no pseudonym secret (set YRDHUB_PSEUDONYM_SECRET "
                    "or --pseudonym-secret-file), so it cannot accept identities",
                )
            ]
        given = assessor.identity
        try:
            identity = AssessorIdentity(
                name=given.name, id_number=given.id_number, phone=given.phone
            )
        except ValidationError as exc:
            return violations_of(exc, "assessor.identity")
        derived = derive_assessor_id(self._secret, self._province, identity.id_number)
        if assessor.assessor_id and assessor.assessor_id != derived:
            return [
                Violation(
                    "assessor.assessor_id",
                    "the exchange derives the id from the identity: leave it empty",
                )
            ]
        values["assessor_id"] = derived
        return PendingIdentity(derived, identity)

    def save(self, pending: Sequence[PendingIdentity], now: dt.datetime) -> None:
        if pending:
            self._vault.save(pending, now)
