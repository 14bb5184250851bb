from yrdhub.v1 import assessor_pool_pb2 as _assessor_pool_pb2
from yrdhub.v1 import common_pb2 as _common_pb2
from yrdhub.v1 import records_pb2 as _records_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListHomeAssignmentsRequest(_message.Message):
    __slots__ = ("assessor_id", "include_cancelled", "limit", "as_of")
    ASSESSOR_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_CANCELLED_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    assessor_id: str
    include_cancelled: bool
    limit: int
    as_of: _common_pb2.AsOf
    def __init__(self, assessor_id: _Optional[str] = ..., include_cancelled: _Optional[bool] = ..., limit: _Optional[int] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ...) -> None: ...

class HomeAssignment(_message.Message):
    __slots__ = ("assignment", "identity")
    ASSIGNMENT_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    assignment: _assessor_pool_pb2.Assignment
    identity: _records_pb2.AssessorIdentity
    def __init__(self, assignment: _Optional[_Union[_assessor_pool_pb2.Assignment, _Mapping]] = ..., identity: _Optional[_Union[_records_pb2.AssessorIdentity, _Mapping]] = ...) -> None: ...

class ListHomeAssignmentsResponse(_message.Message):
    __slots__ = ("assignments", "as_of")
    ASSIGNMENTS_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    assignments: _containers.RepeatedCompositeFieldContainer[HomeAssignment]
    as_of: _common_pb2.AsOf
    def __init__(self, assignments: _Optional[_Iterable[_Union[HomeAssignment, _Mapping]]] = ..., as_of: _Optional[_Union[_common_pb2.AsOf, _Mapping]] = ...) -> None: ...
