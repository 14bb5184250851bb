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

class ConflictType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONFLICT_TYPE_UNSPECIFIED: _ClassVar[ConflictType]
    CONFLICT_TYPE_HOLDER_MISMATCH: _ClassVar[ConflictType]
    CONFLICT_TYPE_ISSUER_PROVINCE_MISMATCH: _ClassVar[ConflictType]
    CONFLICT_TYPE_NAME_MISMATCH: _ClassVar[ConflictType]
    CONFLICT_TYPE_LABEL_CODE_REUSED: _ClassVar[ConflictType]
    CONFLICT_TYPE_STATUS_DISAGREEMENT: _ClassVar[ConflictType]

class ListingState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LISTING_STATE_UNSPECIFIED: _ClassVar[ListingState]
    LISTING_STATE_IN_FORCE: _ClassVar[ListingState]
    LISTING_STATE_NOT_YET_EFFECTIVE: _ClassVar[ListingState]
    LISTING_STATE_ENDED: _ClassVar[ListingState]
    LISTING_STATE_LIFTED: _ClassVar[ListingState]

class RecognitionOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECOGNITION_OUTCOME_UNSPECIFIED: _ClassVar[RecognitionOutcome]
    RECOGNITION_OUTCOME_RECOGNIZED: _ClassVar[RecognitionOutcome]
    RECOGNITION_OUTCOME_NOT_RECOGNIZED: _ClassVar[RecognitionOutcome]
    RECOGNITION_OUTCOME_CONDITIONAL: _ClassVar[RecognitionOutcome]

class InputOrigin(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INPUT_ORIGIN_UNSPECIFIED: _ClassVar[InputOrigin]
    INPUT_ORIGIN_RECORD: _ClassVar[InputOrigin]
    INPUT_ORIGIN_POLICY: _ClassVar[InputOrigin]
    INPUT_ORIGIN_REQUEST: _ClassVar[InputOrigin]
    INPUT_ORIGIN_CONFLICT: _ClassVar[InputOrigin]

class ChangeType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANGE_TYPE_UNSPECIFIED: _ClassVar[ChangeType]
    CHANGE_TYPE_RECORD_VERSION: _ClassVar[ChangeType]
    CHANGE_TYPE_CONFLICT_OPENED: _ClassVar[ChangeType]
    CHANGE_TYPE_CONFLICT_UPDATED: _ClassVar[ChangeType]
    CHANGE_TYPE_CONFLICT_RESOLVED: _ClassVar[ChangeType]
CONFLICT_TYPE_UNSPECIFIED: ConflictType
CONFLICT_TYPE_HOLDER_MISMATCH: ConflictType
CONFLICT_TYPE_ISSUER_PROVINCE_MISMATCH: ConflictType
CONFLICT_TYPE_NAME_MISMATCH: ConflictType
CONFLICT_TYPE_LABEL_CODE_REUSED: ConflictType
CONFLICT_TYPE_STATUS_DISAGREEMENT: ConflictType
LISTING_STATE_UNSPECIFIED: ListingState
LISTING_STATE_IN_FORCE: ListingState
LISTING_STATE_NOT_YET_EFFECTIVE: ListingState
LISTING_STATE_ENDED: ListingState
LISTING_STATE_LIFTED: ListingState
RECOGNITION_OUTCOME_UNSPECIFIED: RecognitionOutcome
RECOGNITION_OUTCOME_RECOGNIZED: RecognitionOutcome
RECOGNITION_OUTCOME_NOT_RECOGNIZED: RecognitionOutcome
RECOGNITION_OUTCOME_CONDITIONAL: RecognitionOutcome
INPUT_ORIGIN_UNSPECIFIED: InputOrigin
INPUT_ORIGIN_RECORD: InputOrigin
INPUT_ORIGIN_POLICY: InputOrigin
INPUT_ORIGIN_REQUEST: InputOrigin
INPUT_ORIGIN_CONFLICT: InputOrigin
CHANGE_TYPE_UNSPECIFIED: ChangeType
CHANGE_TYPE_RECORD_VERSION: ChangeType
CHANGE_TYPE_CONFLICT_OPENED: ChangeType
CHANGE_TYPE_CONFLICT_UPDATED: ChangeType
CHANGE_TYPE_CONFLICT_RESOLVED: ChangeType

class ConflictRecord(_message.Message):
    __slots__ = ("province", "record_key", "value", "holder_uscc")
    PROVINCE_FIELD_NUMBER: _ClassVar[int]
    RECORD_KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    HOLDER_USCC_FIELD_NUMBER: _ClassVar[int]
    province: _common_pb2.Province
    record_key: str
    value: str
    holder_uscc: str
    def __init__(self, province: _Optional[_Union[_common_pb2.Province, str]] = ..., record_key: _Optional[str] = ..., value: _Optional[str] = ..., holder_uscc: _Optional[str] = ...) -> None: ...

class Conflict(_message.Message):
    __slots__ = ("conflict_id", "type", "subject", "records", "summary", "first_seen", "updated_at", "resolved_at")
    CONFLICT_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    FIRST_SEEN_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_AT_FIELD_NUMBER: _ClassVar[int]
    conflict_id: int
    type: ConflictType
    subject: str
    records: _containers.RepeatedCompositeFieldContainer[ConflictRecord]
    summary: str
    first_seen: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    resolved_at: _timestamp_pb2.Timestamp
    def __init__(self, conflict_id: _Optional[int] = ..., type: _Optional[_Union[ConflictType, str]] = ..., subject: _Optional[str] = ..., records: _Optional[_Iterable[_Union[ConflictRecord, _Mapping]]] = ..., summary: _Optional[str] = ..., first_seen: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolved_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class NameClaim(_message.Message):
    __slots__ = ("name", "provinces", "record_keys")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PROVINCES_FIELD_NUMBER: _ClassVar[int]
    RECORD_KEYS_FIELD_NUMBER: _ClassVar[int]
    name: str
    provinces: _containers.RepeatedScalarFieldContainer[_common_pb2.Province]
    record_keys: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., provinces: _Optional[_Iterable[_Union[_common_pb2.Province, str]]] = ..., record_keys: _Optional[_Iterable[str]] = ...) -> None: ...

class CreditListing(_message.Message):
    __slots__ = ("record_key", "provenance", "listing", "state", "lifted_by_record_key", "lifted_on")
    RECORD_KEY_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    LISTING_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    LIFTED_BY_RECORD_KEY_FIELD_NUMBER: _ClassVar[int]
    LIFTED_ON_FIELD_NUMBER: _ClassVar[int]
    record_key: str
    provenance: _common_pb2.Provenance
    listing: _records_pb2.CreditEvent
    state: ListingState
    lifted_by_record_key: str
    lifted_on: str
    def __init__(self, record_key: _Optional[str] = ..., provenance: _Optional[_Union[_common_pb2.Provenance, _Mapping]] = ..., listing: _Optional[_Union[_records_pb2.CreditEvent, _Mapping]] = ..., state: _Optional[_Union[ListingState, str]] = ..., lifted_by_record_key: _Optional[str] = ..., lifted_on: _Optional[str] = ...) -> None: ...

class ValidityOnDate(_message.Message):
    __slots__ = ("province", "revision", "status", "valid", "reason")
    PROVINCE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VALID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    province: _common_pb2.Province
    revision: int
    status: _common_pb2.CertificateStatus
    valid: bool
    reason: str
    def __init__(self, province: _Optional[_Union[_common_pb2.Province, str]] = ..., revision: _Optional[int] = ..., status: _Optional[_Union[_common_pb2.CertificateStatus, str]] = ..., valid: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class DecisionInput(_message.Message):
    __slots__ = ("name", "value", "origin", "record_key", "provenance", "conflict_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    RECORD_KEY_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    CONFLICT_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: str
    origin: InputOrigin
    record_key: str
    provenance: _common_pb2.Provenance
    conflict_id: int
    def __init__(self, name: _Optional[str] = ..., value: _Optional[str] = ..., origin: _Optional[_Union[InputOrigin, str]] = ..., record_key: _Optional[str] = ..., provenance: _Optional[_Union[_common_pb2.Provenance, _Mapping]] = ..., conflict_id: _Optional[int] = ...) -> None: ...

class RecognitionReason(_message.Message):
    __slots__ = ("rule_id", "effect", "message", "inputs")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    effect: RecognitionOutcome
    message: str
    inputs: _containers.RepeatedCompositeFieldContainer[DecisionInput]
    def __init__(self, rule_id: _Optional[str] = ..., effect: _Optional[_Union[RecognitionOutcome, str]] = ..., message: _Optional[str] = ..., inputs: _Optional[_Iterable[_Union[DecisionInput, _Mapping]]] = ...) -> None: ...

class RequestedScopeItem(_message.Message):
    __slots__ = ("parameter", "standard_code", "standard_year")
    PARAMETER_FIELD_NUMBER: _ClassVar[int]
    STANDARD_CODE_FIELD_NUMBER: _ClassVar[int]
    STANDARD_YEAR_FIELD_NUMBER: _ClassVar[int]
    parameter: str
    standard_code: str
    standard_year: int
    def __init__(self, parameter: _Optional[str] = ..., standard_code: _Optional[str] = ..., standard_year: _Optional[int] = ...) -> None: ...

class InstitutionScope(_message.Message):
    __slots__ = ("uscc", "items")
    USCC_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    uscc: str
    items: _containers.RepeatedCompositeFieldContainer[RequestedScopeItem]
    def __init__(self, uscc: _Optional[str] = ..., items: _Optional[_Iterable[_Union[RequestedScopeItem, _Mapping]]] = ...) -> None: ...
