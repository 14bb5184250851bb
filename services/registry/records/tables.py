"""The registry's record tables: what every capability reads.

One metadata of their own (RecordTables.metadata), so a store creates
exactly its tables and nothing registers tables by being imported.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, LargeBinary, Table
from sqlalchemy.orm import registry
from sqlmodel import Column, Field, SQLModel


class RecordTables(SQLModel, registry=registry()):
    """Base of the record tables."""


class RegistryRecord(RecordTables, table=True):
    """The current revision of each record, per publishing province."""

    __tablename__ = "registry_record"
    __table_args__ = (
        # The trailing columns cover the conflict checks of the apply path
        # (names per USCC, certificates per label) without table lookups.
        Index("ix_registry_record_uscc", "uscc", "kind", "holder_name"),
        Index("ix_registry_record_code", "code"),
        Index("ix_registry_record_label", "label_code", "kind", "record_key"),
        # The assessor pool's refresh finds what changed since the last one;
        # kinds read whole (signatory bans, RecordStore.of_kind) are found by it.
        Index("ix_registry_record_kind_applied", "kind", "applied_at"),
    )
    province: str = Field(primary_key=True, max_length=2)
    record_key: str = Field(primary_key=True, max_length=200)
    kind: str = Field(max_length=32)
    revision: int
    sequence: int
    event_id: str = Field(max_length=36)
    accepted_at: dt.datetime
    applied_at: dt.datetime
    uscc: str = Field(max_length=18)
    code: str | None = Field(default=None, max_length=64)
    label_code: str | None = Field(default=None, max_length=64)
    # What conflict rules compare, kept beside the payload so that detecting
    # conflicts in the apply transaction needs no protobuf parsing.
    holder_name: str | None = Field(default=None, max_length=500)
    status: str | None = Field(default=None, max_length=16)
    # Unbounded: an exchange's malformed date must not fail a whole batch.
    valid_from: str | None = Field(default=None)
    valid_until: str | None = Field(default=None)
    # A green certificate's product (enterprise/model): a label's certificates
    # conflict only if they are for different products.
    product: str | None = Field(default=None)
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # Check answers serialized at apply time (see answers.py): the StoredRecord
    # of a certificate, and the LabelMatch of a green certificate.
    answer: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    label_answer: bytes | None = Field(default=None, sa_column=Column(LargeBinary))


class RecordVersion(RecordTables, table=True):
    """Every revision ever applied: the history behind as-of queries. Its holder
    and codes say which versions answer a lookup by them; the records to look
    at come from registry_record's indexes and record_former_term."""

    __tablename__ = "record_version"
    province: str = Field(primary_key=True, max_length=2)
    record_key: str = Field(primary_key=True, max_length=200)
    revision: int = Field(primary_key=True)
    kind: str = Field(max_length=32)
    sequence: int
    event_id: str = Field(max_length=36)
    accepted_at: dt.datetime
    applied_at: dt.datetime
    uscc: str = Field(max_length=18)
    code: str | None = Field(default=None, max_length=64)
    label_code: str | None = Field(default=None, max_length=64)
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class FormerTerm(RecordTables, table=True):
    """A holder (USCC), certificate number or label code a record had in some
    version but not in its current one: as-of lookups find the record by it.
    Written only when a version changes one of them, so a lookup by a term
    finds every record that ever had it (registry_record holds the current
    terms) without indexing every version."""

    __tablename__ = "record_former_term"
    term: str = Field(primary_key=True, max_length=64)
    province: str = Field(primary_key=True, max_length=2)
    record_key: str = Field(primary_key=True, max_length=200)


class FeedState(RecordTables, table=True):
    __tablename__ = "feed_state"
    province: str = Field(primary_key=True, max_length=2)
    last_sequence: int = 0
    last_accepted_at: dt.datetime | None = None
    last_applied_at: dt.datetime | None = None
    events_applied: int = 0


class ConsumerOffset(RecordTables, table=True):
    __tablename__ = "consumer_offset"
    topic: str = Field(primary_key=True, max_length=200)
    partition: int = Field(primary_key=True)
    next_offset: int


class DeadLetter(RecordTables, table=True):
    """Events that could not be parsed: kept for inspection, never block the feed."""

    __tablename__ = "dead_letter"
    topic: str = Field(primary_key=True, max_length=200)
    partition: int = Field(primary_key=True)
    offset: int = Field(primary_key=True)
    error: str
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


record_table: Table = RegistryRecord.__table__  # type: ignore[attr-defined]
version_table: Table = RecordVersion.__table__  # type: ignore[attr-defined]
former_term_table: Table = FormerTerm.__table__  # type: ignore[attr-defined]
feed_table: Table = FeedState.__table__  # type: ignore[attr-defined]
offset_table: Table = ConsumerOffset.__table__  # type: ignore[attr-defined]
dead_letter_table: Table = DeadLetter.__table__  # type: ignore[attr-defined]
