"""Assessors' personal data, kept by their home province's exchange and nowhere else.

A provincial system may submit an assessor with an `identity` (name, identity
number, phone). The exchange has the registry derive the pseudonymous
assessor_id from the identity number (the key is the registry's alone), stores
the identity here and lets only the pseudonymous record go on: the identity is
not part of the domain record, so it cannot reach the outbox, Kafka or the
registry.

Stored encrypted (AES-256-GCM, the assessor id as associated data, so a
sealed identity cannot be moved to another row) with a key from the
exchange's configuration (YRDHUB_IDENTITY_KEY or --identity-key-file): a copy
of the database, or a backup, reads as noise without it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import LargeBinary, delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import registry
from sqlmodel import Column, Field, SQLModel

from services.common.sql import upsert
from services.core.pseudonyms import AssessorIdentity

log = logging.getLogger(__name__)

IDENTITY_KEY_ENV = "YRDHUB_IDENTITY_KEY"


class IdentityTables(SQLModel, registry=registry()):
    """Base of the identity vault's table (their own metadata)."""


class IdentityRow(IdentityTables, table=True):
    __tablename__ = "assessor_identity"
    assessor_id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=100)
    id_number: str = Field(max_length=64)
    phone: str = Field(default="", max_length=32)
    updated_at: dt.datetime


class SealedIdentityRow(IdentityTables, table=True):
    __tablename__ = "assessor_identity_sealed"
    assessor_id: str = Field(primary_key=True, max_length=64)
    # nonce (12 bytes) + AES-GCM ciphertext of the identity's JSON.
    sealed: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    updated_at: dt.datetime


# Identities stored in clear by earlier versions: sealed and moved at start-up.
_legacy = IdentityTables.metadata.tables["assessor_identity"]
_sealed = IdentityTables.metadata.tables["assessor_identity_sealed"]


class IdentitySealer:
    """Encrypts identities for the vault; the key never leaves configuration."""

    def __init__(self, material: bytes) -> None:
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"yrdhub identity vault v1"
        ).derive(material)
        self._aead = AESGCM(key)

    def seal(self, assessor_id: str, identity: AssessorIdentity) -> bytes:
        nonce = os.urandom(12)
        clear = json.dumps(identity.model_dump(), ensure_ascii=False).encode()
        return nonce + self._aead.encrypt(nonce, clear, assessor_id.encode())

    def open(self, assessor_id: str, sealed: bytes) -> AssessorIdentity:
        clear = self._aead.decrypt(sealed[:12], sealed[12:], assessor_id.encode())
        return AssessorIdentity.model_construct(**json.loads(clear))


def load_identity_key(path: Path | None) -> IdentitySealer | None:
    """The vault's key from YRDHUB_IDENTITY_KEY, else from the file; None if neither."""
    value = os.environ.get(IDENTITY_KEY_ENV)
    material = value.encode() if value else None
    if material is None and path is not None:
        material = path.read_bytes().strip()
    return None if not material else IdentitySealer(material)


@dataclass(frozen=True, slots=True)
class PendingIdentity:
    """An identity to store once the record it came with is accepted."""

    assessor_id: str
    identity: AssessorIdentity
    # What the exchange answers about it without refusing it (field, text).
    warnings: tuple[tuple[str, str], ...] = ()


class IdentityVault:
    def __init__(self, engine: Engine, sealer: IdentitySealer | None) -> None:
        # None: no key configured, and identities are refused (Pseudonymiser).
        self._engine = engine
        self._sealer = sealer

    @property
    def can_store(self) -> bool:
        return self._sealer is not None

    def create_schema(self) -> None:
        IdentityTables.metadata.create_all(self._engine)
        if self._sealer is not None:
            self._seal_legacy(self._sealer)
            self._check_key(self._sealer)
            return
        with self._engine.connect() as conn:
            if conn.execute(select(_legacy.c.assessor_id).limit(1)).first() is not None:
                raise RuntimeError(
                    "this database keeps assessors' identities in clear (an earlier version): "
                    "give the exchange an identity key (YRDHUB_IDENTITY_KEY or "
                    "--identity-key-file) so that it seals them"
                )

    def _check_key(self, sealer: IdentitySealer) -> None:
        """Refuses to start with a key that does not open the identities kept
        here (a wrong or rotated key): it would answer every read without them."""
        with self._engine.connect() as conn:
            row = conn.execute(select(_sealed.c.assessor_id, _sealed.c.sealed).limit(1)).first()
        if row is None:
            return
        try:
            sealer.open(row.assessor_id, row.sealed)
        except InvalidTag:
            raise RuntimeError(
                "the identity key (YRDHUB_IDENTITY_KEY or --identity-key-file) does not open "
                "the identities this database keeps: start with the key they were sealed with"
            ) from None

    def _seal_legacy(self, sealer: IdentitySealer) -> None:
        """Moves identities an earlier version stored in clear into the sealed table."""
        with self._engine.begin() as conn:
            rows = conn.execute(select(_legacy)).all()
            if not rows:
                return
            upsert(
                conn,
                _sealed,
                [
                    {
                        "assessor_id": r.assessor_id,
                        "sealed": sealer.seal(
                            r.assessor_id,
                            AssessorIdentity.model_construct(
                                name=r.name, id_number=r.id_number, phone=r.phone
                            ),
                        ),
                        "updated_at": r.updated_at,
                    }
                    for r in rows
                ],
                key=["assessor_id"],
                update=["sealed", "updated_at"],
            )
            if conn.dialect.name == "sqlite":
                # Deleted rows' bytes stay in the file's free pages otherwise.
                conn.exec_driver_sql("PRAGMA secure_delete=ON")
            conn.execute(delete(_legacy))
        if self._engine.dialect.name == "sqlite":
            with self._engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM")
        log.info("sealed %d identities stored in clear by an earlier version", len(rows))

    def save(self, pending: Sequence[PendingIdentity], now: dt.datetime) -> None:
        if self._sealer is None:
            raise RuntimeError("no identity key: identities cannot be stored")
        latest = {p.assessor_id: p for p in pending}  # the last of a batch wins
        with self._engine.begin() as conn:
            upsert(
                conn,
                _sealed,
                [
                    {
                        "assessor_id": p.assessor_id,
                        "sealed": self._sealer.seal(p.assessor_id, p.identity),
                        "updated_at": now,
                    }
                    for p in latest.values()
                ],
                key=["assessor_id"],
                update=["sealed", "updated_at"],
            )

    def lookup(self, assessor_ids: Iterable[str]) -> dict[str, AssessorIdentity]:
        if self._sealer is None:
            return {}
        wanted = sorted(set(assessor_ids))
        found: dict[str, AssessorIdentity] = {}
        with self._engine.connect() as conn:
            for start in range(0, len(wanted), 1000):
                for ident, sealed in conn.execute(
                    select(_sealed.c.assessor_id, _sealed.c.sealed).where(
                        _sealed.c.assessor_id.in_(wanted[start : start + 1000])
                    )
                ):
                    try:
                        found[ident] = self._sealer.open(ident, sealed)
                    except InvalidTag:
                        # Another key, or a damaged row: that one identity is
                        # missing from the answer, the others are not.
                        log.error("the identity of %s does not open with this key", ident)
        return found
