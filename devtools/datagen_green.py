"""Green-product certificates of the data generator, as the national scheme
issues them: bodies by approval number and name, one label code per
enterprise and model, and some products certified by two bodies."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from devtools import datagen_tables as tables
from devtools.datagen_records import Enterprise, Institution, day_within, plus_years
from yrdhub.v1 import records_pb2

_GREEN_YEARS = 5
_GREEN_RULES_IN_FORCE = dt.date(2019, 6, 1)


class GreenCertificates:
    def __init__(self, rng: random.Random, today: dt.date) -> None:
        self.rng = rng
        self.used_labels: set[str] = set()
        self.product_labels: dict[tuple[str, str], str] = {}
        self.green_serials: dict[tuple[str, int], int] = {}
        self.green_start = _GREEN_RULES_IN_FORCE.toordinal()
        self.green_span = max(1, today.toordinal() - self.green_start + 1)

    def certificate(
        self, ent: Enterprise, labs: Sequence[Institution], *, zj_body: bool
    ) -> records_pb2.Record:
        rng = self.rng
        name, standard, _, products, stem = tables.GREEN_CATALOGUE[ent.category]
        body = "ZJCERT" if zj_body and rng.random() < 0.25 else rng.choice(tables.BODY_BAG)
        start = dt.date.fromordinal(self.green_start + day_within(rng, self.green_span))
        model = f"{stem}-{rng.randrange(100, 1000)}{rng.choice('ABCDEGHKMPTW')}"
        lab = rng.choice(labs).name if labs else ""
        approval, body_name, _ = tables.GREEN_BODIES[body]
        return records_pb2.Record(
            green_cert=records_pb2.GreenCertification(
                body_code=approval,
                body_name=body_name,
                certificate_number=self._green_number(body, start.year),
                label_code=self._label_of(ent.uscc, model),
                enterprise_uscc=ent.uscc,
                enterprise_name=ent.name,
                product=rng.choice(products),
                model=model,
                category=name,
                evaluation_standard=standard,
                valid_from=start.isoformat(),
                valid_until=plus_years(start, _GREEN_YEARS).isoformat(),
                status=rng.choice(tables.GREEN_STATUS_BAG),
                certification_mode=rng.choice(tables.CERTIFICATION_MODES),
                laboratory=lab,
            )
        )

    def second_body(self, record: records_pb2.Record) -> records_pb2.Record:
        """Another body's certificate for the same product (enterprise and model):
        the national platform merges both under the product's one label."""
        first = record.green_cert
        others = [
            b for b, (code, _, w) in tables.GREEN_BODIES.items() if w and code != first.body_code
        ]
        body = self.rng.choice(others)
        approval, body_name, _ = tables.GREEN_BODIES[body]
        out = records_pb2.Record()
        out.CopyFrom(record)
        g = out.green_cert
        g.body_code, g.body_name = approval, body_name
        g.certificate_number = self._green_number(body, int(first.valid_from[:4]))
        return out

    def _green_number(self, body: str, year: int) -> str:
        """A certificate number in the body's own form (formats are body-specific)."""
        rng = self.rng
        key = (body, year)
        serial = self.green_serials.get(key, rng.randrange(1, 500)) + rng.randrange(1, 40)
        self.green_serials[key] = serial
        if body == "CQC":
            return f"CQC{year}GP{serial:07d}"
        if body == "CEC":
            return f"CEC-GP-{year % 100:02d}-{serial:06d}"
        if body == "CTC":
            return f"CTC{year % 100:02d}GPC{serial:05d}"
        if body == "CABR":
            return f"CABR-GP-{year}-{serial:05d}"
        return f"ZJ{year}GP{serial:05d}"

    def _label_of(self, uscc: str, model: str) -> str:
        """The product's label code: one per enterprise and model, as the
        national platform issues it."""
        product = (uscc, model)
        label = self.product_labels.get(product)
        while label is None:
            candidate = f"GP{self.rng.randrange(10**14):014d}"
            if candidate not in self.used_labels:
                self.used_labels.add(candidate)
                label = self.product_labels[product] = candidate
        return label
