"""The exchange's outbox tables (services/exchange/outbox.py writes and reads
them), in metadata of their own."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class OutboxTables(SQLModel, registry=registry()):
    """Base of the exchange's outbox tables (their own metadata)."""


class ExchangeState(OutboxTables, table=True):
    __tablename__ = "exchange_state"
    id: int = Field(default=1, primary_key=True)
    province: str
    last_sequence: int = 0


class RelayCursor(OutboxTables, table=True):
    __tablename__ = "relay_cursor"
    id: int = Field(default=1, primary_key=True)
    last_published_sequence: int = 0


class CurrentRecord(OutboxTables, table=True):
    """The latest revision of each record, to tell new content from a re-send."""

    __tablename__ = "current_record"
    record_key: str = Field(primary_key=True, max_length=200)
    kind: str = Field(index=True, max_length=32)
    content_hash: bytes
    revision: int
    event_id: str = Field(max_length=36)


class ChainHead(OutboxTables, table=True):
    """The province's chain link after its last stored event. A database that
    predates chaining starts its chain after its last event (core.chain.GENESIS)."""

    __tablename__ = "chain_head"
    id: int = Field(default=1, primary_key=True)
    sequence: int
    chain_link: bytes


class OutboxCheckpoint(OutboxTables, table=True):
    """A signed ChainCheckpoint, published after the event at its sequence."""

    __tablename__ = "outbox_checkpoint"
    sequence: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    payload: bytes


class RepeatedInBatch(OutboxTables, table=True):
    """A record sent in several versions in one batch: that batch's versions
    and the revisions they got, so that the same batch sent again (a retry
    after a lost answer) is recognised and stores nothing. A record sent once
    in a batch needs no row: its current revision tells a re-send."""

    __tablename__ = "repeated_in_batch"
    record_key: str = Field(primary_key=True, max_length=200)
    # The revision of the batch's last version of the record.
    revision: int
    # The versions' content hashes in batch order, 32 bytes each.
    content_hashes: bytes
    event_ids: str  # comma-separated, one per version


class OutboxRequest(OutboxTables, table=True):
    """The request id of the publish that stored events first..last, sent with
    each of them as a Kafka header (services/common/logs.py)."""

    __tablename__ = "outbox_request"
    first_sequence: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_sequence: int = Field(index=True)
    request_id: str = Field(max_length=64)


class PublishAnswer(OutboxTables, table=True):
    """What a publish was answered, by the request id it came with, for a
    while (services/exchange/publish_answers.py): the same request sent again,
    even after a newer revision of its records, is answered the same and
    stores nothing."""

    __tablename__ = "publish_answer"
    # The caller, the request id and the batch, as "<caller> <request id>
    # <first 16 bytes of the fingerprint, hex>".
    request: str = Field(primary_key=True, max_length=200)
    # Over the batch's records as stored: their keys and content hashes, in order.
    fingerprint: bytes
    # Per record as stored, in order: [revision, event id, refusal] (JSON).
    answers: bytes
    # Seconds since the epoch: answers older than the window are dropped.
    stored_at: int = Field(index=True)


class FinalStatus(OutboxTables, table=True):
    """A certificate whose status is final under the status rules (revoked,
    cancelled): a later revision may not change it (core/transitions.py)."""

    __tablename__ = "final_status"
    record_key: str = Field(primary_key=True, max_length=200)
    status: str = Field(max_length=16)
    revision: int


class OutboxRow(OutboxTables, table=True):
    __tablename__ = "outbox"
    sequence: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    event_id: str = Field(max_length=36)
    record_key: str = Field(max_length=200)
    kind: str = Field(max_length=32)
    payload: bytes
    accepted_at: dt.datetime


state_table = OutboxTables.metadata.tables["exchange_state"]
cursor_table = OutboxTables.metadata.tables["relay_cursor"]
current_table = OutboxTables.metadata.tables["current_record"]
outbox_table = OutboxTables.metadata.tables["outbox"]
head_table = OutboxTables.metadata.tables["chain_head"]
checkpoint_table = OutboxTables.metadata.tables["outbox_checkpoint"]
repeated_table = OutboxTables.metadata.tables["repeated_in_batch"]
request_table = OutboxTables.metadata.tables["outbox_request"]
final_table = OutboxTables.metadata.tables["final_status"]
answer_table = OutboxTables.metadata.tables["publish_answer"]
