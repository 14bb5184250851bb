from yrdhub.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AssessorLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ASSESSOR_LEVEL_UNSPECIFIED: _ClassVar[AssessorLevel]
    ASSESSOR_LEVEL_TEAM_LEADER: _ClassVar[AssessorLevel]
    ASSESSOR_LEVEL_ASSESSOR: _ClassVar[AssessorLevel]
    ASSESSOR_LEVEL_TECHNICAL_EXPERT: _ClassVar[AssessorLevel]

class AssessorStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ASSESSOR_STATUS_UNSPECIFIED: _ClassVar[AssessorStatus]
    ASSESSOR_STATUS_ACTIVE: _ClassVar[AssessorStatus]
    ASSESSOR_STATUS_SUSPENDED: _ClassVar[AssessorStatus]
    ASSESSOR_STATUS_REINSTATED: _ClassVar[AssessorStatus]
    ASSESSOR_STATUS_REVOKED: _ClassVar[AssessorStatus]

class AffiliationRelation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AFFILIATION_RELATION_UNSPECIFIED: _ClassVar[AffiliationRelation]
    AFFILIATION_RELATION_EMPLOYED: _ClassVar[AffiliationRelation]
    AFFILIATION_RELATION_CONSULTED: _ClassVar[AffiliationRelation]
    AFFILIATION_RELATION_KINSHIP: _ClassVar[AffiliationRelation]
    AFFILIATION_RELATION_SHAREHOLDING: _ClassVar[AffiliationRelation]

class CreditListType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CREDIT_LIST_TYPE_UNSPECIFIED: _ClassVar[CreditListType]
    CREDIT_LIST_TYPE_ABNORMAL_OPERATIONS: _ClassVar[CreditListType]
    CREDIT_LIST_TYPE_SERIOUS_VIOLATION: _ClassVar[CreditListType]

class CreditAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CREDIT_ACTION_UNSPECIFIED: _ClassVar[CreditAction]
    CREDIT_ACTION_LISTED: _ClassVar[CreditAction]
    CREDIT_ACTION_REMOVED: _ClassVar[CreditAction]
    CREDIT_ACTION_REPAIRED: _ClassVar[CreditAction]

class ProficiencyOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROFICIENCY_OUTCOME_UNSPECIFIED: _ClassVar[ProficiencyOutcome]
    PROFICIENCY_OUTCOME_SATISFACTORY: _ClassVar[ProficiencyOutcome]
    PROFICIENCY_OUTCOME_QUESTIONABLE: _ClassVar[ProficiencyOutcome]
    PROFICIENCY_OUTCOME_UNSATISFACTORY: _ClassVar[ProficiencyOutcome]

class InspectionOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INSPECTION_OUTCOME_UNSPECIFIED: _ClassVar[InspectionOutcome]
    INSPECTION_OUTCOME_NO_PROBLEM: _ClassVar[InspectionOutcome]
    INSPECTION_OUTCOME_CORRECTION_ORDERED: _ClassVar[InspectionOutcome]
    INSPECTION_OUTCOME_FURTHER_ACTION: _ClassVar[InspectionOutcome]
    INSPECTION_OUTCOME_NOT_OPERATING: _ClassVar[InspectionOutcome]
    INSPECTION_OUTCOME_REFUSED: _ClassVar[InspectionOutcome]

class RiskClass(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RISK_CLASS_UNSPECIFIED: _ClassVar[RiskClass]
    RISK_CLASS_A: _ClassVar[RiskClass]
    RISK_CLASS_B: _ClassVar[RiskClass]
    RISK_CLASS_C: _ClassVar[RiskClass]
    RISK_CLASS_D: _ClassVar[RiskClass]
ASSESSOR_LEVEL_UNSPECIFIED: AssessorLevel
ASSESSOR_LEVEL_TEAM_LEADER: AssessorLevel
ASSESSOR_LEVEL_ASSESSOR: AssessorLevel
ASSESSOR_LEVEL_TECHNICAL_EXPERT: AssessorLevel
ASSESSOR_STATUS_UNSPECIFIED: AssessorStatus
ASSESSOR_STATUS_ACTIVE: AssessorStatus
ASSESSOR_STATUS_SUSPENDED: AssessorStatus
ASSESSOR_STATUS_REINSTATED: AssessorStatus
ASSESSOR_STATUS_REVOKED: AssessorStatus
AFFILIATION_RELATION_UNSPECIFIED: AffiliationRelation
AFFILIATION_RELATION_EMPLOYED: AffiliationRelation
AFFILIATION_RELATION_CONSULTED: AffiliationRelation
AFFILIATION_RELATION_KINSHIP: AffiliationRelation
AFFILIATION_RELATION_SHAREHOLDING: AffiliationRelation
CREDIT_LIST_TYPE_UNSPECIFIED: CreditListType
CREDIT_LIST_TYPE_ABNORMAL_OPERATIONS: CreditListType
CREDIT_LIST_TYPE_SERIOUS_VIOLATION: CreditListType
CREDIT_ACTION_UNSPECIFIED: CreditAction
CREDIT_ACTION_LISTED: CreditAction
CREDIT_ACTION_REMOVED: CreditAction
CREDIT_ACTION_REPAIRED: CreditAction
PROFICIENCY_OUTCOME_UNSPECIFIED: ProficiencyOutcome
PROFICIENCY_OUTCOME_SATISFACTORY: ProficiencyOutcome
PROFICIENCY_OUTCOME_QUESTIONABLE: ProficiencyOutcome
PROFICIENCY_OUTCOME_UNSATISFACTORY: ProficiencyOutcome
INSPECTION_OUTCOME_UNSPECIFIED: InspectionOutcome
INSPECTION_OUTCOME_NO_PROBLEM: InspectionOutcome
INSPECTION_OUTCOME_CORRECTION_ORDERED: InspectionOutcome
INSPECTION_OUTCOME_FURTHER_ACTION: InspectionOutcome
INSPECTION_OUTCOME_NOT_OPERATING: InspectionOutcome
INSPECTION_OUTCOME_REFUSED: InspectionOutcome
RISK_CLASS_UNSPECIFIED: RiskClass
RISK_CLASS_A: RiskClass
RISK_CLASS_B: RiskClass
RISK_CLASS_C: RiskClass
RISK_CLASS_D: RiskClass

class ScopeItem(_message.Message):
    __slots__ = ("parameter", "standard_code", "standard_year", "limits", "exclusions", "field")
    PARAMETER_FIELD_NUMBER: _ClassVar[int]
    STANDARD_CODE_FIELD_NUMBER: _ClassVar[int]
    STANDARD_YEAR_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    EXCLUSIONS_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    parameter: str
    standard_code: str
    standard_year: int
    limits: str
    exclusions: str
    field: str
    def __init__(self, parameter: _Optional[str] = ..., standard_code: _Optional[str] = ..., standard_year: _Optional[int] = ..., limits: _Optional[str] = ..., exclusions: _Optional[str] = ..., field: _Optional[str] = ...) -> None: ...

class Signatory(_message.Message):
    __slots__ = ("name", "fields", "identity", "person_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    fields: _containers.RepeatedScalarFieldContainer[str]
    identity: AssessorIdentity
    person_id: str
    def __init__(self, name: _Optional[str] = ..., fields: _Optional[_Iterable[str]] = ..., identity: _Optional[_Union[AssessorIdentity, _Mapping]] = ..., person_id: _Optional[str] = ...) -> None: ...

class Qualification(_message.Message):
    __slots__ = ("issuer", "number", "institution_uscc", "institution_name", "address", "legal_nature", "valid_from", "valid_until", "status", "scope", "signatories", "status_effective_date", "replaces", "parent_uscc")
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    INSTITUTION_USCC_FIELD_NUMBER: _ClassVar[int]
    INSTITUTION_NAME_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LEGAL_NATURE_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    SIGNATORIES_FIELD_NUMBER: _ClassVar[int]
    STATUS_EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    REPLACES_FIELD_NUMBER: _ClassVar[int]
    PARENT_USCC_FIELD_NUMBER: _ClassVar[int]
    issuer: str
    number: str
    institution_uscc: str
    institution_name: str
    address: str
    legal_nature: str
    valid_from: str
    valid_until: str
    status: _common_pb2.Status
    scope: _containers.RepeatedCompositeFieldContainer[ScopeItem]
    signatories: _containers.RepeatedCompositeFieldContainer[Signatory]
    status_effective_date: str
    replaces: str
    parent_uscc: str
    def __init__(self, issuer: _Optional[str] = ..., number: _Optional[str] = ..., institution_uscc: _Optional[str] = ..., institution_name: _Optional[str] = ..., address: _Optional[str] = ..., legal_nature: _Optional[str] = ..., valid_from: _Optional[str] = ..., valid_until: _Optional[str] = ..., status: _Optional[_Union[_common_pb2.Status, _Mapping]] = ..., scope: _Optional[_Iterable[_Union[ScopeItem, _Mapping]]] = ..., signatories: _Optional[_Iterable[_Union[Signatory, _Mapping]]] = ..., status_effective_date: _Optional[str] = ..., replaces: _Optional[str] = ..., parent_uscc: _Optional[str] = ...) -> None: ...

class Assessor(_message.Message):
    __slots__ = ("assessor_id", "home_province", "employer_uscc", "level", "fields", "status", "original_status", "status_reason", "available", "affiliations", "unavailable", "assignment_history", "status_since", "identity")
    ASSESSOR_ID_FIELD_NUMBER: _ClassVar[int]
    HOME_PROVINCE_FIELD_NUMBER: _ClassVar[int]
    EMPLOYER_USCC_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_REASON_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    AFFILIATIONS_FIELD_NUMBER: _ClassVar[int]
    UNAVAILABLE_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENT_HISTORY_FIELD_NUMBER: _ClassVar[int]
    STATUS_SINCE_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    assessor_id: str
    home_province: _common_pb2.Province
    employer_uscc: str
    level: AssessorLevel
    fields: _containers.RepeatedScalarFieldContainer[str]
    status: AssessorStatus
    original_status: str
    status_reason: str
    available: bool
    affiliations: _containers.RepeatedCompositeFieldContainer[Affiliation]
    unavailable: _containers.RepeatedCompositeFieldContainer[DateRange]
    assignment_history: _containers.RepeatedCompositeFieldContainer[PastAssignment]
    status_since: str
    identity: AssessorIdentity
    def __init__(self, assessor_id: _Optional[str] = ..., home_province: _Optional[_Union[_common_pb2.Province, str]] = ..., employer_uscc: _Optional[str] = ..., level: _Optional[_Union[AssessorLevel, str]] = ..., fields: _Optional[_Iterable[str]] = ..., status: _Optional[_Union[AssessorStatus, str]] = ..., original_status: _Optional[str] = ..., status_reason: _Optional[str] = ..., available: _Optional[bool] = ..., affiliations: _Optional[_Iterable[_Union[Affiliation, _Mapping]]] = ..., unavailable: _Optional[_Iterable[_Union[DateRange, _Mapping]]] = ..., assignment_history: _Optional[_Iterable[_Union[PastAssignment, _Mapping]]] = ..., status_since: _Optional[str] = ..., identity: _Optional[_Union[AssessorIdentity, _Mapping]] = ...) -> None: ...

class DateRange(_message.Message):
    __slots__ = ("start_date", "end_date")
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    start_date: str
    end_date: str
    def __init__(self, start_date: _Optional[str] = ..., end_date: _Optional[str] = ...) -> None: ...

class Affiliation(_message.Message):
    __slots__ = ("organization_uscc", "relation", "start_date", "end_date")
    ORGANIZATION_USCC_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    organization_uscc: str
    relation: AffiliationRelation
    start_date: str
    end_date: str
    def __init__(self, organization_uscc: _Optional[str] = ..., relation: _Optional[_Union[AffiliationRelation, str]] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ...) -> None: ...

class PastAssignment(_message.Message):
    __slots__ = ("institution_uscc", "start_date", "end_date", "reference")
    INSTITUTION_USCC_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    institution_uscc: str
    start_date: str
    end_date: str
    reference: str
    def __init__(self, institution_uscc: _Optional[str] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ..., reference: _Optional[str] = ...) -> None: ...

class AssessorIdentity(_message.Message):
    __slots__ = ("name", "id_number", "phone")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    name: str
    id_number: str
    phone: str
    def __init__(self, name: _Optional[str] = ..., id_number: _Optional[str] = ..., phone: _Optional[str] = ...) -> None: ...

class GreenCertification(_message.Message):
    __slots__ = ("body_code", "certificate_number", "label_code", "enterprise_uscc", "enterprise_name", "product", "model", "category", "evaluation_standard", "valid_from", "valid_until", "status", "certification_mode", "laboratory", "status_effective_date", "replaces", "body_name")
    BODY_CODE_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    LABEL_CODE_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_USCC_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_NAME_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    EVALUATION_STANDARD_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATION_MODE_FIELD_NUMBER: _ClassVar[int]
    LABORATORY_FIELD_NUMBER: _ClassVar[int]
    STATUS_EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    REPLACES_FIELD_NUMBER: _ClassVar[int]
    BODY_NAME_FIELD_NUMBER: _ClassVar[int]
    body_code: str
    certificate_number: str
    label_code: str
    enterprise_uscc: str
    enterprise_name: str
    product: str
    model: str
    category: str
    evaluation_standard: str
    valid_from: str
    valid_until: str
    status: _common_pb2.Status
    certification_mode: str
    laboratory: str
    status_effective_date: str
    replaces: str
    body_name: str
    def __init__(self, body_code: _Optional[str] = ..., certificate_number: _Optional[str] = ..., label_code: _Optional[str] = ..., enterprise_uscc: _Optional[str] = ..., enterprise_name: _Optional[str] = ..., product: _Optional[str] = ..., model: _Optional[str] = ..., category: _Optional[str] = ..., evaluation_standard: _Optional[str] = ..., valid_from: _Optional[str] = ..., valid_until: _Optional[str] = ..., status: _Optional[_Union[_common_pb2.Status, _Mapping]] = ..., certification_mode: _Optional[str] = ..., laboratory: _Optional[str] = ..., status_effective_date: _Optional[str] = ..., replaces: _Optional[str] = ..., body_name: _Optional[str] = ...) -> None: ...

class CreditEvent(_message.Message):
    __slots__ = ("reference", "uscc", "list_type", "action", "reason", "effective_from", "effective_until", "listing_province", "lifts_reference")
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    USCC_FIELD_NUMBER: _ClassVar[int]
    LIST_TYPE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_FROM_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_UNTIL_FIELD_NUMBER: _ClassVar[int]
    LISTING_PROVINCE_FIELD_NUMBER: _ClassVar[int]
    LIFTS_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    reference: str
    uscc: str
    list_type: CreditListType
    action: CreditAction
    reason: str
    effective_from: str
    effective_until: str
    listing_province: _common_pb2.Province
    lifts_reference: str
    def __init__(self, reference: _Optional[str] = ..., uscc: _Optional[str] = ..., list_type: _Optional[_Union[CreditListType, str]] = ..., action: _Optional[_Union[CreditAction, str]] = ..., reason: _Optional[str] = ..., effective_from: _Optional[str] = ..., effective_until: _Optional[str] = ..., listing_province: _Optional[_Union[_common_pb2.Province, str]] = ..., lifts_reference: _Optional[str] = ...) -> None: ...

class ReportItem(_message.Message):
    __slots__ = ("parameter", "standard_code", "standard_year")
    PARAMETER_FIELD_NUMBER: _ClassVar[int]
    STANDARD_CODE_FIELD_NUMBER: _ClassVar[int]
    STANDARD_YEAR_FIELD_NUMBER: _ClassVar[int]
    parameter: str
    standard_code: str
    standard_year: int
    def __init__(self, parameter: _Optional[str] = ..., standard_code: _Optional[str] = ..., standard_year: _Optional[int] = ...) -> None: ...

class TestReport(_message.Message):
    __slots__ = ("report_number", "cma_number", "institution_uscc", "issue_date", "items", "signatory", "sample_category", "document_sha256")
    REPORT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CMA_NUMBER_FIELD_NUMBER: _ClassVar[int]
    INSTITUTION_USCC_FIELD_NUMBER: _ClassVar[int]
    ISSUE_DATE_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    SIGNATORY_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_SHA256_FIELD_NUMBER: _ClassVar[int]
    report_number: str
    cma_number: str
    institution_uscc: str
    issue_date: str
    items: _containers.RepeatedCompositeFieldContainer[ReportItem]
    signatory: str
    sample_category: str
    document_sha256: str
    def __init__(self, report_number: _Optional[str] = ..., cma_number: _Optional[str] = ..., institution_uscc: _Optional[str] = ..., issue_date: _Optional[str] = ..., items: _Optional[_Iterable[_Union[ReportItem, _Mapping]]] = ..., signatory: _Optional[str] = ..., sample_category: _Optional[str] = ..., document_sha256: _Optional[str] = ...) -> None: ...

class ProficiencyResult(_message.Message):
    __slots__ = ("round_id", "provider", "cma_number", "institution_uscc", "items", "outcome", "result_date")
    ROUND_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    CMA_NUMBER_FIELD_NUMBER: _ClassVar[int]
    INSTITUTION_USCC_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_DATE_FIELD_NUMBER: _ClassVar[int]
    round_id: str
    provider: str
    cma_number: str
    institution_uscc: str
    items: _containers.RepeatedCompositeFieldContainer[ReportItem]
    outcome: ProficiencyOutcome
    result_date: str
    def __init__(self, round_id: _Optional[str] = ..., provider: _Optional[str] = ..., cma_number: _Optional[str] = ..., institution_uscc: _Optional[str] = ..., items: _Optional[_Iterable[_Union[ReportItem, _Mapping]]] = ..., outcome: _Optional[_Union[ProficiencyOutcome, str]] = ..., result_date: _Optional[str] = ...) -> None: ...

class Record(_message.Message):
    __slots__ = ("qualification", "assessor", "green_cert", "credit_event", "report", "proficiency", "risk_classification", "officer", "inspection_result", "signatory_ban")
    QUALIFICATION_FIELD_NUMBER: _ClassVar[int]
    ASSESSOR_FIELD_NUMBER: _ClassVar[int]
    GREEN_CERT_FIELD_NUMBER: _ClassVar[int]
    CREDIT_EVENT_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    PROFICIENCY_FIELD_NUMBER: _ClassVar[int]
    RISK_CLASSIFICATION_FIELD_NUMBER: _ClassVar[int]
    OFFICER_FIELD_NUMBER: _ClassVar[int]
    INSPECTION_RESULT_FIELD_NUMBER: _ClassVar[int]
    SIGNATORY_BAN_FIELD_NUMBER: _ClassVar[int]
    qualification: Qualification
    assessor: Assessor
    green_cert: GreenCertification
    credit_event: CreditEvent
    report: TestReport
    proficiency: ProficiencyResult
    risk_classification: RiskClassification
    officer: EnforcementOfficer
    inspection_result: InspectionResult
    signatory_ban: SignatoryBan
    def __init__(self, qualification: _Optional[_Union[Qualification, _Mapping]] = ..., assessor: _Optional[_Union[Assessor, _Mapping]] = ..., green_cert: _Optional[_Union[GreenCertification, _Mapping]] = ..., credit_event: _Optional[_Union[CreditEvent, _Mapping]] = ..., report: _Optional[_Union[TestReport, _Mapping]] = ..., proficiency: _Optional[_Union[ProficiencyResult, _Mapping]] = ..., risk_classification: _Optional[_Union[RiskClassification, _Mapping]] = ..., officer: _Optional[_Union[EnforcementOfficer, _Mapping]] = ..., inspection_result: _Optional[_Union[InspectionResult, _Mapping]] = ..., signatory_ban: _Optional[_Union[SignatoryBan, _Mapping]] = ...) -> None: ...

class EnforcementOfficer(_message.Message):
    __slots__ = ("officer_id", "home_province", "authority", "certificate_number", "certificate_valid_from", "certificate_valid_until", "status", "status_reason", "status_since", "affiliations", "unavailable", "identity")
    OFFICER_ID_FIELD_NUMBER: _ClassVar[int]
    HOME_PROVINCE_FIELD_NUMBER: _ClassVar[int]
    AUTHORITY_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_REASON_FIELD_NUMBER: _ClassVar[int]
    STATUS_SINCE_FIELD_NUMBER: _ClassVar[int]
    AFFILIATIONS_FIELD_NUMBER: _ClassVar[int]
    UNAVAILABLE_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    officer_id: str
    home_province: _common_pb2.Province
    authority: str
    certificate_number: str
    certificate_valid_from: str
    certificate_valid_until: str
    status: AssessorStatus
    status_reason: str
    status_since: str
    affiliations: _containers.RepeatedCompositeFieldContainer[Affiliation]
    unavailable: _containers.RepeatedCompositeFieldContainer[DateRange]
    identity: AssessorIdentity
    def __init__(self, officer_id: _Optional[str] = ..., home_province: _Optional[_Union[_common_pb2.Province, str]] = ..., authority: _Optional[str] = ..., certificate_number: _Optional[str] = ..., certificate_valid_from: _Optional[str] = ..., certificate_valid_until: _Optional[str] = ..., status: _Optional[_Union[AssessorStatus, str]] = ..., status_reason: _Optional[str] = ..., status_since: _Optional[str] = ..., affiliations: _Optional[_Iterable[_Union[Affiliation, _Mapping]]] = ..., unavailable: _Optional[_Iterable[_Union[DateRange, _Mapping]]] = ..., identity: _Optional[_Union[AssessorIdentity, _Mapping]] = ...) -> None: ...

class InspectionResult(_message.Message):
    __slots__ = ("plan_draw_id", "institution_uscc", "inspection_date", "outcome", "findings", "closed_date", "summary")
    PLAN_DRAW_ID_FIELD_NUMBER: _ClassVar[int]
    INSTITUTION_USCC_FIELD_NUMBER: _ClassVar[int]
    INSPECTION_DATE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    CLOSED_DATE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    plan_draw_id: str
    institution_uscc: str
    inspection_date: str
    outcome: InspectionOutcome
    findings: _containers.RepeatedCompositeFieldContainer[InspectionFinding]
    closed_date: str
    summary: str
    def __init__(self, plan_draw_id: _Optional[str] = ..., institution_uscc: _Optional[str] = ..., inspection_date: _Optional[str] = ..., outcome: _Optional[_Union[InspectionOutcome, str]] = ..., findings: _Optional[_Iterable[_Union[InspectionFinding, _Mapping]]] = ..., closed_date: _Optional[str] = ..., summary: _Optional[str] = ...) -> None: ...

class InspectionFinding(_message.Message):
    __slots__ = ("description", "basis", "corrective_action", "due_date", "corrected_date")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    CORRECTIVE_ACTION_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    CORRECTED_DATE_FIELD_NUMBER: _ClassVar[int]
    description: str
    basis: str
    corrective_action: str
    due_date: str
    corrected_date: str
    def __init__(self, description: _Optional[str] = ..., basis: _Optional[str] = ..., corrective_action: _Optional[str] = ..., due_date: _Optional[str] = ..., corrected_date: _Optional[str] = ...) -> None: ...

class SignatoryBan(_message.Message):
    __slots__ = ("reference", "person_id", "identity", "institution_uscc", "reason", "effective_from", "effective_until", "action", "lifts_reference", "listing_province")
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    INSTITUTION_USCC_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_FROM_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_UNTIL_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    LIFTS_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    LISTING_PROVINCE_FIELD_NUMBER: _ClassVar[int]
    reference: str
    person_id: str
    identity: AssessorIdentity
    institution_uscc: str
    reason: str
    effective_from: str
    effective_until: str
    action: CreditAction
    lifts_reference: str
    listing_province: _common_pb2.Province
    def __init__(self, reference: _Optional[str] = ..., person_id: _Optional[str] = ..., identity: _Optional[_Union[AssessorIdentity, _Mapping]] = ..., institution_uscc: _Optional[str] = ..., reason: _Optional[str] = ..., effective_from: _Optional[str] = ..., effective_until: _Optional[str] = ..., action: _Optional[_Union[CreditAction, str]] = ..., lifts_reference: _Optional[str] = ..., listing_province: _Optional[_Union[_common_pb2.Province, str]] = ...) -> None: ...

class RiskClassification(_message.Message):
    __slots__ = ("institution_uscc", "risk_class", "effective_from", "basis")
    INSTITUTION_USCC_FIELD_NUMBER: _ClassVar[int]
    RISK_CLASS_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_FROM_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    institution_uscc: str
    risk_class: RiskClass
    effective_from: str
    basis: str
    def __init__(self, institution_uscc: _Optional[str] = ..., risk_class: _Optional[_Union[RiskClass, str]] = ..., effective_from: _Optional[str] = ..., basis: _Optional[str] = ...) -> None: ...
