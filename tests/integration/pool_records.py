"""Small, hand-made records for assessor-pool tests."""

from __future__ import annotations

import datetime as dt
import random

from stdnum.cn import uscc as stdnum_uscc

from devtools.uscc import make_uscc
from services.core.provenance import china_date, utcnow
from services.core.workdays import add_working_days, is_working_day
from yrdhub.v1 import common_pb2, records_pb2

EMPLOYER = "91330100MA2AB0000"


def days_ahead(days: int) -> dt.date:
    """The day `days` after today in China: a period a team request or an
    inspection plan may ask for (one starting before today is refused)."""
    return china_date(utcnow()) + dt.timedelta(days=days)


def working_day_ahead(days: int) -> dt.date:
    """The first working day in China at least `days` after today: a day a
    team may be asked for whenever the test runs."""
    day = days_ahead(days)
    return day if is_working_day(day) else add_working_days(day, 1)


def uscc(body: str) -> str:
    """A valid USCC from its first 17 characters."""
    return body + str(stdnum_uscc.calc_check_digit(body))


def assessor(
    ident: str,
    *,
    level: int = records_pb2.ASSESSOR_LEVEL_ASSESSOR,
    fields: tuple[str, ...] = ("04",),
    status: int = records_pb2.ASSESSOR_STATUS_ACTIVE,
    reason: str = "",
    employer: str | None = None,
    consulted: tuple[str, str, str] | None = None,
    province: int = common_pb2.PROVINCE_SH,
) -> records_pb2.Record:
    a = records_pb2.Assessor(
        assessor_id=ident,
        home_province=province,  # type: ignore[arg-type]
        employer_uscc=employer or uscc(EMPLOYER),
        level=level,  # type: ignore[arg-type]
        fields=fields,
        status=status,  # type: ignore[arg-type]
        status_reason=reason,
        available=True,
    )
    if consulted is not None:
        org, start, end = consulted
        a.affiliations.add(
            organization_uscc=org,
            relation=records_pb2.AFFILIATION_RELATION_CONSULTED,
            start_date=start,
            end_date=end,
        )
    return records_pb2.Record(assessor=a)


def officer(
    ident: str,
    province: int = common_pb2.PROVINCE_JS,
    *,
    status: int = records_pb2.ASSESSOR_STATUS_ACTIVE,
    valid: tuple[str, str] = ("2022-01-01", "2030-12-31"),
    kin_of: str = "",
) -> records_pb2.Record:
    """An enforcement officer of the province's authority."""
    o = records_pb2.EnforcementOfficer(
        officer_id=ident,
        home_province=province,  # type: ignore[arg-type]
        authority="市场监督管理局",
        certificate_number=f"执{ident[-6:]}",
        certificate_valid_from=valid[0],
        certificate_valid_until=valid[1],
        status=status,  # type: ignore[arg-type]
    )
    if kin_of:
        o.affiliations.add(
            organization_uscc=kin_of,
            relation=records_pb2.AFFILIATION_RELATION_KINSHIP,
            start_date="2020-01-01",
        )
    return records_pb2.Record(officer=o)


class InstitutionRecords:
    """n Kunshan institutions of one field, with valid USCCs."""

    def __init__(self, n: int, field: str, seed: int = 5) -> None:
        rng = random.Random(seed)
        self.field = field
        self.usccs = sorted({make_uscc(rng, "320583") for _ in range(n)})


def qualification(
    institution: str, field: str = "04", serial: int = 0, issuer: str = "10"
) -> records_pb2.Record:
    """A CMA qualification; `issuer` the issuing authority's digits (10: Jiangsu)."""
    number = f"23{issuer}{field}00{serial or int(institution[-5:-1], 36) % 9999 + 1:04d}"
    return records_pb2.Record(
        qualification=records_pb2.Qualification(
            issuer=issuer,
            number=number,
            institution_uscc=institution,
            institution_name=f"检测机构{institution[-6:]}",
            address="江苏省苏州市昆山市人民路1号",
            legal_nature="企业法人",
            valid_from="2023-01-01",
            valid_until="2028-12-31",
            status=common_pb2.Status(
                canonical=common_pb2.CERTIFICATE_STATUS_VALID, original="有效"
            ),
            scope=[
                records_pb2.ScopeItem(
                    parameter="农药残留", standard_code="GB 2763", standard_year=2021
                )
            ],
        )
    )


def credit_event(
    institution: str, kind: str, *, repaired_on: str = "", listed_on: str = "2025-01-01"
) -> records_pb2.Record:
    """Zhejiang's listing of the institution; with `repaired_on`, its repair."""
    list_type = (
        records_pb2.CREDIT_LIST_TYPE_SERIOUS_VIOLATION
        if kind == "SERIOUS"
        else records_pb2.CREDIT_LIST_TYPE_ABNORMAL_OPERATIONS
    )
    listing = f"浙市监信〔2025〕{institution[-5:]}号"
    return records_pb2.Record(
        credit_event=records_pb2.CreditEvent(
            reference=f"{listing}-修" if repaired_on else listing,
            uscc=institution,
            list_type=list_type,
            action=records_pb2.CREDIT_ACTION_REPAIRED
            if repaired_on
            else records_pb2.CREDIT_ACTION_LISTED,
            reason="出具虚假检验检测报告",
            effective_from=repaired_on or listed_on,
            listing_province=common_pb2.PROVINCE_ZJ,
            lifts_reference=listing if repaired_on else "",
        )
    )
