"""The green-product label (绿色产品标识) as the national platform issues it.

What the rules confirm is code here: the national platform merges every
certifying body's certificate for one enterprise and product model under one
label and one QR code (SAMR announcement 2019 No. 20), so the product a label
stands for is its enterprise and model. What they do not publish, the form of
the platform's label code and QR payload, is configuration: a versioned TOML
file (services/common/policy/green-label-v1.toml) parsed here, as is how long
a province's copy of a certificate may lag another's before the two conflict.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.core.codes import code_from_query, normalise_code
from services.core.text import comparable

# The regulator's approval number of a certification body: CNCA-R-<year>-<serial>.
_BODY_APPROVAL_NUMBER = re.compile(r"CNCA-R-(19|20)\d{2}-\d{3}")


def check_body_approval_number(code: str) -> str:
    """A certifying body's approval number (canonical form, core.codes), or why not."""
    if not _BODY_APPROVAL_NUMBER.fullmatch(code):
        raise ValueError(
            "the certifying body's approval number, in CNCA-R-YYYY-NNN form (e.g. CNCA-R-2002-001)"
        )
    return code


class LabelFormatError(ValueError):
    """The file is not a valid label format; the message says where."""


class GreenLabelFormat(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1)
    # The label code as the platform issues it (after normalise_code).
    code_pattern: str = Field(min_length=1)
    # How the code is described in a refusal.
    code_description: str = Field(min_length=1)
    # Query parameters of a scanned QR URL that carry the code, in order of
    # preference; without one, the URL's last path segment is the code.
    qr_code_parameters: tuple[str, ...] = ("code",)
    # How long a province's copy of a certificate may say less than the newest
    # word (another province's copy) before the two are a conflict.
    lag_grace_hours: float = Field(default=72.0, ge=0)
    digest: str = ""

    @field_validator("code_pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return pattern

    @classmethod
    def from_toml(cls, text: str) -> GreenLabelFormat:
        try:
            data: dict[str, Any] = tomllib.loads(text)
            data["digest"] = hashlib.sha256(text.encode()).hexdigest()
            return cls.model_validate(data)
        except tomllib.TOMLDecodeError as exc:
            raise LabelFormatError(f"not TOML: {exc}") from None
        except ValidationError as exc:
            where = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise LabelFormatError(where) from None

    @cached_property
    def _code(self) -> re.Pattern[str]:
        return re.compile(self.code_pattern)

    @property
    def lag_grace(self) -> dt.timedelta:
        return dt.timedelta(hours=self.lag_grace_hours)

    def refusal(self, label_code: str) -> str | None:
        """Why a certificate's label code is not one the platform issues; None if it is."""
        if self._code.fullmatch(normalise_code(label_code)):
            return None
        return f"not a label code as the national platform issues it: {self.code_description}"

    def code_of(self, query: str) -> str:
        """The canonical code in what a person typed or scanned."""
        return code_from_query(query, self.qr_code_parameters)


def product_of(enterprise_uscc: str, model: str) -> str:
    """What the national platform merges a label's certificates by: the
    enterprise and the product model, compared as people write models (case,
    width and spacing aside)."""
    return f"{enterprise_uscc}/{comparable(model)}"
