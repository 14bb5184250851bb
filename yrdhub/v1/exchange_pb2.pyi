import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from yrdhub.v1 import common_pb2 as _common_pb2
from yrdhub.v1 import records_pb2 as _records_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RecordOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECORD_OUTCOME_UNSPECIFIED: _ClassVar[RecordOutcome]
    RECORD_OUTCOME_ACCEPTED: _ClassVar[RecordOutcome]
    RECORD_OUTCOME_UNCHANGED: _ClassVar[RecordOutcome]
    RECORD_OUTCOME_REJECTED: _ClassVar[RecordOutcome]
RECORD_OUTCOME_UNSPECIFIED: RecordOutcome
RECORD_OUTCOME_ACCEPTED: RecordOutcome
RECORD_OUTCOME_UNCHANGED: RecordOutcome
RECORD_OUTCOME_REJECTED: RecordOutcome

class PublishRecordsRequest(_message.Message):
    __slots__ = ("records",)
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[_records_pb2.Record]
    def __init__(self, records: _Optional[_Iterable[_Union[_records_pb2.Record, _Mapping]]] = ...) -> None: ...

class RecordResult(_message.Message):
    __slots__ = ("index", "record_key", "outcome", "revision", "event_id", "violations", "warnings", "assessor_id")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    RECORD_KEY_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    ASSESSOR_ID_FIELD_NUMBER: _ClassVar[int]
    index: int
    record_key: str
    outcome: RecordOutcome
    revision: int
    event_id: str
    violations: _containers.RepeatedCompositeFieldContainer[_common_pb2.FieldViolation]
    warnings: _containers.RepeatedCompositeFieldContainer[_common_pb2.FieldViolation]
    assessor_id: str
    def __init__(self, index: _Optional[int] = ..., record_key: _Optional[str] = ..., outcome: _Optional[_Union[RecordOutcome, str]] = ..., revision: _Optional[int] = ..., event_id: _Optional[str] = ..., violations: _Optional[_Iterable[_Union[_common_pb2.FieldViolation, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[_common_pb2.FieldViolation, _Mapping]]] = ..., assessor_id: _Optional[str] = ...) -> None: ...

class PublishRecordsResponse(_message.Message):
    __slots__ = ("results", "accepted", "unchanged", "rejected")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[RecordResult]
    accepted: int
    unchanged: int
    rejected: int
    def __init__(self, results: _Optional[_Iterable[_Union[RecordResult, _Mapping]]] = ..., accepted: _Optional[int] = ..., unchanged: _Optional[int] = ..., rejected: _Optional[int] = ...) -> None: ...

class GetExchangeStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class KindCount(_message.Message):
    __slots__ = ("kind", "records")
    KIND_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    kind: _common_pb2.RecordKind
    records: int
    def __init__(self, kind: _Optional[_Union[_common_pb2.RecordKind, str]] = ..., records: _Optional[int] = ...) -> None: ...

class GetExchangeStatusResponse(_message.Message):
    __slots__ = ("province", "records_per_kind", "events_total", "events_published", "events_pending", "last_sequence", "last_published_sequence", "oldest_pending_at", "background_work", "ready", "not_ready_because")
    PROVINCE_FIELD_NUMBER: _ClassVar[int]
    RECORDS_PER_KIND_FIELD_NUMBER: _ClassVar[int]
    EVENTS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    EVENTS_PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    EVENTS_PENDING_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    LAST_PUBLISHED_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    OLDEST_PENDING_AT_FIELD_NUMBER: _ClassVar[int]
    BACKGROUND_WORK_FIELD_NUMBER: _ClassVar[int]
    READY_FIELD_NUMBER: _ClassVar[int]
    NOT_READY_BECAUSE_FIELD_NUMBER: _ClassVar[int]
    province: _common_pb2.Province
    records_per_kind: _containers.RepeatedCompositeFieldContainer[KindCount]
    events_total: int
    events_published: int
    events_pending: int
    last_sequence: int
    last_published_sequence: int
    oldest_pending_at: _timestamp_pb2.Timestamp
    background_work: _containers.RepeatedCompositeFieldContainer[_common_pb2.BackgroundWork]
    ready: bool
    not_ready_because: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, province: _Optional[_Union[_common_pb2.Province, str]] = ..., records_per_kind: _Optional[_Iterable[_Union[KindCount, _Mapping]]] = ..., events_total: _Optional[int] = ..., events_published: _Optional[int] = ..., events_pending: _Optional[int] = ..., last_sequence: _Optional[int] = ..., last_published_sequence: _Optional[int] = ..., oldest_pending_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., background_work: _Optional[_Iterable[_Union[_common_pb2.BackgroundWork, _Mapping]]] = ..., ready: _Optional[bool] = ..., not_ready_because: _Optional[_Iterable[str]] = ...) -> None: ...
