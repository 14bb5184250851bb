import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from yrdhub.v1 import common_pb2 as _common_pb2
from yrdhub.v1 import records_pb2 as _records_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StoredRecord(_message.Message):
    __slots__ = ("record_key", "kind", "provenance", "record", "effective_status")
    RECORD_KEY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_STATUS_FIELD_NUMBER: _ClassVar[int]
    record_key: str
    kind: _common_pb2.RecordKind
    provenance: _common_pb2.Provenance
    record: _records_pb2.Record
    effective_status: _common_pb2.CertificateStatus
    def __init__(self, record_key: _Optional[str] = ..., kind: _Optional[_Union[_common_pb2.RecordKind, str]] = ..., provenance: _Optional[_Union[_common_pb2.Provenance, _Mapping]] = ..., record: _Optional[_Union[_records_pb2.Record, _Mapping]] = ..., effective_status: _Optional[_Union[_common_pb2.CertificateStatus, str]] = ...) -> None: ...

class FeedFreshness(_message.Message):
    __slots__ = ("province", "last_sequence", "last_accepted_at", "last_applied_at", "events_applied")
    PROVINCE_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    LAST_ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_APPLIED_AT_FIELD_NUMBER: _ClassVar[int]
    EVENTS_APPLIED_FIELD_NUMBER: _ClassVar[int]
    province: _common_pb2.Province
    last_sequence: int
    last_accepted_at: _timestamp_pb2.Timestamp
    last_applied_at: _timestamp_pb2.Timestamp
    events_applied: int
    def __init__(self, province: _Optional[_Union[_common_pb2.Province, str]] = ..., last_sequence: _Optional[int] = ..., last_accepted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_applied_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., events_applied: _Optional[int] = ...) -> None: ...

class GetRecordRequest(_message.Message):
    __slots__ = ("record_key",)
    RECORD_KEY_FIELD_NUMBER: _ClassVar[int]
    record_key: str
    def __init__(self, record_key: _Optional[str] = ...) -> None: ...

class GetRecordResponse(_message.Message):
    __slots__ = ("records", "as_of")
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[StoredRecord]
    as_of: _timestamp_pb2.Timestamp
    def __init__(self, records: _Optional[_Iterable[_Union[StoredRecord, _Mapping]]] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListInstitutionRecordsRequest(_message.Message):
    __slots__ = ("uscc",)
    USCC_FIELD_NUMBER: _ClassVar[int]
    uscc: str
    def __init__(self, uscc: _Optional[str] = ...) -> None: ...

class ListInstitutionRecordsResponse(_message.Message):
    __slots__ = ("records", "as_of")
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[StoredRecord]
    as_of: _timestamp_pb2.Timestamp
    def __init__(self, records: _Optional[_Iterable[_Union[StoredRecord, _Mapping]]] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CheckCertificateRequest(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class CheckCertificateResponse(_message.Message):
    __slots__ = ("found", "matches", "as_of", "freshness")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    MATCHES_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    FRESHNESS_FIELD_NUMBER: _ClassVar[int]
    found: bool
    matches: _containers.RepeatedCompositeFieldContainer[StoredRecord]
    as_of: _timestamp_pb2.Timestamp
    freshness: _containers.RepeatedCompositeFieldContainer[FeedFreshness]
    def __init__(self, found: _Optional[bool] = ..., matches: _Optional[_Iterable[_Union[StoredRecord, _Mapping]]] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., freshness: _Optional[_Iterable[_Union[FeedFreshness, _Mapping]]] = ...) -> None: ...

class GetRegistryStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetRegistryStatusResponse(_message.Message):
    __slots__ = ("feeds", "records", "events_applied")
    FEEDS_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    EVENTS_APPLIED_FIELD_NUMBER: _ClassVar[int]
    feeds: _containers.RepeatedCompositeFieldContainer[FeedFreshness]
    records: int
    events_applied: int
    def __init__(self, feeds: _Optional[_Iterable[_Union[FeedFreshness, _Mapping]]] = ..., records: _Optional[int] = ..., events_applied: _Optional[int] = ...) -> None: ...
