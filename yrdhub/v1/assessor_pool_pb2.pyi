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

class TeamRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TEAM_ROLE_UNSPECIFIED: _ClassVar[TeamRole]
    TEAM_ROLE_LEADER: _ClassVar[TeamRole]
    TEAM_ROLE_ASSESSOR: _ClassVar[TeamRole]
    TEAM_ROLE_TECHNICAL_EXPERT: _ClassVar[TeamRole]
    TEAM_ROLE_INSPECTOR: _ClassVar[TeamRole]
    TEAM_ROLE_LEAD_OFFICER: _ClassVar[TeamRole]
    TEAM_ROLE_OFFICER: _ClassVar[TeamRole]
    TEAM_ROLE_TECHNICAL_SUPPORT: _ClassVar[TeamRole]

class DrawKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DRAW_KIND_UNSPECIFIED: _ClassVar[DrawKind]
    DRAW_KIND_TEAM: _ClassVar[DrawKind]
    DRAW_KIND_INSPECTION_PLAN: _ClassVar[DrawKind]

class DrawState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DRAW_STATE_UNSPECIFIED: _ClassVar[DrawState]
    DRAW_STATE_COMMITTED: _ClassVar[DrawState]
    DRAW_STATE_DRAWN: _ClassVar[DrawState]
    DRAW_STATE_FAILED: _ClassVar[DrawState]

class CreditClass(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CREDIT_CLASS_UNSPECIFIED: _ClassVar[CreditClass]
    CREDIT_CLASS_A: _ClassVar[CreditClass]
    CREDIT_CLASS_B: _ClassVar[CreditClass]
    CREDIT_CLASS_C: _ClassVar[CreditClass]
    CREDIT_CLASS_D: _ClassVar[CreditClass]

class ResultStanding(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESULT_STANDING_UNSPECIFIED: _ClassVar[ResultStanding]
    RESULT_STANDING_PENDING: _ClassVar[ResultStanding]
    RESULT_STANDING_PUBLISHED: _ClassVar[ResultStanding]
    RESULT_STANDING_PUBLISHED_LATE: _ClassVar[ResultStanding]
    RESULT_STANDING_OVERDUE: _ClassVar[ResultStanding]

class AssignmentState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ASSIGNMENT_STATE_UNSPECIFIED: _ClassVar[AssignmentState]
    ASSIGNMENT_STATE_ACTIVE: _ClassVar[AssignmentState]
    ASSIGNMENT_STATE_CANCELLED: _ClassVar[AssignmentState]
TEAM_ROLE_UNSPECIFIED: TeamRole
TEAM_ROLE_LEADER: TeamRole
TEAM_ROLE_ASSESSOR: TeamRole
TEAM_ROLE_TECHNICAL_EXPERT: TeamRole
TEAM_ROLE_INSPECTOR: TeamRole
TEAM_ROLE_LEAD_OFFICER: TeamRole
TEAM_ROLE_OFFICER: TeamRole
TEAM_ROLE_TECHNICAL_SUPPORT: TeamRole
DRAW_KIND_UNSPECIFIED: DrawKind
DRAW_KIND_TEAM: DrawKind
DRAW_KIND_INSPECTION_PLAN: DrawKind
DRAW_STATE_UNSPECIFIED: DrawState
DRAW_STATE_COMMITTED: DrawState
DRAW_STATE_DRAWN: DrawState
DRAW_STATE_FAILED: DrawState
CREDIT_CLASS_UNSPECIFIED: CreditClass
CREDIT_CLASS_A: CreditClass
CREDIT_CLASS_B: CreditClass
CREDIT_CLASS_C: CreditClass
CREDIT_CLASS_D: CreditClass
RESULT_STANDING_UNSPECIFIED: ResultStanding
RESULT_STANDING_PENDING: ResultStanding
RESULT_STANDING_PUBLISHED: ResultStanding
RESULT_STANDING_PUBLISHED_LATE: ResultStanding
RESULT_STANDING_OVERDUE: ResultStanding
ASSIGNMENT_STATE_UNSPECIFIED: AssignmentState
ASSIGNMENT_STATE_ACTIVE: AssignmentState
ASSIGNMENT_STATE_CANCELLED: AssignmentState

class TeamSpec(_message.Message):
    __slots__ = ("institution_uscc", "institution_province", "fields", "start_date", "end_date", "size", "no_leader", "technical_experts", "reference", "recusals")
    INSTITUTION_USCC_FIELD_NUMBER: _ClassVar[int]
    INSTITUTION_PROVINCE_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    NO_LEADER_FIELD_NUMBER: _ClassVar[int]
    TECHNICAL_EXPERTS_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    RECUSALS_FIELD_NUMBER: _ClassVar[int]
    institution_uscc: str
    institution_province: _common_pb2.Province
    fields: _containers.RepeatedScalarFieldContainer[str]
    start_date: str
    end_date: str
    size: int
    no_leader: bool
    technical_experts: int
    reference: str
    recusals: _containers.RepeatedCompositeFieldContainer[RecusalRequest]
    def __init__(self, institution_uscc: _Optional[str] = ..., institution_province: _Optional[_Union[_common_pb2.Province, str]] = ..., fields: _Optional[_Iterable[str]] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ..., size: _Optional[int] = ..., no_leader: _Optional[bool] = ..., technical_experts: _Optional[int] = ..., reference: _Optional[str] = ..., recusals: _Optional[_Iterable[_Union[RecusalRequest, _Mapping]]] = ...) -> None: ...

class RecusalRequest(_message.Message):
    __slots__ = ("assessor_id", "reason")
    ASSESSOR_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    assessor_id: str
    reason: str
    def __init__(self, assessor_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class TeamMember(_message.Message):
    __slots__ = ("assessor_id", "home_province", "role", "level", "fields", "assignment_id", "recent_assignments")
    ASSESSOR_ID_FIELD_NUMBER: _ClassVar[int]
    HOME_PROVINCE_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    RECENT_ASSIGNMENTS_FIELD_NUMBER: _ClassVar[int]
    assessor_id: str
    home_province: _common_pb2.Province
    role: TeamRole
    level: _records_pb2.AssessorLevel
    fields: _containers.RepeatedScalarFieldContainer[str]
    assignment_id: str
    recent_assignments: int
    def __init__(self, assessor_id: _Optional[str] = ..., home_province: _Optional[_Union[_common_pb2.Province, str]] = ..., role: _Optional[_Union[TeamRole, str]] = ..., level: _Optional[_Union[_records_pb2.AssessorLevel, str]] = ..., fields: _Optional[_Iterable[str]] = ..., assignment_id: _Optional[str] = ..., recent_assignments: _Optional[int] = ...) -> None: ...

class Exclusion(_message.Message):
    __slots__ = ("assessor_id", "home_province", "reason", "detail")
    ASSESSOR_ID_FIELD_NUMBER: _ClassVar[int]
    HOME_PROVINCE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    assessor_id: str
    home_province: _common_pb2.Province
    reason: str
    detail: str
    def __init__(self, assessor_id: _Optional[str] = ..., home_province: _Optional[_Union[_common_pb2.Province, str]] = ..., reason: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class InspectionSpec(_message.Message):
    __slots__ = ("provinces", "fields", "start_date", "end_date", "reference", "technical_support")
    PROVINCES_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    TECHNICAL_SUPPORT_FIELD_NUMBER: _ClassVar[int]
    provinces: _containers.RepeatedScalarFieldContainer[_common_pb2.Province]
    fields: _containers.RepeatedScalarFieldContainer[str]
    start_date: str
    end_date: str
    reference: str
    technical_support: int
    def __init__(self, provinces: _Optional[_Iterable[_Union[_common_pb2.Province, str]]] = ..., fields: _Optional[_Iterable[str]] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ..., reference: _Optional[str] = ..., technical_support: _Optional[int] = ...) -> None: ...

class ClassQuota(_message.Message):
    __slots__ = ("credit_class", "pool", "ratio", "drawn")
    CREDIT_CLASS_FIELD_NUMBER: _ClassVar[int]
    POOL_FIELD_NUMBER: _ClassVar[int]
    RATIO_FIELD_NUMBER: _ClassVar[int]
    DRAWN_FIELD_NUMBER: _ClassVar[int]
    credit_class: CreditClass
    pool: int
    ratio: str
    drawn: int
    def __init__(self, credit_class: _Optional[_Union[CreditClass, str]] = ..., pool: _Optional[int] = ..., ratio: _Optional[str] = ..., drawn: _Optional[int] = ...) -> None: ...

class PlannedInspection(_message.Message):
    __slots__ = ("institution_uscc", "province", "credit_class", "date", "team", "failure", "fields", "exclusions", "result", "result_due_date", "result_standing")
    INSTITUTION_USCC_FIELD_NUMBER: _ClassVar[int]
    PROVINCE_FIELD_NUMBER: _ClassVar[int]
    CREDIT_CLASS_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    TEAM_FIELD_NUMBER: _ClassVar[int]
    FAILURE_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    EXCLUSIONS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    RESULT_DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    RESULT_STANDING_FIELD_NUMBER: _ClassVar[int]
    institution_uscc: str
    province: _common_pb2.Province
    credit_class: CreditClass
    date: str
    team: _containers.RepeatedCompositeFieldContainer[TeamMember]
    failure: str
    fields: _containers.RepeatedScalarFieldContainer[str]
    exclusions: _containers.RepeatedCompositeFieldContainer[Exclusion]
    result: _records_pb2.InspectionResult
    result_due_date: str
    result_standing: ResultStanding
    def __init__(self, institution_uscc: _Optional[str] = ..., province: _Optional[_Union[_common_pb2.Province, str]] = ..., credit_class: _Optional[_Union[CreditClass, str]] = ..., date: _Optional[str] = ..., team: _Optional[_Iterable[_Union[TeamMember, _Mapping]]] = ..., failure: _Optional[str] = ..., fields: _Optional[_Iterable[str]] = ..., exclusions: _Optional[_Iterable[_Union[Exclusion, _Mapping]]] = ..., result: _Optional[_Union[_records_pb2.InspectionResult, _Mapping]] = ..., result_due_date: _Optional[str] = ..., result_standing: _Optional[_Union[ResultStanding, str]] = ...) -> None: ...

class InspectionPlan(_message.Message):
    __slots__ = ("quotas", "inspections", "field_quotas")
    QUOTAS_FIELD_NUMBER: _ClassVar[int]
    INSPECTIONS_FIELD_NUMBER: _ClassVar[int]
    FIELD_QUOTAS_FIELD_NUMBER: _ClassVar[int]
    quotas: _containers.RepeatedCompositeFieldContainer[ClassQuota]
    inspections: _containers.RepeatedCompositeFieldContainer[PlannedInspection]
    field_quotas: _containers.RepeatedCompositeFieldContainer[FieldQuota]
    def __init__(self, quotas: _Optional[_Iterable[_Union[ClassQuota, _Mapping]]] = ..., inspections: _Optional[_Iterable[_Union[PlannedInspection, _Mapping]]] = ..., field_quotas: _Optional[_Iterable[_Union[FieldQuota, _Mapping]]] = ...) -> None: ...

class FieldQuota(_message.Message):
    __slots__ = ("field", "pool", "ratio", "drawn")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    POOL_FIELD_NUMBER: _ClassVar[int]
    RATIO_FIELD_NUMBER: _ClassVar[int]
    DRAWN_FIELD_NUMBER: _ClassVar[int]
    field: str
    pool: int
    ratio: str
    drawn: int
    def __init__(self, field: _Optional[str] = ..., pool: _Optional[int] = ..., ratio: _Optional[str] = ..., drawn: _Optional[int] = ...) -> None: ...

class Draw(_message.Message):
    __slots__ = ("draw_id", "kind", "state", "seed_commitment", "committed_at", "seed", "drawn_at", "snapshot_sha256", "snapshot", "policy_version", "team_spec", "inspection_spec", "team", "exclusions", "plan", "failure", "candidates", "eligible")
    DRAW_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SEED_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    COMMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    DRAWN_AT_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_SHA256_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    TEAM_SPEC_FIELD_NUMBER: _ClassVar[int]
    INSPECTION_SPEC_FIELD_NUMBER: _ClassVar[int]
    TEAM_FIELD_NUMBER: _ClassVar[int]
    EXCLUSIONS_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    FAILURE_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    ELIGIBLE_FIELD_NUMBER: _ClassVar[int]
    draw_id: str
    kind: DrawKind
    state: DrawState
    seed_commitment: bytes
    committed_at: _timestamp_pb2.Timestamp
    seed: bytes
    drawn_at: _timestamp_pb2.Timestamp
    snapshot_sha256: bytes
    snapshot: bytes
    policy_version: str
    team_spec: TeamSpec
    inspection_spec: InspectionSpec
    team: _containers.RepeatedCompositeFieldContainer[TeamMember]
    exclusions: _containers.RepeatedCompositeFieldContainer[Exclusion]
    plan: InspectionPlan
    failure: str
    candidates: int
    eligible: int
    def __init__(self, draw_id: _Optional[str] = ..., kind: _Optional[_Union[DrawKind, str]] = ..., state: _Optional[_Union[DrawState, str]] = ..., seed_commitment: _Optional[bytes] = ..., committed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., seed: _Optional[bytes] = ..., drawn_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., snapshot_sha256: _Optional[bytes] = ..., snapshot: _Optional[bytes] = ..., policy_version: _Optional[str] = ..., team_spec: _Optional[_Union[TeamSpec, _Mapping]] = ..., inspection_spec: _Optional[_Union[InspectionSpec, _Mapping]] = ..., team: _Optional[_Iterable[_Union[TeamMember, _Mapping]]] = ..., exclusions: _Optional[_Iterable[_Union[Exclusion, _Mapping]]] = ..., plan: _Optional[_Union[InspectionPlan, _Mapping]] = ..., failure: _Optional[str] = ..., candidates: _Optional[int] = ..., eligible: _Optional[int] = ...) -> None: ...

class RequestTeamRequest(_message.Message):
    __slots__ = ("spec",)
    SPEC_FIELD_NUMBER: _ClassVar[int]
    spec: TeamSpec
    def __init__(self, spec: _Optional[_Union[TeamSpec, _Mapping]] = ...) -> None: ...

class RequestTeamResponse(_message.Message):
    __slots__ = ("draw",)
    DRAW_FIELD_NUMBER: _ClassVar[int]
    draw: Draw
    def __init__(self, draw: _Optional[_Union[Draw, _Mapping]] = ...) -> None: ...

class PlanInspectionsRequest(_message.Message):
    __slots__ = ("spec",)
    SPEC_FIELD_NUMBER: _ClassVar[int]
    spec: InspectionSpec
    def __init__(self, spec: _Optional[_Union[InspectionSpec, _Mapping]] = ...) -> None: ...

class PlanInspectionsResponse(_message.Message):
    __slots__ = ("draw",)
    DRAW_FIELD_NUMBER: _ClassVar[int]
    draw: Draw
    def __init__(self, draw: _Optional[_Union[Draw, _Mapping]] = ...) -> None: ...

class GetDrawRequest(_message.Message):
    __slots__ = ("draw_id", "as_of")
    DRAW_ID_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    draw_id: str
    as_of: _common_pb2.AsOf
    def __init__(self, draw_id: _Optional[str] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ...) -> None: ...

class GetDrawResponse(_message.Message):
    __slots__ = ("draw", "as_of")
    DRAW_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    draw: Draw
    as_of: _common_pb2.AsOf
    def __init__(self, draw: _Optional[_Union[Draw, _Mapping]] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ...) -> None: ...

class ListDrawsRequest(_message.Message):
    __slots__ = ("limit", "state", "as_of")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    limit: int
    state: DrawState
    as_of: _common_pb2.AsOf
    def __init__(self, limit: _Optional[int] = ..., state: _Optional[_Union[DrawState, str]] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ...) -> None: ...

class ListDrawsResponse(_message.Message):
    __slots__ = ("draws", "as_of")
    DRAWS_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    draws: _containers.RepeatedCompositeFieldContainer[Draw]
    as_of: _common_pb2.AsOf
    def __init__(self, draws: _Optional[_Iterable[_Union[Draw, _Mapping]]] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ...) -> None: ...

class Assignment(_message.Message):
    __slots__ = ("assignment_id", "draw_id", "assessor_id", "home_province", "role", "institution_uscc", "institution_province", "start_date", "end_date", "state", "cancel_reason", "revision", "kind", "reference", "updated_at", "booked_at")
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    DRAW_ID_FIELD_NUMBER: _ClassVar[int]
    ASSESSOR_ID_FIELD_NUMBER: _ClassVar[int]
    HOME_PROVINCE_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    INSTITUTION_USCC_FIELD_NUMBER: _ClassVar[int]
    INSTITUTION_PROVINCE_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CANCEL_REASON_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    BOOKED_AT_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    draw_id: str
    assessor_id: str
    home_province: _common_pb2.Province
    role: TeamRole
    institution_uscc: str
    institution_province: _common_pb2.Province
    start_date: str
    end_date: str
    state: AssignmentState
    cancel_reason: str
    revision: int
    kind: DrawKind
    reference: str
    updated_at: _timestamp_pb2.Timestamp
    booked_at: _timestamp_pb2.Timestamp
    def __init__(self, assignment_id: _Optional[str] = ..., draw_id: _Optional[str] = ..., assessor_id: _Optional[str] = ..., home_province: _Optional[_Union[_common_pb2.Province, str]] = ..., role: _Optional[_Union[TeamRole, str]] = ..., institution_uscc: _Optional[str] = ..., institution_province: _Optional[_Union[_common_pb2.Province, str]] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ..., state: _Optional[_Union[AssignmentState, str]] = ..., cancel_reason: _Optional[str] = ..., revision: _Optional[int] = ..., kind: _Optional[_Union[DrawKind, str]] = ..., reference: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., booked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListAssignmentsRequest(_message.Message):
    __slots__ = ("assessor_id", "institution_uscc", "home_province", "start_date", "end_date", "include_cancelled", "limit", "as_of")
    ASSESSOR_ID_FIELD_NUMBER: _ClassVar[int]
    INSTITUTION_USCC_FIELD_NUMBER: _ClassVar[int]
    HOME_PROVINCE_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_CANCELLED_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    assessor_id: str
    institution_uscc: str
    home_province: _common_pb2.Province
    start_date: str
    end_date: str
    include_cancelled: bool
    limit: int
    as_of: _common_pb2.AsOf
    def __init__(self, assessor_id: _Optional[str] = ..., institution_uscc: _Optional[str] = ..., home_province: _Optional[_Union[_common_pb2.Province, str]] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ..., include_cancelled: _Optional[bool] = ..., limit: _Optional[int] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ...) -> None: ...

class ListAssignmentsResponse(_message.Message):
    __slots__ = ("assignments", "as_of")
    ASSIGNMENTS_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    assignments: _containers.RepeatedCompositeFieldContainer[Assignment]
    as_of: _common_pb2.AsOf
    def __init__(self, assignments: _Optional[_Iterable[_Union[Assignment, _Mapping]]] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ...) -> None: ...

class CancelAssignmentRequest(_message.Message):
    __slots__ = ("assignment_id", "reason")
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    reason: str
    def __init__(self, assignment_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelAssignmentResponse(_message.Message):
    __slots__ = ("assignment",)
    ASSIGNMENT_FIELD_NUMBER: _ClassVar[int]
    assignment: Assignment
    def __init__(self, assignment: _Optional[_Union[Assignment, _Mapping]] = ...) -> None: ...

class DrawCommitment(_message.Message):
    __slots__ = ("draw_id", "kind", "seed_commitment", "committed_at", "spec_sha256", "policy_version", "key_id", "signature")
    DRAW_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SEED_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    COMMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    SPEC_SHA256_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    draw_id: str
    kind: DrawKind
    seed_commitment: bytes
    committed_at: str
    spec_sha256: bytes
    policy_version: str
    key_id: str
    signature: bytes
    def __init__(self, draw_id: _Optional[str] = ..., kind: _Optional[_Union[DrawKind, str]] = ..., seed_commitment: _Optional[bytes] = ..., committed_at: _Optional[str] = ..., spec_sha256: _Optional[bytes] = ..., policy_version: _Optional[str] = ..., key_id: _Optional[str] = ..., signature: _Optional[bytes] = ...) -> None: ...

class AssignmentEvent(_message.Message):
    __slots__ = ("event_id", "assignment", "emitted_at", "key_id", "signature")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENT_FIELD_NUMBER: _ClassVar[int]
    EMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    assignment: Assignment
    emitted_at: _timestamp_pb2.Timestamp
    key_id: str
    signature: bytes
    def __init__(self, event_id: _Optional[str] = ..., assignment: _Optional[_Union[Assignment, _Mapping]] = ..., emitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., key_id: _Optional[str] = ..., signature: _Optional[bytes] = ...) -> None: ...
