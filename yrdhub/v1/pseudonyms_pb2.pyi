from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class DerivePseudonymsRequest(_message.Message):
    __slots__ = ("id_numbers",)
    ID_NUMBERS_FIELD_NUMBER: _ClassVar[int]
    id_numbers: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id_numbers: _Optional[_Iterable[str]] = ...) -> None: ...

class DerivePseudonymsResponse(_message.Message):
    __slots__ = ("assessor_ids",)
    ASSESSOR_IDS_FIELD_NUMBER: _ClassVar[int]
    assessor_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, assessor_ids: _Optional[_Iterable[str]] = ...) -> None: ...
