"""The four provinces and the codes each uses."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any, TypeVar

T = TypeVar("T")


class Province(StrEnum):
    SH = "SH"
    JS = "JS"
    ZJ = "ZJ"
    AH = "AH"

    @property
    def admin_code(self) -> str:
        """GB/T 2260 administrative division code."""
        return _ADMIN_CODES[self]

    @property
    def cma_issuer(self) -> str:
        """Digits 3-4 of a CMA number issued by this province's authority."""
        return _CMA_ISSUERS[self]

    @property
    def name_zh(self) -> str:
        return _NAMES_ZH[self]

    @property
    def name_en(self) -> str:
        return _NAMES_EN[self]

    @classmethod
    def parse(cls, text: str) -> Province:
        """Accepts "SH", "sh" or an admin code such as "310000"."""
        value = text.strip().upper()
        for province in cls:
            if value in (province.value, province.admin_code):
                return province
        raise ValueError(f"unknown province {text!r}: use one of SH, JS, ZJ, AH")


_ADMIN_CODES = {
    Province.SH: "310000",
    Province.JS: "320000",
    Province.ZJ: "330000",
    Province.AH: "340000",
}
_CMA_ISSUERS = {Province.SH: "09", Province.JS: "10", Province.ZJ: "11", Province.AH: "12"}
_NAMES_ZH = {Province.SH: "上海", Province.JS: "江苏", Province.ZJ: "浙江", Province.AH: "安徽"}
_NAMES_EN = {
    Province.SH: "Shanghai",
    Province.JS: "Jiangsu",
    Province.ZJ: "Zhejiang",
    Province.AH: "Anhui",
}

NATIONAL_CMA_ISSUER = "00"
"""Issuer digits of certificates issued by the national authority (CNCA)."""

CMA_ISSUERS: dict[str, Province | None] = {NATIONAL_CMA_ISSUER: None} | {
    p.cma_issuer: p for p in Province
}
"""Every issuer code the hub knows, mapped to its province (None: national)."""


def judged_copy_of(
    copies: Sequence[T],
    province_of: Callable[[T], str],
    accepted_at: Callable[[T], Any],
    preferred: Province | None,
) -> T | None:
    """Which province's copy of a certificate to judge: `preferred`'s (the
    issuing province's), else the one accepted last. DecideRecognition and
    VerifyReport judge by this one rule; provinces' disagreement is a
    conflict the rules see anyway."""
    if preferred is not None:
        for copy in copies:
            if province_of(copy) == preferred.value:
                return copy
    return max(copies, key=lambda c: (accepted_at(c), province_of(c)), default=None)
