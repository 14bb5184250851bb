"""The generator behind devtools.datagen: institutions and enterprises, the records
the provinces publish about them (CMA qualifications, assessors, green-product
certifications, credit events), and the ways a record is broken on purpose.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass

from devtools import datagen_tables as tables
from devtools.uscc import USCC_ALPHABET, make_uscc
from services.core.provinces import Province
from yrdhub.v1 import records_pb2

_SIGNATORY_POOL_SIZE = 2000
"""Signatories drawn per field once, then picked from: people's names repeat anyway."""
_QUALIFICATION_YEARS = 6
_FIRST_ISSUE = dt.date(2019, 1, 1)
_LAST_ISSUE = dt.date(2026, 12, 31)


def day_within(rng: random.Random, span: int) -> int:
    """A day in [0, span) in one draw whatever the span: spans that end today
    grow each day, and `randrange` draws a varying number of times for them,
    so a seed would draw other records, not the same ones a day later."""
    return int(rng.random() * span)


# --- entities -------------------------------------------------------------------


@dataclass(slots=True)
class Institution:
    province: Province
    uscc: str
    name: str
    address: str
    legal_nature: str
    field: str
    # A national inspection centre: the national authority (issuer 00) qualifies it.
    national: bool = False


@dataclass(slots=True)
class Enterprise:
    province: Province
    uscc: str
    name: str
    category: int


def plus_years(start: dt.date, years: int) -> dt.date:
    """The last day of a validity of `years` years starting on `start`."""
    try:
        end = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        end = dt.date(start.year + years, 3, 1)
    return end - dt.timedelta(days=1)


def _signatory_id(code: str, index: int) -> str:
    """A signatory's pseudonym in the generated data (the hub would derive it)."""
    return f"P{hashlib.sha256(f'signatory:{code}:{index}'.encode()).digest()[:8].hex()}"


class Generator:
    def __init__(self, rng: random.Random, today: dt.date) -> None:
        self.rng = rng
        self.today = today
        self.used_names: set[str] = set()
        self.national_names: dict[tuple[str, str], int] = {}
        self.officers_drawn: dict[Province, int] = {}
        self.used_usccs: set[str] = set()
        self.cma_serials: dict[tuple[str, str, str, str], int] = {}
        self.credit_serials: dict[tuple[Province, int], int] = {}
        self.signatory_pools: dict[str, list[records_pb2.Signatory]] = {}
        issue_end = min(today, _LAST_ISSUE)
        self.issue_start = _FIRST_ISSUE.toordinal()
        self.issue_span = max(1, issue_end.toordinal() - self.issue_start + 1)
        self.credit_start = dt.date(2021, 1, 1).toordinal()
        self.credit_span = max(1, today.toordinal() - self.credit_start + 1)

    # identifiers and text

    def uscc(self, region: str, prefix: str = "91") -> str:
        while True:
            code = make_uscc(self.rng, region, prefix=prefix)
            if code not in self.used_usccs:
                self.used_usccs.add(code)
                return code

    def brand(self, length: int) -> str:
        return "".join(self.rng.choice(tables.BRAND_SYLLABLES) for _ in range(length))

    def person(self) -> str:
        rng = self.rng
        given = rng.choice(tables.GIVEN)
        if rng.random() < 0.7:
            given += rng.choice(tables.GIVEN)
        return rng.choice(tables.SURNAMES) + given

    def address(self, province: Province, region: tuple[str, str, str]) -> str:
        rng = self.rng
        _, city, district = region
        head = tables.PROVINCE_PREFIX[province]
        if province is not Province.SH:
            head += city
        text = f"{head}{district}{rng.choice(tables.ROADS)}{rng.randrange(1, 2000)}号"
        roll = rng.random()
        if roll < 0.3:
            text += f"{rng.randrange(1, 12)}幢{rng.randrange(1, 8)}层"
        elif roll < 0.45:
            text += f"{rng.randrange(1, 20)}{rng.randrange(1, 30):02d}室"
        return text

    def unique_name(self, make: Callable[[int], str]) -> str:
        for attempt in range(100):
            name = make(attempt)
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        raise RuntimeError("could not draw a unique name")  # pragma: no cover

    def name_prefix(self, province: Province, region: tuple[str, str, str]) -> str:
        roll = self.rng.random()
        if province is Province.SH or roll < 0.45:
            return tables.PROVINCE_PREFIX[province].removesuffix("省").removesuffix("市")
        if roll < 0.85:
            return tables.place_short(region[1])
        return tables.place_short(region[2])

    # entities

    def institution(self, province: Province) -> Institution:
        rng = self.rng
        region = rng.choice(tables.REGIONS[province])
        code = rng.choice(tables.FIELD_BAG)
        public = rng.random() < 0.2
        if public:
            # 苏州市…, 昆山市… or 安吉县… (county level), 上海市浦东新区…
            _, city, district = region
            place = city
            if rng.random() < 0.4:
                place = district if district.endswith(("市", "县")) else city + district

            def make(attempt: int) -> str:
                if attempt < 3:
                    return rng.choice(tables.PUBLIC_NAME_TEMPLATES[code]).format(p=place)
                return self.enterprise_lab_name(province, region, code, attempt)

            name = self.unique_name(make)
            public = "公司" not in name
        else:
            name = self.unique_name(
                lambda attempt: self.enterprise_lab_name(province, region, code, attempt)
            )
        return Institution(
            province=province,
            uscc=self.uscc(region[0], "12" if public else "91"),
            name=name,
            address=self.address(province, region),
            legal_nature="事业单位" if public else "企业法人",
            field=code,
        )

    def national_institution(self, province: Province) -> Institution:
        """A national inspection centre in `province` (事业单位, issuer 00)."""
        rng = self.rng
        region = rng.choice(tables.REGIONS[province])
        code = rng.choice(tables.FIELD_BAG)
        template = tables.NATIONAL_NAME_TEMPLATES[code]
        place = province.name_zh.removesuffix("省").removesuffix("市")

        short = tables.place_short(region[1])
        # Numbered on from the centres of this name drawn already, not from 1:
        # a large data set has thousands of one kind in one city.
        start = self.national_names.get((template, short), 0)

        def make(attempt: int) -> str:
            number = start + attempt
            self.national_names[template, short] = number + 1
            return template.format(p=f"{place}·{short}{number}" if number else place)

        return Institution(
            province=province,
            uscc=self.uscc(region[0], "12"),
            name=self.unique_name(make),
            address=self.address(province, region),
            legal_nature="事业单位",
            field=code,
            national=True,
        )

    def branch(self, parent: Institution, province: Province) -> Institution:
        """A branch laboratory of `parent` in another province: its own USCC
        (a branch registers one), named after its parent."""
        region = self.rng.choice(tables.REGIONS[province])
        city = tables.place_short(region[1])
        suffix = "分公司" if "公司" in parent.name else "分中心"
        return Institution(
            province=province,
            uscc=self.uscc(region[0], "91" if suffix == "分公司" else "12"),
            name=self.unique_name(
                lambda attempt: (
                    f"{parent.name}{city}{suffix}"
                    + "一二三四五"[attempt : attempt + 1] * bool(attempt)
                )
            ),
            address=self.address(province, region),
            legal_nature="分支机构",
            field=parent.field,
        )

    def enterprise_lab_name(
        self, province: Province, region: tuple[str, str, str], code: str, attempt: int
    ) -> str:
        rng = self.rng
        length = 2 if attempt < 10 and rng.random() < 0.8 else 4 if attempt < 20 else 6
        return (
            self.name_prefix(province, region)
            + self.brand(length)
            + rng.choice(tables.FIELD_NAME_WORDS[code])
            + rng.choice(tables.ENTERPRISE_SUFFIXES)
        )

    def enterprise(self, province: Province) -> Enterprise:
        rng = self.rng
        region = rng.choice(tables.REGIONS[province])
        category = rng.randrange(len(tables.GREEN_CATALOGUE))
        words = tables.GREEN_CATALOGUE[category][2]
        suffixes = ("有限公司", "有限公司", "股份有限公司", "科技有限公司", "集团有限公司")

        def make(attempt: int) -> str:
            prefix = tables.PROVINCE_PREFIX[province].removesuffix("省").removesuffix("市")
            roll = rng.random()
            if province is not Province.SH and roll < 0.25 and attempt < 2:
                middle = tables.place_short(region[2])  # 浙江安吉竹木制品有限公司
            elif roll < 0.6:
                middle = self.brand(2 if attempt < 10 else 4)
            else:
                prefix = tables.place_short(region[1])
                middle = self.brand(2 if attempt < 10 else 4)
            return prefix + middle + rng.choice(words) + rng.choice(suffixes)

        return Enterprise(
            province=province,
            uscc=self.uscc(region[0]),
            name=self.unique_name(make),
            category=category,
        )

    # records

    def cma_number(self, issuer: str, year: int, code: str) -> str:
        rng = self.rng
        for _ in range(len(tables.DEPARTMENTS) * 4):
            dept = rng.choice(tables.DEPARTMENTS)
            key = (issuer, f"{year % 100:02d}", code, dept)
            serial = self.cma_serials.get(key, 0) + 1
            if serial <= 9999:
                self.cma_serials[key] = serial
                return f"{key[1]}{issuer}{code}{dept}{serial:04d}"
        raise ValueError("ran out of CMA serial numbers: generate fewer institutions")

    def qualification(
        self, inst: Institution, issuer: str, address: str | None = None
    ) -> records_pb2.Record:
        rng = self.rng
        start = dt.date.fromordinal(self.issue_start + day_within(rng, self.issue_span))
        end = plus_years(start, _QUALIFICATION_YEARS)
        code = inst.field
        catalogue = tables.SCOPE_MESSAGES[code]
        size = min(len(catalogue), rng.randint(3, 12))
        pool = self.signatory_pools.get(code)
        if pool is None:
            pool = self.signatory_pools[code] = [
                records_pb2.Signatory(
                    name=self.person(),
                    fields=rng.sample(tables.SIGNATORY_FIELDS[code], 1 + (rng.random() < 0.4)),
                    person_id=_signatory_id(code, i),
                )
                for i in range(_SIGNATORY_POOL_SIZE)
            ]
        return records_pb2.Record(
            qualification=records_pb2.Qualification(
                issuer=issuer,
                number=self.cma_number(issuer, start.year, code),
                institution_uscc=inst.uscc,
                institution_name=inst.name,
                address=address or inst.address,
                legal_nature=inst.legal_nature,
                valid_from=start.isoformat(),
                valid_until=end.isoformat(),
                status=rng.choice(tables.CERT_STATUS_BAG),
                scope=[*rng.sample(catalogue, size), *_second_field_items(inst, code)],
                signatories=rng.sample(pool, 1 + int(rng.random() * 4)),
            )
        )

    def assessor(self, province: Province, employer: Institution) -> records_pb2.Record:
        rng = self.rng
        status, original, reason = rng.choice(tables.ASSESSOR_STATUS_BAG)
        fields = {employer.field}
        for _ in range(rng.randrange(3)):
            fields.add(rng.choice(tables.FIELDS))
        if status in (records_pb2.ASSESSOR_STATUS_ACTIVE, records_pb2.ASSESSOR_STATUS_REINSTATED):
            available = rng.random() < 0.9
        else:
            available = False
        return records_pb2.Record(
            assessor=records_pb2.Assessor(
                assessor_id=f"A{rng.getrandbits(64):016x}",
                home_province=tables.PROTO_PROVINCE[province],
                employer_uscc=employer.uscc,
                level=rng.choice(tables.LEVEL_BAG),
                fields=sorted(fields),
                status=status,
                original_status=original,
                status_reason=reason,
                available=available,
            )
        )

    def credit_events(
        self, province: Province, uscc: str, laboratory: bool = True
    ) -> list[records_pb2.Record]:
        """One event, or a listing and its later removal or repair; only a
        laboratory is listed for false reports or data."""
        rng = self.rng
        list_type, reason = rng.choice(tables.CREDIT_REASON_BAG)
        while not laboratory and reason in tables.LAB_ONLY_REASONS:
            list_type, reason = rng.choice(tables.CREDIT_REASON_BAG)
        action = rng.choice(tables.ACTION_BAG)
        listed = dt.date.fromordinal(self.credit_start + day_within(rng, self.credit_span))
        events = [(records_pb2.CREDIT_ACTION_LISTED, listed)]
        if action != records_pb2.CREDIT_ACTION_LISTED:
            later = min(self.today, listed + dt.timedelta(days=rng.randrange(30, 700)))
            if rng.random() < 0.5:
                events = [(action, later)]  # the listing predates the data set
            else:
                events.append((action, later))
        prefix = tables.CREDIT_REFERENCE_PREFIX[province]
        # A lift names the listing it lifts; one whose listing predates the
        # data set names a reference of the year before.
        listing_reference = f"{prefix}〔{listed.year - 1}〕{rng.randrange(1, 999)}号"
        out = []
        for act, when in events:
            until = ""
            if (
                act == records_pb2.CREDIT_ACTION_LISTED
                and list_type == records_pb2.CREDIT_LIST_TYPE_SERIOUS_VIOLATION
                and rng.random() < 0.5
            ):
                until = plus_years(when, 3).isoformat()
            key = (province, when.year)
            serial = self.credit_serials.get(key, 0) + rng.randrange(1, 12)
            self.credit_serials[key] = serial
            reference = f"{prefix}〔{when.year}〕{serial}号"
            lifting = act != records_pb2.CREDIT_ACTION_LISTED
            out.append(
                records_pb2.Record(
                    credit_event=records_pb2.CreditEvent(
                        reference=reference,
                        uscc=uscc,
                        list_type=list_type,
                        action=act,
                        reason=reason,
                        effective_from=when.isoformat(),
                        effective_until=until,
                        listing_province=tables.PROTO_PROVINCE[province],
                        lifts_reference=listing_reference if lifting else "",
                    )
                )
            )
            if not lifting:
                listing_reference = reference
        return out

    # breaking records on purpose

    def bad_check_char(self, code: str) -> str:
        right = USCC_ALPHABET.index(code[-1])
        return code[:-1] + USCC_ALPHABET[(right + self.rng.randrange(1, 31)) % 31]

    def break_record(self, record: records_pb2.Record) -> None:
        rng = self.rng
        kind = record.WhichOneof("body")
        if kind == "qualification":
            q = record.qualification
            way = rng.randrange(5)
            if way == 0:
                q.institution_uscc = self.bad_check_char(q.institution_uscc)
            elif way == 1:
                q.number = q.number[:8] + q.number[9:]  # a digit lost in the serial
            elif way == 2:
                q.valid_from, q.valid_until = q.valid_until, q.valid_from
            elif way == 3:
                q.institution_name = ""
            else:
                q.scope[rng.randrange(len(q.scope))].standard_year = 0
        elif kind == "assessor":
            a = record.assessor
            if rng.random() < 0.5:
                a.employer_uscc = self.bad_check_char(a.employer_uscc)
            else:
                a.fields[rng.randrange(len(a.fields))] = rng.choice(("5", "0A", "食品", "123"))
        elif kind == "green_cert":
            g = record.green_cert
            way = rng.randrange(3)
            if way == 0:
                g.enterprise_uscc = self.bad_check_char(g.enterprise_uscc)
            elif way == 1:
                g.valid_from, g.valid_until = g.valid_until, g.valid_from
            else:
                g.enterprise_name = ""
        elif kind == "proficiency":
            f = record.proficiency
            if rng.random() < 0.5:
                f.institution_uscc = self.bad_check_char(f.institution_uscc)
            else:
                f.outcome = records_pb2.PROFICIENCY_OUTCOME_UNSPECIFIED
        elif kind == "risk_classification":
            r = record.risk_classification
            if rng.random() < 0.5:
                r.institution_uscc = self.bad_check_char(r.institution_uscc)
            else:
                r.risk_class = records_pb2.RISK_CLASS_UNSPECIFIED
        elif kind == "report":
            t = record.report
            way = rng.randrange(3)
            if way == 0:
                t.institution_uscc = self.bad_check_char(t.institution_uscc)
            elif way == 1:
                del t.items[:]
            else:
                t.document_sha256 = t.document_sha256[:40]
        else:
            c = record.credit_event
            way = rng.randrange(3)
            if way == 0:
                c.uscc = self.bad_check_char(c.uscc)
            elif way == 1:
                start = dt.date.fromisoformat(c.effective_from)
                c.effective_until = (start - dt.timedelta(days=rng.randrange(1, 400))).isoformat()
            else:
                c.list_type = records_pb2.CREDIT_LIST_TYPE_UNSPECIFIED


def _second_field_items(inst: Institution, code: str) -> list[records_pb2.ScopeItem]:
    """About one laboratory in seven also works in a second field: a few scope
    items naming it. Decided by the USCC's hash, not the generator's random
    stream, so the rest of a data set stays as it was."""
    digest = hashlib.sha256(inst.uscc.encode()).digest()
    if digest[0] % 7:
        return []
    others = [f for f in tables.FIELDS if f != code]
    other = others[digest[1] % len(others)]
    items = []
    for item in tables.SCOPE_MESSAGES[other][: 1 + digest[2] % 3]:
        copy = records_pb2.ScopeItem()
        copy.CopyFrom(item)
        copy.field = other
        items.append(copy)
    return items
