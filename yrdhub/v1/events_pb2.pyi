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

class Event(_message.Message):
    __slots__ = ("event_id", "province", "record_key", "kind", "revision", "sequence", "accepted_at", "record", "content_hash", "warnings", "key_id", "signature", "previous_hash")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    PROVINCE_FIELD_NUMBER: _ClassVar[int]
    RECORD_KEY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    CONTENT_HASH_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_HASH_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    province: _common_pb2.Province
    record_key: str
    kind: _common_pb2.RecordKind
    revision: int
    sequence: int
    accepted_at: _timestamp_pb2.Timestamp
    record: _records_pb2.Record
    content_hash: bytes
    warnings: _containers.RepeatedCompositeFieldContainer[_common_pb2.FieldViolation]
    key_id: str
    signature: bytes
    previous_hash: bytes
    def __init__(self, event_id: _Optional[str] = ..., province: _Optional[_Union[_common_pb2.Province, str]] = ..., record_key: _Optional[str] = ..., kind: _Optional[_Union[_common_pb2.RecordKind, str]] = ..., revision: _Optional[int] = ..., sequence: _Optional[int] = ..., accepted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., record: _Optional[_Union[_records_pb2.Record, _Mapping]] = ..., content_hash: _Optional[bytes] = ..., warnings: _Optional[_Iterable[_Union[_common_pb2.FieldViolation, _Mapping]]] = ..., key_id: _Optional[str] = ..., signature: _Optional[bytes] = ..., previous_hash: _Optional[bytes] = ...) -> None: ...

class ChainCheckpoint(_message.Message):
    __slots__ = ("province", "sequence", "chain_link", "signed_at", "key_id", "signature")
    PROVINCE_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    CHAIN_LINK_FIELD_NUMBER: _ClassVar[int]
    SIGNED_AT_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    province: _common_pb2.Province
    sequence: int
    chain_link: bytes
    signed_at: str
    key_id: str
    signature: bytes
    def __init__(self, province: _Optional[_Union[_common_pb2.Province, str]] = ..., sequence: _Optional[int] = ..., chain_link: _Optional[bytes] = ..., signed_at: _Optional[str] = ..., key_id: _Optional[str] = ..., signature: _Optional[bytes] = ...) -> None: ...
