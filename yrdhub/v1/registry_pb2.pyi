import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from yrdhub.v1 import common_pb2 as _common_pb2
from yrdhub.v1 import reconciliation_pb2 as _reconciliation_pb2
from yrdhub.v1 import records_pb2 as _records_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ChainState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHAIN_STATE_UNSPECIFIED: _ClassVar[ChainState]
    CHAIN_STATE_VERIFIED: _ClassVar[ChainState]
    CHAIN_STATE_WAITING: _ClassVar[ChainState]
    CHAIN_STATE_BROKEN: _ClassVar[ChainState]
    CHAIN_STATE_UNVERIFIED: _ClassVar[ChainState]
CHAIN_STATE_UNSPECIFIED: ChainState
CHAIN_STATE_VERIFIED: ChainState
CHAIN_STATE_WAITING: ChainState
CHAIN_STATE_BROKEN: ChainState
CHAIN_STATE_UNVERIFIED: ChainState

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
    __slots__ = ("province", "last_sequence", "last_accepted_at", "last_applied_at", "events_applied", "chain")
    PROVINCE_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    LAST_ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_APPLIED_AT_FIELD_NUMBER: _ClassVar[int]
    EVENTS_APPLIED_FIELD_NUMBER: _ClassVar[int]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    province: _common_pb2.Province
    last_sequence: int
    last_accepted_at: _timestamp_pb2.Timestamp
    last_applied_at: _timestamp_pb2.Timestamp
    events_applied: int
    chain: ChainStatus
    def __init__(self, province: _Optional[_Union[_common_pb2.Province, str]] = ..., last_sequence: _Optional[int] = ..., last_accepted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_applied_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., events_applied: _Optional[int] = ..., chain: _Optional[_Union[ChainStatus, _Mapping]] = ...) -> None: ...

class ChainStatus(_message.Message):
    __slots__ = ("state", "verified_sequence", "waiting_events", "problem_sequence", "problem")
    STATE_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    WAITING_EVENTS_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    state: ChainState
    verified_sequence: int
    waiting_events: int
    problem_sequence: int
    problem: str
    def __init__(self, state: _Optional[_Union[ChainState, str]] = ..., verified_sequence: _Optional[int] = ..., waiting_events: _Optional[int] = ..., problem_sequence: _Optional[int] = ..., problem: _Optional[str] = ...) -> None: ...

class ListQuarantineRequest(_message.Message):
    __slots__ = ("province", "limit")
    PROVINCE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    province: _common_pb2.Province
    limit: int
    def __init__(self, province: _Optional[_Union[_common_pb2.Province, str]] = ..., limit: _Optional[int] = ...) -> None: ...

class QuarantineEntry(_message.Message):
    __slots__ = ("province", "sequence", "item", "reason", "topic", "partition", "offset", "quarantined_at", "payload")
    PROVINCE_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    ITEM_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    QUARANTINED_AT_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    province: _common_pb2.Province
    sequence: int
    item: str
    reason: str
    topic: str
    partition: int
    offset: int
    quarantined_at: _timestamp_pb2.Timestamp
    payload: bytes
    def __init__(self, province: _Optional[_Union[_common_pb2.Province, str]] = ..., sequence: _Optional[int] = ..., item: _Optional[str] = ..., reason: _Optional[str] = ..., topic: _Optional[str] = ..., partition: _Optional[int] = ..., offset: _Optional[int] = ..., quarantined_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., payload: _Optional[bytes] = ...) -> None: ...

class ListQuarantineResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[QuarantineEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[QuarantineEntry, _Mapping]]] = ...) -> None: ...

class ExportChainRequest(_message.Message):
    __slots__ = ("province", "from_sequence")
    PROVINCE_FIELD_NUMBER: _ClassVar[int]
    FROM_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    province: _common_pb2.Province
    from_sequence: int
    def __init__(self, province: _Optional[_Union[_common_pb2.Province, str]] = ..., from_sequence: _Optional[int] = ...) -> None: ...

class ExportChainResponse(_message.Message):
    __slots__ = ("event", "checkpoint")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    event: bytes
    checkpoint: bytes
    def __init__(self, event: _Optional[bytes] = ..., checkpoint: _Optional[bytes] = ...) -> None: ...

class GetRecordRequest(_message.Message):
    __slots__ = ("record_key", "as_of")
    RECORD_KEY_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    record_key: str
    as_of: _common_pb2.AsOf
    def __init__(self, record_key: _Optional[str] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ...) -> None: ...

class GetRecordResponse(_message.Message):
    __slots__ = ("records", "as_of")
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[StoredRecord]
    as_of: _common_pb2.AsOf
    def __init__(self, records: _Optional[_Iterable[_Union[StoredRecord, _Mapping]]] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ...) -> None: ...

class ListInstitutionRecordsRequest(_message.Message):
    __slots__ = ("uscc", "as_of", "page_size", "page_token")
    USCC_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    uscc: str
    as_of: _common_pb2.AsOf
    page_size: int
    page_token: str
    def __init__(self, uscc: _Optional[str] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListInstitutionRecordsResponse(_message.Message):
    __slots__ = ("records", "as_of", "next_page_token")
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[StoredRecord]
    as_of: _common_pb2.AsOf
    next_page_token: str
    def __init__(self, records: _Optional[_Iterable[_Union[StoredRecord, _Mapping]]] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CheckCertificateRequest(_message.Message):
    __slots__ = ("code", "as_of")
    CODE_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    code: str
    as_of: _common_pb2.AsOf
    def __init__(self, code: _Optional[str] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ...) -> None: ...

class CheckCertificateResponse(_message.Message):
    __slots__ = ("found", "matches", "freshness", "as_of")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    MATCHES_FIELD_NUMBER: _ClassVar[int]
    FRESHNESS_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    found: bool
    matches: _containers.RepeatedCompositeFieldContainer[StoredRecord]
    freshness: _containers.RepeatedCompositeFieldContainer[FeedFreshness]
    as_of: _common_pb2.AsOf
    def __init__(self, found: _Optional[bool] = ..., matches: _Optional[_Iterable[_Union[StoredRecord, _Mapping]]] = ..., freshness: _Optional[_Iterable[_Union[FeedFreshness, _Mapping]]] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ...) -> None: ...

class GetRegistryStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetRegistryStatusResponse(_message.Message):
    __slots__ = ("feeds", "records", "events_applied", "background_work", "ready", "not_ready_because", "quarantined", "dead_letters")
    FEEDS_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    EVENTS_APPLIED_FIELD_NUMBER: _ClassVar[int]
    BACKGROUND_WORK_FIELD_NUMBER: _ClassVar[int]
    READY_FIELD_NUMBER: _ClassVar[int]
    NOT_READY_BECAUSE_FIELD_NUMBER: _ClassVar[int]
    QUARANTINED_FIELD_NUMBER: _ClassVar[int]
    DEAD_LETTERS_FIELD_NUMBER: _ClassVar[int]
    feeds: _containers.RepeatedCompositeFieldContainer[FeedFreshness]
    records: int
    events_applied: int
    background_work: _containers.RepeatedCompositeFieldContainer[_common_pb2.BackgroundWork]
    ready: bool
    not_ready_because: _containers.RepeatedScalarFieldContainer[str]
    quarantined: int
    dead_letters: int
    def __init__(self, feeds: _Optional[_Iterable[_Union[FeedFreshness, _Mapping]]] = ..., records: _Optional[int] = ..., events_applied: _Optional[int] = ..., background_work: _Optional[_Iterable[_Union[_common_pb2.BackgroundWork, _Mapping]]] = ..., ready: _Optional[bool] = ..., not_ready_because: _Optional[_Iterable[str]] = ..., quarantined: _Optional[int] = ..., dead_letters: _Optional[int] = ...) -> None: ...

class GetInstitutionRequest(_message.Message):
    __slots__ = ("uscc", "as_of")
    USCC_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    uscc: str
    as_of: _common_pb2.AsOf
    def __init__(self, uscc: _Optional[str] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ...) -> None: ...

class GetInstitutionResponse(_message.Message):
    __slots__ = ("uscc", "found", "names", "provinces", "qualifications", "green_certs", "credit_events", "credit_listings", "conflicts", "freshness", "as_of")
    USCC_FIELD_NUMBER: _ClassVar[int]
    FOUND_FIELD_NUMBER: _ClassVar[int]
    NAMES_FIELD_NUMBER: _ClassVar[int]
    PROVINCES_FIELD_NUMBER: _ClassVar[int]
    QUALIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    GREEN_CERTS_FIELD_NUMBER: _ClassVar[int]
    CREDIT_EVENTS_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LISTINGS_FIELD_NUMBER: _ClassVar[int]
    CONFLICTS_FIELD_NUMBER: _ClassVar[int]
    FRESHNESS_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    uscc: str
    found: bool
    names: _containers.RepeatedCompositeFieldContainer[_reconciliation_pb2.NameClaim]
    provinces: _containers.RepeatedScalarFieldContainer[_common_pb2.Province]
    qualifications: _containers.RepeatedCompositeFieldContainer[StoredRecord]
    green_certs: _containers.RepeatedCompositeFieldContainer[StoredRecord]
    credit_events: _containers.RepeatedCompositeFieldContainer[StoredRecord]
    credit_listings: _containers.RepeatedCompositeFieldContainer[_reconciliation_pb2.CreditListing]
    conflicts: _containers.RepeatedCompositeFieldContainer[_reconciliation_pb2.Conflict]
    freshness: _containers.RepeatedCompositeFieldContainer[FeedFreshness]
    as_of: _common_pb2.AsOf
    def __init__(self, uscc: _Optional[str] = ..., found: _Optional[bool] = ..., names: _Optional[_Iterable[_Union[_reconciliation_pb2.NameClaim, _Mapping]]] = ..., provinces: _Optional[_Iterable[_Union[_common_pb2.Province, str]]] = ..., qualifications: _Optional[_Iterable[_Union[StoredRecord, _Mapping]]] = ..., green_certs: _Optional[_Iterable[_Union[StoredRecord, _Mapping]]] = ..., credit_events: _Optional[_Iterable[_Union[StoredRecord, _Mapping]]] = ..., credit_listings: _Optional[_Iterable[_Union[_reconciliation_pb2.CreditListing, _Mapping]]] = ..., conflicts: _Optional[_Iterable[_Union[_reconciliation_pb2.Conflict, _Mapping]]] = ..., freshness: _Optional[_Iterable[_Union[FeedFreshness, _Mapping]]] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ...) -> None: ...

class ListConflictsRequest(_message.Message):
    __slots__ = ("types", "uscc", "open_only", "page_size", "page_token", "as_of")
    TYPES_FIELD_NUMBER: _ClassVar[int]
    USCC_FIELD_NUMBER: _ClassVar[int]
    OPEN_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    types: _containers.RepeatedScalarFieldContainer[_reconciliation_pb2.ConflictType]
    uscc: str
    open_only: bool
    page_size: int
    page_token: str
    as_of: _common_pb2.AsOf
    def __init__(self, types: _Optional[_Iterable[_Union[_reconciliation_pb2.ConflictType, str]]] = ..., uscc: _Optional[str] = ..., open_only: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ...) -> None: ...

class ListConflictsResponse(_message.Message):
    __slots__ = ("conflicts", "next_page_token", "as_of")
    CONFLICTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    conflicts: _containers.RepeatedCompositeFieldContainer[_reconciliation_pb2.Conflict]
    next_page_token: str
    as_of: _common_pb2.AsOf
    def __init__(self, conflicts: _Optional[_Iterable[_Union[_reconciliation_pb2.Conflict, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ...) -> None: ...

class GetRecordHistoryRequest(_message.Message):
    __slots__ = ("record_key", "as_of", "page_size", "page_token")
    RECORD_KEY_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    record_key: str
    as_of: _common_pb2.AsOf
    page_size: int
    page_token: str
    def __init__(self, record_key: _Optional[str] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class GetRecordHistoryResponse(_message.Message):
    __slots__ = ("versions", "current", "validity", "as_of", "next_page_token")
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    VALIDITY_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    versions: _containers.RepeatedCompositeFieldContainer[StoredRecord]
    current: _containers.RepeatedCompositeFieldContainer[StoredRecord]
    validity: _containers.RepeatedCompositeFieldContainer[_reconciliation_pb2.ValidityOnDate]
    as_of: _common_pb2.AsOf
    next_page_token: str
    def __init__(self, versions: _Optional[_Iterable[_Union[StoredRecord, _Mapping]]] = ..., current: _Optional[_Iterable[_Union[StoredRecord, _Mapping]]] = ..., validity: _Optional[_Iterable[_Union[_reconciliation_pb2.ValidityOnDate, _Mapping]]] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DecideRecognitionRequest(_message.Message):
    __slots__ = ("record_key", "institution", "target_province", "source_province", "as_of")
    RECORD_KEY_FIELD_NUMBER: _ClassVar[int]
    INSTITUTION_FIELD_NUMBER: _ClassVar[int]
    TARGET_PROVINCE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_PROVINCE_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    record_key: str
    institution: _reconciliation_pb2.InstitutionScope
    target_province: _common_pb2.Province
    source_province: _common_pb2.Province
    as_of: _common_pb2.AsOf
    def __init__(self, record_key: _Optional[str] = ..., institution: _Optional[_Union[_reconciliation_pb2.InstitutionScope, _Mapping]] = ..., target_province: _Optional[_Union[_common_pb2.Province, str]] = ..., source_province: _Optional[_Union[_common_pb2.Province, str]] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ...) -> None: ...

class DecideRecognitionResponse(_message.Message):
    __slots__ = ("outcome", "reasons", "policy_version", "policy_digest", "target_province", "decided_at", "as_of")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    POLICY_DIGEST_FIELD_NUMBER: _ClassVar[int]
    TARGET_PROVINCE_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    outcome: _reconciliation_pb2.RecognitionOutcome
    reasons: _containers.RepeatedCompositeFieldContainer[_reconciliation_pb2.RecognitionReason]
    policy_version: str
    policy_digest: str
    target_province: _common_pb2.Province
    decided_at: _timestamp_pb2.Timestamp
    as_of: _common_pb2.AsOf
    def __init__(self, outcome: _Optional[_Union[_reconciliation_pb2.RecognitionOutcome, str]] = ..., reasons: _Optional[_Iterable[_Union[_reconciliation_pb2.RecognitionReason, _Mapping]]] = ..., policy_version: _Optional[str] = ..., policy_digest: _Optional[str] = ..., target_province: _Optional[_Union[_common_pb2.Province, str]] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ...) -> None: ...

class VerifyReportRequest(_message.Message):
    __slots__ = ("cma_number", "report_number", "document_sha256", "target_province", "as_of")
    CMA_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REPORT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_SHA256_FIELD_NUMBER: _ClassVar[int]
    TARGET_PROVINCE_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    cma_number: str
    report_number: str
    document_sha256: str
    target_province: _common_pb2.Province
    as_of: _common_pb2.AsOf
    def __init__(self, cma_number: _Optional[str] = ..., report_number: _Optional[str] = ..., document_sha256: _Optional[str] = ..., target_province: _Optional[_Union[_common_pb2.Province, str]] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ...) -> None: ...

class VerifyReportResponse(_message.Message):
    __slots__ = ("registered", "report", "outcome", "reasons", "target_province", "policy_version", "policy_digest", "decided_at", "as_of")
    REGISTERED_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    TARGET_PROVINCE_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    POLICY_DIGEST_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    registered: bool
    report: StoredRecord
    outcome: _reconciliation_pb2.RecognitionOutcome
    reasons: _containers.RepeatedCompositeFieldContainer[_reconciliation_pb2.RecognitionReason]
    target_province: _common_pb2.Province
    policy_version: str
    policy_digest: str
    decided_at: _timestamp_pb2.Timestamp
    as_of: _common_pb2.AsOf
    def __init__(self, registered: _Optional[bool] = ..., report: _Optional[_Union[StoredRecord, _Mapping]] = ..., outcome: _Optional[_Union[_reconciliation_pb2.RecognitionOutcome, str]] = ..., reasons: _Optional[_Iterable[_Union[_reconciliation_pb2.RecognitionReason, _Mapping]]] = ..., target_province: _Optional[_Union[_common_pb2.Province, str]] = ..., policy_version: _Optional[str] = ..., policy_digest: _Optional[str] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ...) -> None: ...

class WatchChangesRequest(_message.Message):
    __slots__ = ("publishing_provinces", "kinds", "holder_uscc", "after_cursor", "from_latest", "record_keys", "watch_list", "subscriber")
    PUBLISHING_PROVINCES_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    HOLDER_USCC_FIELD_NUMBER: _ClassVar[int]
    AFTER_CURSOR_FIELD_NUMBER: _ClassVar[int]
    FROM_LATEST_FIELD_NUMBER: _ClassVar[int]
    RECORD_KEYS_FIELD_NUMBER: _ClassVar[int]
    WATCH_LIST_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIBER_FIELD_NUMBER: _ClassVar[int]
    publishing_provinces: _containers.RepeatedScalarFieldContainer[_common_pb2.Province]
    kinds: _containers.RepeatedScalarFieldContainer[_common_pb2.RecordKind]
    holder_uscc: str
    after_cursor: int
    from_latest: bool
    record_keys: _containers.RepeatedScalarFieldContainer[str]
    watch_list: WatchList
    subscriber: str
    def __init__(self, publishing_provinces: _Optional[_Iterable[_Union[_common_pb2.Province, str]]] = ..., kinds: _Optional[_Iterable[_Union[_common_pb2.RecordKind, str]]] = ..., holder_uscc: _Optional[str] = ..., after_cursor: _Optional[int] = ..., from_latest: _Optional[bool] = ..., record_keys: _Optional[_Iterable[str]] = ..., watch_list: _Optional[_Union[WatchList, _Mapping]] = ..., subscriber: _Optional[str] = ...) -> None: ...

class WatchList(_message.Message):
    __slots__ = ("record_keys", "holder_usccs")
    RECORD_KEYS_FIELD_NUMBER: _ClassVar[int]
    HOLDER_USCCS_FIELD_NUMBER: _ClassVar[int]
    record_keys: _containers.RepeatedScalarFieldContainer[str]
    holder_usccs: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, record_keys: _Optional[_Iterable[str]] = ..., holder_usccs: _Optional[_Iterable[str]] = ...) -> None: ...

class ChangeEvent(_message.Message):
    __slots__ = ("cursor", "type", "recorded_at", "record", "conflict", "current")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    CONFLICT_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    cursor: int
    type: _reconciliation_pb2.ChangeType
    recorded_at: _timestamp_pb2.Timestamp
    record: StoredRecord
    conflict: _reconciliation_pb2.Conflict
    current: bool
    def __init__(self, cursor: _Optional[int] = ..., type: _Optional[_Union[_reconciliation_pb2.ChangeType, str]] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., record: _Optional[_Union[StoredRecord, _Mapping]] = ..., conflict: _Optional[_Union[_reconciliation_pb2.Conflict, _Mapping]] = ..., current: _Optional[bool] = ...) -> None: ...

class WatchChangesResponse(_message.Message):
    __slots__ = ("changes", "resume_cursor")
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    RESUME_CURSOR_FIELD_NUMBER: _ClassVar[int]
    changes: _containers.RepeatedCompositeFieldContainer[ChangeEvent]
    resume_cursor: int
    def __init__(self, changes: _Optional[_Iterable[_Union[ChangeEvent, _Mapping]]] = ..., resume_cursor: _Optional[int] = ...) -> None: ...
