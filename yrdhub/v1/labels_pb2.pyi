import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from yrdhub.v1 import common_pb2 as _common_pb2
from yrdhub.v1 import registry_pb2 as _registry_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CopyStanding(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COPY_STANDING_UNSPECIFIED: _ClassVar[CopyStanding]
    COPY_STANDING_CURRENT: _ClassVar[CopyStanding]
    COPY_STANDING_LAGGING: _ClassVar[CopyStanding]
    COPY_STANDING_CONFLICTING: _ClassVar[CopyStanding]

class LabelVerdict(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LABEL_VERDICT_UNSPECIFIED: _ClassVar[LabelVerdict]
    LABEL_VERDICT_VALID: _ClassVar[LabelVerdict]
    LABEL_VERDICT_SUSPENDED: _ClassVar[LabelVerdict]
    LABEL_VERDICT_REVOKED: _ClassVar[LabelVerdict]
    LABEL_VERDICT_CANCELLED: _ClassVar[LabelVerdict]
    LABEL_VERDICT_EXPIRED: _ClassVar[LabelVerdict]
    LABEL_VERDICT_NOT_FOUND: _ClassVar[LabelVerdict]
    LABEL_VERDICT_CONFLICT: _ClassVar[LabelVerdict]
    LABEL_VERDICT_SERIOUS_VIOLATION: _ClassVar[LabelVerdict]
COPY_STANDING_UNSPECIFIED: CopyStanding
COPY_STANDING_CURRENT: CopyStanding
COPY_STANDING_LAGGING: CopyStanding
COPY_STANDING_CONFLICTING: CopyStanding
LABEL_VERDICT_UNSPECIFIED: LabelVerdict
LABEL_VERDICT_VALID: LabelVerdict
LABEL_VERDICT_SUSPENDED: LabelVerdict
LABEL_VERDICT_REVOKED: LabelVerdict
LABEL_VERDICT_CANCELLED: LabelVerdict
LABEL_VERDICT_EXPIRED: LabelVerdict
LABEL_VERDICT_NOT_FOUND: LabelVerdict
LABEL_VERDICT_CONFLICT: LabelVerdict
LABEL_VERDICT_SERIOUS_VIOLATION: LabelVerdict

class LabelMatch(_message.Message):
    __slots__ = ("province", "record_key", "body_code", "certificate_number", "label_code", "enterprise_uscc", "enterprise_name", "product", "model", "evaluation_standard", "valid_from", "valid_until", "status", "effective_status", "revision", "accepted_at", "body_name", "status_effective_date", "copy_standing")
    PROVINCE_FIELD_NUMBER: _ClassVar[int]
    RECORD_KEY_FIELD_NUMBER: _ClassVar[int]
    BODY_CODE_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    LABEL_CODE_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_USCC_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_NAME_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    EVALUATION_STANDARD_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_STATUS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    BODY_NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    COPY_STANDING_FIELD_NUMBER: _ClassVar[int]
    province: _common_pb2.Province
    record_key: str
    body_code: str
    certificate_number: str
    label_code: str
    enterprise_uscc: str
    enterprise_name: str
    product: str
    model: str
    evaluation_standard: str
    valid_from: str
    valid_until: str
    status: _common_pb2.Status
    effective_status: _common_pb2.CertificateStatus
    revision: int
    accepted_at: _timestamp_pb2.Timestamp
    body_name: str
    status_effective_date: str
    copy_standing: CopyStanding
    def __init__(self, province: _Optional[_Union[_common_pb2.Province, str]] = ..., record_key: _Optional[str] = ..., body_code: _Optional[str] = ..., certificate_number: _Optional[str] = ..., label_code: _Optional[str] = ..., enterprise_uscc: _Optional[str] = ..., enterprise_name: _Optional[str] = ..., product: _Optional[str] = ..., model: _Optional[str] = ..., evaluation_standard: _Optional[str] = ..., valid_from: _Optional[str] = ..., valid_until: _Optional[str] = ..., status: _Optional[_Union[_common_pb2.Status, _Mapping]] = ..., effective_status: _Optional[_Union[_common_pb2.CertificateStatus, str]] = ..., revision: _Optional[int] = ..., accepted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., body_name: _Optional[str] = ..., status_effective_date: _Optional[str] = ..., copy_standing: _Optional[_Union[CopyStanding, str]] = ...) -> None: ...

class LabelCheck(_message.Message):
    __slots__ = ("query", "code", "found", "matches", "verdict", "recognized_in", "conflicts", "conditionally_recognized_in", "credit_listings", "notes")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    FOUND_FIELD_NUMBER: _ClassVar[int]
    MATCHES_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    RECOGNIZED_IN_FIELD_NUMBER: _ClassVar[int]
    CONFLICTS_FIELD_NUMBER: _ClassVar[int]
    CONDITIONALLY_RECOGNIZED_IN_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LISTINGS_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    query: str
    code: str
    found: bool
    matches: _containers.RepeatedCompositeFieldContainer[LabelMatch]
    verdict: LabelVerdict
    recognized_in: _containers.RepeatedScalarFieldContainer[_common_pb2.Province]
    conflicts: _containers.RepeatedScalarFieldContainer[str]
    conditionally_recognized_in: _containers.RepeatedScalarFieldContainer[_common_pb2.Province]
    credit_listings: _containers.RepeatedScalarFieldContainer[str]
    notes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, query: _Optional[str] = ..., code: _Optional[str] = ..., found: _Optional[bool] = ..., matches: _Optional[_Iterable[_Union[LabelMatch, _Mapping]]] = ..., verdict: _Optional[_Union[LabelVerdict, str]] = ..., recognized_in: _Optional[_Iterable[_Union[_common_pb2.Province, str]]] = ..., conflicts: _Optional[_Iterable[str]] = ..., conditionally_recognized_in: _Optional[_Iterable[_Union[_common_pb2.Province, str]]] = ..., credit_listings: _Optional[_Iterable[str]] = ..., notes: _Optional[_Iterable[str]] = ...) -> None: ...

class CheckLabelRequest(_message.Message):
    __slots__ = ("code", "as_of")
    CODE_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    code: str
    as_of: _common_pb2.AsOf
    def __init__(self, code: _Optional[str] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ...) -> None: ...

class CheckLabelResponse(_message.Message):
    __slots__ = ("check", "freshness", "as_of")
    CHECK_FIELD_NUMBER: _ClassVar[int]
    FRESHNESS_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    check: LabelCheck
    freshness: _containers.RepeatedCompositeFieldContainer[_registry_pb2.FeedFreshness]
    as_of: _common_pb2.AsOf
    def __init__(self, check: _Optional[_Union[LabelCheck, _Mapping]] = ..., freshness: _Optional[_Iterable[_Union[_registry_pb2.FeedFreshness, _Mapping]]] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ...) -> None: ...

class CheckLabelsRequest(_message.Message):
    __slots__ = ("codes", "as_of")
    CODES_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    codes: _containers.RepeatedScalarFieldContainer[str]
    as_of: _common_pb2.AsOf
    def __init__(self, codes: _Optional[_Iterable[str]] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ...) -> None: ...

class CheckLabelsResponse(_message.Message):
    __slots__ = ("checks", "freshness", "as_of")
    CHECKS_FIELD_NUMBER: _ClassVar[int]
    FRESHNESS_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    checks: _containers.RepeatedCompositeFieldContainer[LabelCheck]
    freshness: _containers.RepeatedCompositeFieldContainer[_registry_pb2.FeedFreshness]
    as_of: _common_pb2.AsOf
    def __init__(self, checks: _Optional[_Iterable[_Union[LabelCheck, _Mapping]]] = ..., freshness: _Optional[_Iterable[_Union[_registry_pb2.FeedFreshness, _Mapping]]] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ...) -> None: ...
