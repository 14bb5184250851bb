import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Province(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROVINCE_UNSPECIFIED: _ClassVar[Province]
    PROVINCE_SH: _ClassVar[Province]
    PROVINCE_JS: _ClassVar[Province]
    PROVINCE_ZJ: _ClassVar[Province]
    PROVINCE_AH: _ClassVar[Province]

class CertificateStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CERTIFICATE_STATUS_UNSPECIFIED: _ClassVar[CertificateStatus]
    CERTIFICATE_STATUS_VALID: _ClassVar[CertificateStatus]
    CERTIFICATE_STATUS_SUSPENDED: _ClassVar[CertificateStatus]
    CERTIFICATE_STATUS_REVOKED: _ClassVar[CertificateStatus]
    CERTIFICATE_STATUS_CANCELLED: _ClassVar[CertificateStatus]
    CERTIFICATE_STATUS_EXPIRED: _ClassVar[CertificateStatus]

class RecordKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECORD_KIND_UNSPECIFIED: _ClassVar[RecordKind]
    RECORD_KIND_QUALIFICATION: _ClassVar[RecordKind]
    RECORD_KIND_ASSESSOR: _ClassVar[RecordKind]
    RECORD_KIND_GREEN_CERT: _ClassVar[RecordKind]
    RECORD_KIND_CREDIT_EVENT: _ClassVar[RecordKind]
    RECORD_KIND_REPORT: _ClassVar[RecordKind]
    RECORD_KIND_PROFICIENCY: _ClassVar[RecordKind]
    RECORD_KIND_RISK_CLASSIFICATION: _ClassVar[RecordKind]
    RECORD_KIND_OFFICER: _ClassVar[RecordKind]
    RECORD_KIND_INSPECTION_RESULT: _ClassVar[RecordKind]
    RECORD_KIND_SIGNATORY_BAN: _ClassVar[RecordKind]
PROVINCE_UNSPECIFIED: Province
PROVINCE_SH: Province
PROVINCE_JS: Province
PROVINCE_ZJ: Province
PROVINCE_AH: Province
CERTIFICATE_STATUS_UNSPECIFIED: CertificateStatus
CERTIFICATE_STATUS_VALID: CertificateStatus
CERTIFICATE_STATUS_SUSPENDED: CertificateStatus
CERTIFICATE_STATUS_REVOKED: CertificateStatus
CERTIFICATE_STATUS_CANCELLED: CertificateStatus
CERTIFICATE_STATUS_EXPIRED: CertificateStatus
RECORD_KIND_UNSPECIFIED: RecordKind
RECORD_KIND_QUALIFICATION: RecordKind
RECORD_KIND_ASSESSOR: RecordKind
RECORD_KIND_GREEN_CERT: RecordKind
RECORD_KIND_CREDIT_EVENT: RecordKind
RECORD_KIND_REPORT: RecordKind
RECORD_KIND_PROFICIENCY: RecordKind
RECORD_KIND_RISK_CLASSIFICATION: RecordKind
RECORD_KIND_OFFICER: RecordKind
RECORD_KIND_INSPECTION_RESULT: RecordKind
RECORD_KIND_SIGNATORY_BAN: RecordKind

class Status(_message.Message):
    __slots__ = ("canonical", "original")
    CANONICAL_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_FIELD_NUMBER: _ClassVar[int]
    canonical: CertificateStatus
    original: str
    def __init__(self, canonical: _Optional[_Union[CertificateStatus, str]] = ..., original: _Optional[str] = ...) -> None: ...

class Provenance(_message.Message):
    __slots__ = ("province", "revision", "event_id", "sequence", "accepted_at", "applied_at")
    PROVINCE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    APPLIED_AT_FIELD_NUMBER: _ClassVar[int]
    province: Province
    revision: int
    event_id: str
    sequence: int
    accepted_at: _timestamp_pb2.Timestamp
    applied_at: _timestamp_pb2.Timestamp
    def __init__(self, province: _Optional[_Union[Province, str]] = ..., revision: _Optional[int] = ..., event_id: _Optional[str] = ..., sequence: _Optional[int] = ..., accepted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., applied_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class FieldViolation(_message.Message):
    __slots__ = ("field", "description")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    field: str
    description: str
    def __init__(self, field: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class AsOf(_message.Message):
    __slots__ = ("valid_on", "known_at")
    VALID_ON_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    valid_on: str
    known_at: _timestamp_pb2.Timestamp
    def __init__(self, valid_on: _Optional[str] = ..., known_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class BackgroundWork(_message.Message):
    __slots__ = ("name", "retrying", "consecutive_failures", "retries", "last_error", "failing_since", "lag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    RETRYING_FIELD_NUMBER: _ClassVar[int]
    CONSECUTIVE_FAILURES_FIELD_NUMBER: _ClassVar[int]
    RETRIES_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    FAILING_SINCE_FIELD_NUMBER: _ClassVar[int]
    LAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    retrying: bool
    consecutive_failures: int
    retries: int
    last_error: str
    failing_since: _timestamp_pb2.Timestamp
    lag: int
    def __init__(self, name: _Optional[str] = ..., retrying: _Optional[bool] = ..., consecutive_failures: _Optional[int] = ..., retries: _Optional[int] = ..., last_error: _Optional[str] = ..., failing_since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lag: _Optional[int] = ...) -> None: ...
