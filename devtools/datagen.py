"""A deterministic, realistic data set of the four provinces' records, for the demo and benchmarks.

`generate` draws institutions (inspection and testing bodies), manufacturing
enterprises and the records the provinces publish about them: CMA
qualifications, assessors, green-product certifications and credit events.
Everything comes from one `random.Random(seed)`, so a seed (and a `today`)
always gives the same data set; on another day, a seed draws the same
laboratories, enterprises and issuers in the same order, their dates drawn
up to that day (tests/unit/test_datagen.py).

The data looks like what the provinces hold: valid unified social credit codes
with their regions, CMA numbers built digit by digit (issue year, issuer, field,
department, serial), real standard codes in capability scopes, a few expired
or suspended certificates, and some cross-province situations (an enterprise
certified in two provinces, an institution qualified in two provinces, a
certificate published by a province other than its issuer). About
`invalid_ratio` of the records are broken on purpose, in varied ways, and their
positions are returned so a caller can check that the hub refuses exactly them.

The records are made by devtools.datagen_records, from the tables in
devtools.datagen_tables.
"""

from __future__ import annotations

import datetime as dt
import gc
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from devtools import datagen_people as people
from devtools import datagen_results as reports
from devtools.datagen_green import GreenCertificates
from devtools.datagen_records import Enterprise, Generator, Institution
from devtools.datagen_tables import LAB_ONLY_REASONS, NEIGHBOURS, REGIONS
from services.core.provinces import NATIONAL_CMA_ISSUER, Province
from yrdhub.v1 import common_pb2, records_pb2

__all__ = ["DataSet", "generate", "generate_chunks"]


@dataclass(frozen=True)
class DataSet:
    """Records per publishing province, and which positions are invalid on purpose."""

    by_province: dict[Province, list[records_pb2.Record]]
    invalid_indexes: dict[Province, set[int]] = field(default_factory=dict)

    def total(self) -> int:
        return sum(len(records) for records in self.by_province.values())


def _roughly(rng: random.Random, expected: float) -> int:
    """An integer whose mean is `expected`."""
    whole = int(expected)
    return whole + (rng.random() < expected - whole)


def generate(
    institutions_per_province: int = 1000,
    *,
    seed: int = 2026,
    invalid_ratio: float = 0.02,
    today: dt.date | None = None,
) -> DataSet:
    """A realistic data set of the four provinces' records, the same for the same arguments.

    Per institution and province there are about one CMA qualification, 0.4
    assessors, 1.5 green-product certifications (of separate manufacturing
    enterprises) and 0.05 credit events, about 2.95 records in all, plus 0.1
    enforcement officers, about 0.05 published inspection results and 0.01
    signatory bans (devtools.datagen_people). `today`
    bounds issue dates (default: the current date; pass it to get the very same
    data set on any day).
    """
    return next(
        generate_chunks(
            institutions_per_province, 1, seed=seed, invalid_ratio=invalid_ratio, today=today
        )
    )


def generate_chunks(
    institutions_per_province: int,
    chunks: int,
    *,
    seed: int = 2026,
    invalid_ratio: float = 0.0,
    today: dt.date | None = None,
) -> Iterator[DataSet]:
    """`chunks` data sets of `institutions_per_province` each, drawn one after
    the other by the same generator, so that no two records share a key: a
    data set too large to hold at once (a scale run's ten million records),
    made a chunk at a time. The first chunk is `generate`'s data set for the
    same arguments."""
    if institutions_per_province < 0:
        raise ValueError("institutions_per_province must not be negative")
    if not 0.0 <= invalid_ratio <= 1.0:
        raise ValueError("invalid_ratio is between 0 and 1")
    day = today or dt.date.today()
    rng = random.Random(seed)
    gen = Generator(rng, day)
    green = GreenCertificates(rng, day)
    for _ in range(chunks):
        # A million records allocate many objects but form no reference cycles: pausing
        # the cyclic collector saves a fifth of the time. Reference counting still frees memory.
        collecting = gc.isenabled()
        gc.disable()
        try:
            chunk = _generate(institutions_per_province, invalid_ratio, day, rng, gen, green)
        finally:
            if collecting:
                gc.enable()
        yield chunk


def _generate(
    n: int,
    invalid_ratio: float,
    today: dt.date,
    rng: random.Random,
    gen: Generator,
    green: GreenCertificates,
) -> DataSet:

    institutions: dict[Province, list[Institution]] = {}
    enterprises: dict[Province, list[Enterprise]] = {}
    for province in Province:
        institutions[province] = [
            gen.national_institution(province) if rng.random() < 0.05 else gen.institution(province)
            for _ in range(n)
        ]
    drafts: dict[Province, list[records_pb2.Record]] = {p: [] for p in Province}
    # Records of cross-province situations, by position: never broken on purpose.
    protected: dict[Province, set[int]] = {p: set() for p in Province}

    for province in Province:
        out = drafts[province]
        own = institutions[province]
        local = province.cma_issuer
        qualification_of: dict[str, records_pb2.Record] = {}
        for inst in own:
            issuer = NATIONAL_CMA_ISSUER if inst.national else local
            qualification = gen.qualification(inst, issuer)
            qualification_of[inst.uscc] = qualification
            out.append(qualification)
            # Reports are registered by the province that supervises the
            # laboratory; a fifth of the laboratories have one on record.
            if rng.random() < 0.2 and (report := reports.report(gen, qualification)) is not None:
                out.append(report)
            # A tenth took part in a proficiency-testing round lately.
            if (
                rng.random() < 0.1
                and (result := reports.proficiency(gen, qualification)) is not None
            ):
                out.append(result)
            # A fifth have a risk class their province published.
            classified = reports.risk_classification(gen, qualification)
            if classified is not None:
                out.append(classified)
            for more in (
                people.signatory_ban(province, qualification, today),
                people.inspection_result(province, qualification, today),
            ):
                if more is not None:
                    out.append(more)
        officers = (n + 9) // 10
        first = gen.officers_drawn.get(province, 0)
        out.extend(people.officers(province, officers, today, first))
        gen.officers_drawn[province] = first + officers

        if own:
            others = [i for p in NEIGHBOURS[province] for i in institutions[p]]
            for _ in range(_roughly(rng, n * 0.4)):
                # A few live here and work across the border.
                cross = others and rng.random() < 0.03
                employer = rng.choice(others) if cross else rng.choice(own)
                out.append(gen.assessor(province, employer))

        ents: list[Enterprise] = []
        remaining = _roughly(rng, n * 1.5)
        while remaining > 0:
            ent = gen.enterprise(province)
            ents.append(ent)
            for _ in range(min(remaining, rng.choice((1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6)))):
                out.append(green.certificate(ent, own, zj_body=province is Province.ZJ))
                remaining -= 1
                if remaining > 0 and rng.random() < 0.06:
                    # Certified by a second body too: one label for both.
                    out.append(green.second_body(out[-1]))
                    remaining -= 1
        enterprises[province] = ents

        subjects: list[str] = [i.uscc for i in own]
        subjects += [e.uscc for e in ents[: max(1, len(ents) // 4)]] if ents else []
        events = 0
        target = _roughly(rng, n * 0.05)
        while subjects and events < target:
            subject = rng.choice(subjects)
            batch = gen.credit_events(province, subject, laboratory=subject in qualification_of)
            out.extend(batch)
            events += len(batch)
            _revoke_if_listed_for_fraud(batch, qualification_of.get(subject), today)

    _add_cross_province(gen, green, n, institutions, enterprises, drafts, protected)

    by_province: dict[Province, list[records_pb2.Record]] = {}
    invalid_indexes: dict[Province, set[int]] = {}
    for province in Province:
        drafted = drafts[province]
        order = list(range(len(drafted)))
        rng.shuffle(order)
        records = [drafted[i] for i in order]
        keep = protected[province]
        candidates = [pos for pos, i in enumerate(order) if i not in keep]
        count = min(len(candidates), round(len(records) * invalid_ratio))
        chosen = set(rng.sample(candidates, count))
        for index in sorted(chosen):
            if not people.break_more(records[index]):
                gen.break_record(records[index])
        by_province[province] = records
        invalid_indexes[province] = chosen
    return DataSet(by_province=by_province, invalid_indexes=invalid_indexes)


def _revoke_if_listed_for_fraud(
    events: list[records_pb2.Record], lab: records_pb2.Record | None, today: dt.date
) -> None:
    """A laboratory listed for false reports or data, and not lifted, has its
    CMA revoked from the day it was listed: the data never shows one keeping a
    valid qualification with nothing flagged."""
    if lab is None or len(events) != 1:
        return
    listing = events[0].credit_event
    if (
        listing.action != records_pb2.CREDIT_ACTION_LISTED
        or listing.reason not in LAB_ONLY_REASONS
        or lab.qualification.status.canonical != common_pb2.CERTIFICATE_STATUS_VALID
    ):
        return
    # Not before the certificate's first day, which the exchange would warn of.
    first_day = dt.date.fromisoformat(lab.qualification.valid_from)
    listed = min(max(dt.date.fromisoformat(listing.effective_from), first_day), today)
    lab.qualification.status.CopyFrom(
        common_pb2.Status(canonical=common_pb2.CERTIFICATE_STATUS_REVOKED, original="撤销")
    )
    lab.qualification.status_effective_date = listed.isoformat()


def _add_cross_province(
    gen: Generator,
    green: GreenCertificates,
    n: int,
    institutions: dict[Province, list[Institution]],
    enterprises: dict[Province, list[Enterprise]],
    drafts: dict[Province, list[records_pb2.Record]],
    protected: dict[Province, set[int]],
) -> None:
    """Situations that cross borders, which real data has and the hub must handle."""
    rng = gen.rng
    if n < 20:
        return
    for home in Province:
        # An enterprise certified for a factory in a neighbouring province, same USCC.
        ents = enterprises[home]
        for ent in rng.sample(ents, min(len(ents), max(1, n // 200))):
            there = rng.choice(NEIGHBOURS[home])
            labs = institutions[there]
            _append_protected(drafts, protected, there, green.certificate(ent, labs, zj_body=False))
        # An institution with a branch laboratory (its own USCC) qualified by a
        # neighbouring province.
        # (Local ones: a national centre is qualified by the national authority.)
        own = [i for i in institutions[home] if not i.national]
        for inst in rng.sample(own, max(1, n // 250)):
            there = rng.choice(NEIGHBOURS[home])
            record = gen.qualification(gen.branch(inst, there), there.cma_issuer)
            _append_protected(drafts, protected, there, record)
        # A certificate this province issued, published by the neighbour the institution
        # moved to: an issuer conflict the registry flags.
        if n >= 50:
            inst = rng.choice(own)
            there = rng.choice(NEIGHBOURS[home])
            address = gen.address(there, rng.choice(REGIONS[there]))
            record = gen.qualification(inst, home.cma_issuer, address)
            _append_protected(drafts, protected, there, record)


def _append_protected(
    drafts: dict[Province, list[records_pb2.Record]],
    protected: dict[Province, set[int]],
    province: Province,
    record: records_pb2.Record,
) -> None:
    protected[province].add(len(drafts[province]))
    drafts[province].append(record)
