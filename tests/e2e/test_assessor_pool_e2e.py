"""End to end: assessors with personal data in, a verifiable team out, the assignment
back home, and the personal data nowhere but the home exchange.

Every service runs as its own process; the broker is the session's real Kafka.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import psycopg
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from stdnum.cn import ric

from services.common.db import make_engine
from services.common.grpc_errors import bad_request_violations
from services.common.signing import keyset_path
from services.core.identity import Identity, Role
from services.core.provinces import Province
from services.core.workdays import add_working_days, working_days
from services.hub import client
from services.hub.supervisor import Hub
from services.hub.verify_draw import document_of, verify_document
from tests.integration.pool_records import (
    InstitutionRecords,
    days_ahead,
    qualification,
    uscc,
    working_day_ahead,
)
from yrdhub.v1 import (
    assessor_pool_pb2,
    assessor_pool_pb2_grpc,
    common_pb2,
    exchange_pb2,
    home_assignments_pb2,
    home_assignments_pb2_grpc,
    records_pb2,
)

pytestmark = pytest.mark.e2e

TARGET = uscc("91320583MA1XYW123")
FIELD = "04"


def resident_id(body17: str) -> str:
    return body17 + str(ric.calc_check_digit(body17 + "0"))


# Three people: a Shanghai team leader, a Shanghai assessor who consulted for
# the institution under review, and a Jiangsu assessor.
LEADER = records_pb2.AssessorIdentity(
    name="欧阳明月", id_number=resident_id("31010119800101001"), phone="13912345678"
)
CONSULTANT = records_pb2.AssessorIdentity(
    name="司马青云", id_number=resident_id("31010419751230002"), phone="13687654321"
)
MEMBER = records_pb2.AssessorIdentity(
    name="诸葛长风", id_number=resident_id("32058319900615003"), phone="15851234567"
)
PEOPLE = (LEADER, CONSULTANT, MEMBER)


def _assessor(
    person: records_pb2.AssessorIdentity, level: int, consulted_for: str = ""
) -> records_pb2.Record:
    a = records_pb2.Assessor(
        employer_uscc=uscc("91330100MA2AB0000"),
        level=level,  # type: ignore[arg-type]
        fields=[FIELD],
        status=records_pb2.ASSESSOR_STATUS_ACTIVE,
        original_status="正常",
        available=True,
        identity=person,
    )
    if consulted_for:
        a.affiliations.add(
            organization_uscc=consulted_for,
            relation=records_pb2.AFFILIATION_RELATION_CONSULTED,
            start_date="2024-03-01",
            end_date="2025-02-28",
        )
    return records_pb2.Record(assessor=a)


def _publish(stub: Any, records: list[records_pb2.Record]) -> list[str]:
    reply = stub.PublishRecords(exchange_pb2.PublishRecordsRequest(records=records), timeout=30)
    outcomes = [(r.outcome, list(r.violations)) for r in reply.results]
    assert all(o == exchange_pb2.RECORD_OUTCOME_ACCEPTED for o, _ in outcomes), outcomes
    return [r.record_key.removeprefix("assessor/") for r in reply.results]


def _pool(hub: Hub, province: Province = Province.SH) -> Any:
    """The pool as the regulators of `province` reach it."""
    channel = client.channel(hub.registry.address, Identity(Role.REGULATOR, province))
    return assessor_pool_pb2_grpc.AssessorPoolServiceStub(channel)  # type: ignore[no-untyped-call]


def _home(hub: Hub, province: Province) -> Any:
    channel = client.channel(hub.home_addresses[province], Identity(Role.REGULATOR, province))
    return home_assignments_pb2_grpc.HomeAssignmentServiceStub(channel)  # type: ignore[no-untyped-call]


def _home_assignments(hub: Hub, province: Province, count: int) -> list[Any]:
    deadline = time.monotonic() + 60
    while True:
        reply = _home(hub, province).ListHomeAssignments(
            home_assignments_pb2.ListHomeAssignmentsRequest(), timeout=10
        )
        if len(reply.assignments) >= count:
            return list(reply.assignments)
        if time.monotonic() > deadline:
            raise TimeoutError(f"{province}: {len(reply.assignments)} of {count} assignments")
        time.sleep(0.1)


def _every_message(bootstrap: str, prefix: str) -> list[bytes]:
    """Key and value of every message of every topic of this test, raw."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        topics = [t for t in admin.list_topics() if t.startswith(prefix)]
    finally:
        admin.close()
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    try:
        partitions = [
            TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        found: list[bytes] = []
        deadline = time.monotonic() + 30
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            assert time.monotonic() < deadline, "could not read every topic to its end"
            for messages in consumer.poll(timeout_ms=200).values():
                found.extend((m.key or b"") + b"\x00" + (m.value or b"") for m in messages)
        assert len(topics) >= 5  # the four record topics and the assignment topic
        return found
    finally:
        consumer.close()


def _database_bytes(url: str) -> bytes:
    """Everything a database holds, raw: the files of SQLite, every row of PostgreSQL."""
    if url.startswith("sqlite"):
        path = Path(make_url(url).database or "")
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    engine = make_engine(url)
    chunks: list[bytes] = []
    try:
        with engine.connect() as conn:
            for table in inspect(conn).get_table_names():
                for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                    for value in row:
                        if isinstance(value, bytes | memoryview):
                            chunks.append(bytes(value))
                        elif value is not None:
                            chunks.append(str(value).encode())
    finally:
        engine.dispose()
    return b"\x00".join(chunks)


def _personal(person: records_pb2.AssessorIdentity) -> list[bytes]:
    return [person.name.encode(), person.id_number.encode(), person.phone.encode()]


def test_personal_data_stays_home_while_the_pool_matches_and_assigns(hub: Hub) -> None:
    exchanges = {p: client.exchange_stub(s.address) for p, s in hub.exchanges.items()}
    registry = client.registry_stub(hub.registry.address)
    leader, consultant = _publish(
        exchanges[Province.SH],
        [
            _assessor(LEADER, records_pb2.ASSESSOR_LEVEL_TEAM_LEADER),
            _assessor(CONSULTANT, records_pb2.ASSESSOR_LEVEL_ASSESSOR, consulted_for=TARGET),
        ],
    )
    [member] = _publish(
        exchanges[Province.JS], [_assessor(MEMBER, records_pb2.ASSESSOR_LEVEL_ASSESSOR)]
    )
    client.wait_until_applied(registry, client.published_counts(exchanges), timeout=60)

    # The registry matches the pseudonymous assessors into a team.
    reply = _pool(hub, Province.JS).RequestTeam(
        assessor_pool_pb2.RequestTeamRequest(
            spec=assessor_pool_pb2.TeamSpec(
                institution_uscc=TARGET,
                institution_province=common_pb2.PROVINCE_JS,
                fields=[FIELD],
                start_date=days_ahead(14).isoformat(),
                end_date=days_ahead(16).isoformat(),
                reference="苏市监认〔2026〕88号",
            )
        ),
        timeout=30,
    )
    draw = reply.draw
    assert draw.state == assessor_pool_pb2.DRAW_STATE_DRAWN, draw.failure
    team = {(m.assessor_id, m.role) for m in draw.team}
    assert team == {
        (leader, assessor_pool_pb2.TEAM_ROLE_LEADER),
        (member, assessor_pool_pb2.TEAM_ROLE_ASSESSOR),
    }
    assert [(x.assessor_id, x.reason) for x in draw.exclusions] == [
        (consultant, "recusal.consulted")
    ]
    assert draw.seed and draw.seed_commitment and not draw.snapshot

    # Anyone re-runs it: from the registry by id, and from a saved document.
    saved = hub.config.workdir / "draw.json"
    assert hub.tls_dir is not None
    keyset = keyset_path(hub.tls_dir / "signing")
    cli = [str(Path(sys.executable).with_name("yrdhub")), "verify-draw"]
    ok = subprocess.run(
        [
            *cli,
            "--registry",
            hub.registry.address,
            "--draw-id",
            draw.draw_id,
            "--save",
            saved,
            "--tls-dir",
            str(hub.tls_dir),
            # The commitment the registry published, signed, before it read the pool.
            "--kafka",
            hub.kafka,
            "--topic-prefix",
            hub.config.topic_prefix,
            "--keyset",
            str(keyset),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0 and "match" in ok.stdout, ok.stdout + ok.stderr
    assert "published that commitment" in ok.stdout
    document = json.loads(saved.read_text(encoding="utf-8"))
    renamed = hub.config.workdir / "renamed.json"
    renamed.write_text(json.dumps({**document, "draw_id": "team-never-committed"}), "utf-8")
    unpublished = subprocess.run(
        [*cli, str(renamed), "--kafka", hub.kafka, "--topic-prefix", hub.config.topic_prefix,
         "--keyset", str(keyset)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert unpublished.returncode == 1
    assert "no commitment to draw team-never-committed was published" in unpublished.stdout
    document["outcome"]["team"][0][0] = consultant
    saved.write_text(json.dumps(document), encoding="utf-8")
    bad = subprocess.run([*cli, str(saved)], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "mismatch" in bad.stdout

    # Each home exchange hears of its own assessor's assignment, and only there
    # does the assignment meet a name.
    [sh_home] = _home_assignments(hub, Province.SH, 1)
    assert sh_home.assignment.assessor_id == leader
    assert sh_home.assignment.reference == "苏市监认〔2026〕88号"
    assert sh_home.identity.name == LEADER.name
    [js_home] = _home_assignments(hub, Province.JS, 1)
    assert (js_home.assignment.assessor_id, js_home.identity.name) == (member, MEMBER.name)

    # The personal data is nowhere on Kafka, nowhere in the registry, nowhere in
    # the other province's exchange and nowhere in the Shanghai outbox.
    on_kafka = b"\x00".join(_every_message(hub.kafka, hub.config.topic_prefix))
    in_registry = _database_bytes(hub.config.db_url("registry"))
    in_jiangsu = _database_bytes(hub.config.db_url("exchange-js"))
    for person in PEOPLE:
        for value in _personal(person):
            assert value not in on_kafka
            assert value not in in_registry
    for value in _personal(LEADER) + _personal(CONSULTANT):
        assert value not in in_jiangsu
    # Even at home, identities are only kept encrypted (the identity key).
    in_shanghai = _database_bytes(hub.config.db_url("exchange-sh"))
    assert all(v not in in_shanghai for v in _personal(LEADER) + _personal(CONSULTANT))
    with make_engine(hub.config.db_url("exchange-sh")).connect() as conn:
        outbox = b"".join(conn.execute(text("SELECT payload FROM outbox")).scalars())
    assert outbox and all(v not in outbox for v in _personal(LEADER))
    logs = b"".join(p.read_bytes() for p in hub.config.workdir.glob("*.log"))
    secret = hub.pseudonym_secret_file.read_bytes().strip()
    assert secret not in logs and all(v not in logs for v in _personal(LEADER))


def test_an_inspection_plan_over_grpc_is_verifiable(hub: Hub) -> None:
    exchanges = {p: client.exchange_stub(s.address) for p, s in hub.exchanges.items()}
    registry = client.registry_stub(hub.registry.address)
    institutions = InstitutionRecords(12, field=FIELD)
    reply = exchanges[Province.JS].PublishRecords(
        exchange_pb2.PublishRecordsRequest(
            records=[qualification(u) for u in institutions.usccs]
            + [
                _assessor(
                    records_pb2.AssessorIdentity(
                        name=f"检查员{i}", id_number=resident_id(f"32058319900101{i:02d}1")
                    ),
                    records_pb2.ASSESSOR_LEVEL_ASSESSOR,
                )
                for i in range(6)
            ]
        ),
        timeout=30,
    )
    assert reply.rejected == 0, [list(r.violations) for r in reply.results]
    # Enforcement officers: Jiangsu's, submitted with identities like assessors, and
    # one of Shanghai's.
    for province, count in ((Province.JS, 3), (Province.SH, 1)):
        reply = exchanges[province].PublishRecords(
            exchange_pb2.PublishRecordsRequest(
                records=[_officer(province, i) for i in range(count)]
            ),
            timeout=30,
        )
        assert reply.rejected == 0, [list(r.violations) for r in reply.results]
    client.wait_until_applied(registry, client.published_counts(exchanges), timeout=60)
    # Over the next National Day: its holidays are off, and an adjusted working
    # day (调休) on a weekend is on once its year's schedule is published.
    start, end = _national_day_campaign()
    planned = (
        _pool(hub, Province.JS)
        .PlanInspections(
            assessor_pool_pb2.PlanInspectionsRequest(
                spec=assessor_pool_pb2.InspectionSpec(
                    provinces=[common_pb2.PROVINCE_JS],
                    start_date=start.isoformat(),
                    end_date=end.isoformat(),
                    technical_support=1,
                )
            ),
            timeout=60,
        )
        .draw
    )
    assert planned.state == assessor_pool_pb2.DRAW_STATE_DRAWN
    [quota_a] = [
        q for q in planned.plan.quotas if q.credit_class == assessor_pool_pb2.CREDIT_CLASS_A
    ]
    assert (quota_a.pool, quota_a.ratio, quota_a.drawn) == (12, "0.03", 1)
    # Class A's one visit, and the extra sampling of a high-risk field (the
    # shipped policy's food and motor vehicles), named in field_quotas.
    extra = sum(q.drawn for q in planned.plan.field_quotas)
    assert len(planned.plan.inspections) == 1 + extra
    roles = [
        assessor_pool_pb2.TEAM_ROLE_LEAD_OFFICER,
        assessor_pool_pb2.TEAM_ROLE_OFFICER,
        assessor_pool_pb2.TEAM_ROLE_TECHNICAL_SUPPORT,
    ]
    workdays = {d.isoformat() for d in working_days(start, end)}
    assert not workdays & {f"{start.year}-10-0{n}" for n in (1, 2, 3)}
    for visit in planned.plan.inspections:
        assert [m.role for m in visit.team] == roles and all(m.assignment_id for m in visit.team)
        assert visit.team[0].home_province == common_pb2.PROVINCE_JS  # the lab's authority
        assert visit.date in workdays
    full = (
        _pool(hub)
        .GetDraw(assessor_pool_pb2.GetDrawRequest(draw_id=planned.draw_id), timeout=30)
        .draw
    )
    assert verify_document(document_of(full)).ok
    listed = _pool(hub).ListDraws(assessor_pool_pb2.ListDrawsRequest(), timeout=30).draws
    assert [d.draw_id for d in listed] == [planned.draw_id]
    # Psycopg is imported so that a PostgreSQL run fails loudly without its driver.
    assert psycopg.__version__


def _national_day_campaign() -> tuple[dt.date, dt.date]:
    """30 September to 11 October, of this year or, once 30 September is
    past in China, the next (no plan may start before today)."""
    today = days_ahead(0)
    year = today.year if today <= dt.date(today.year, 9, 30) else today.year + 1
    return dt.date(year, 9, 30), dt.date(year, 10, 11)


def _officer(province: Province, n: int) -> records_pb2.Record:
    code = {Province.JS: "320583", Province.SH: "310101"}[province]
    return records_pb2.Record(
        officer=records_pb2.EnforcementOfficer(
            authority=f"{province.name_zh}市场监督管理局",
            certificate_number=f"执{province.value}{n:06d}",
            certificate_valid_from="2024-01-01",
            certificate_valid_until="2028-12-31",
            status=records_pb2.ASSESSOR_STATUS_ACTIVE,
            identity=records_pb2.AssessorIdentity(
                name=f"执法员{n}", id_number=resident_id(f"{code}19850201{n:02d}4")
            ),
        )
    )


def test_publish_results_name_the_pseudonym_and_a_team_needs_no_province(hub: Hub) -> None:
    """Contracts an integrator relies on: the publish result carries the assessor's
    pseudonymous id, and a team request without the institution's province takes
    it from the registry's qualification (refused, with the reason, when the
    registry holds several)."""
    exchanges = {p: client.exchange_stub(s.address) for p, s in hub.exchanges.items()}
    registry = client.registry_stub(hub.registry.address)
    reply = exchanges[Province.JS].PublishRecords(
        exchange_pb2.PublishRecordsRequest(
            records=[
                _assessor(LEADER, records_pb2.ASSESSOR_LEVEL_TEAM_LEADER),
                _assessor(MEMBER, records_pb2.ASSESSOR_LEVEL_ASSESSOR),
            ]
        ),
        timeout=30,
    )
    ids = [r.assessor_id for r in reply.results]
    assert all(ids) and [r.record_key for r in reply.results] == [f"assessor/{i}" for i in ids]
    lab, branch = uscc("91320583MA1XYW601"), uscc("91320583MA1XYW602")
    client.publish_all(exchanges[Province.JS], [qualification(lab), qualification(branch)])
    # The branch holds a CMA from each province (issuers 10 and 09).
    client.publish_all(exchanges[Province.SH], [qualification(branch, serial=9, issuer="09")])
    client.wait_until_applied(registry, client.published_counts(exchanges), timeout=60)

    spec = assessor_pool_pb2.TeamSpec(
        institution_uscc=lab,
        fields=[FIELD],
        start_date=days_ahead(7).isoformat(),
        end_date=days_ahead(8).isoformat(),
    )
    drawn = _pool(hub, Province.JS).RequestTeam(
        assessor_pool_pb2.RequestTeamRequest(spec=spec), timeout=30
    )
    assert drawn.draw.team_spec.institution_province == common_pb2.PROVINCE_JS
    assert drawn.draw.state == assessor_pool_pb2.DRAW_STATE_DRAWN, drawn.draw.failure
    assert {m.assessor_id for m in drawn.draw.team} == set(ids)

    spec.institution_uscc = branch
    with pytest.raises(grpc.RpcError) as refused:
        _pool(hub).RequestTeam(assessor_pool_pb2.RequestTeamRequest(spec=spec), timeout=30)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    [(field, reason)] = bad_request_violations(refused.value)
    assert field == "spec.institution_province" and "JS, SH" in reason


def test_a_team_or_plan_starting_before_today_is_refused_naming_its_start_date(
    hub: Hub,
) -> None:
    """Nobody is booked on days gone: a team request or an inspection plan
    whose period starts before today in China is INVALID_ARGUMENT on
    spec.start_date, and nothing is committed; one starting today is drawn."""
    today, yesterday = days_ahead(0), days_ahead(-1)
    team = assessor_pool_pb2.TeamSpec(
        institution_uscc=TARGET,
        institution_province=common_pb2.PROVINCE_SH,
        fields=[FIELD],
        start_date=yesterday.isoformat(),
        end_date=today.isoformat(),
    )
    plan = assessor_pool_pb2.InspectionSpec(
        provinces=[common_pb2.PROVINCE_SH],
        start_date=yesterday.isoformat(),
        end_date=days_ahead(10).isoformat(),
    )
    pool = _pool(hub, Province.SH)
    refusals: list[Callable[[], object]] = [
        lambda: pool.RequestTeam(assessor_pool_pb2.RequestTeamRequest(spec=team), timeout=30),
        lambda: pool.PlanInspections(
            assessor_pool_pb2.PlanInspectionsRequest(spec=plan), timeout=30
        ),
    ]
    for call in refusals:
        with pytest.raises(grpc.RpcError) as refused:
            call()
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert bad_request_violations(refused.value) == [
            ("spec.start_date", f"{yesterday} is before today ({today})")
        ]
    listed = pool.ListDraws(assessor_pool_pb2.ListDrawsRequest(), timeout=30).draws
    assert list(listed) == []

    # Today itself is a day a review may start (the pool is empty: a FAILED draw).
    team.start_date = today.isoformat()
    drawn = pool.RequestTeam(assessor_pool_pb2.RequestTeamRequest(spec=team), timeout=30).draw
    assert drawn.state == assessor_pool_pb2.DRAW_STATE_FAILED, drawn.failure
    assert drawn.team_spec.start_date == today.isoformat()


def test_team_draws_spread_assignments_across_people(hub: Hub) -> None:
    """Over eight draws from two leaders and three assessors, every draw seats the
    person who sat least lately and says so: neither leader leads every team,
    nobody sits on every team, and the assessors share the seats evenly."""
    exchanges = {p: client.exchange_stub(s.address) for p, s in hub.exchanges.items()}
    people = [
        _assessor(
            records_pb2.AssessorIdentity(
                name=f"评审员{i}", id_number=resident_id(f"320583199001{10 + i}041")
            ),
            records_pb2.ASSESSOR_LEVEL_TEAM_LEADER
            if i < 2
            else records_pb2.ASSESSOR_LEVEL_ASSESSOR,
        )
        for i in range(5)
    ]
    ids = _publish(exchanges[Province.JS], people)
    client.wait_until_applied(
        client.registry_stub(hub.registry.address), client.published_counts(exchanges), timeout=60
    )
    sat: dict[str, int] = dict.fromkeys(ids, 0)
    led: dict[str, int] = dict.fromkeys(ids, 0)
    for week in range(8):
        day = working_day_ahead(60 + 7 * week).isoformat()  # a working day each week
        draw = (
            _pool(hub)
            .RequestTeam(
                assessor_pool_pb2.RequestTeamRequest(
                    spec=assessor_pool_pb2.TeamSpec(
                        institution_uscc=TARGET,
                        institution_province=common_pb2.PROVINCE_SH,
                        fields=[FIELD],
                        start_date=day,
                        end_date=day,
                    )
                ),
                timeout=30,
            )
            .draw
        )
        assert draw.state == assessor_pool_pb2.DRAW_STATE_DRAWN, draw.failure
        for m in draw.team:
            assert m.recent_assignments == sat[m.assessor_id]  # the load it was drawn on
            sat[m.assessor_id] += 1
            if m.role == assessor_pool_pb2.TEAM_ROLE_LEADER:
                led[m.assessor_id] += 1
    assert sum(sat.values()) == 16 and max(sat.values()) <= 5
    assert all(led[i] >= 3 for i in ids[:2])
    assessors = [sat[i] for i in ids[2:]]
    assert max(assessors) - min(assessors) <= 1


def test_a_province_acts_in_the_pool_only_for_itself(hub: Hub) -> None:
    """Regulators request teams and plans for their own province's institutions,
    and only the requesting province cancels; others are refused with the reason."""
    exchanges = {p: client.exchange_stub(s.address) for p, s in hub.exchanges.items()}
    _publish(
        exchanges[Province.JS],
        [
            _assessor(
                records_pb2.AssessorIdentity(
                    name=f"互派评审员{i}", id_number=resident_id(f"320583199002{10 + i}051")
                ),
                records_pb2.ASSESSOR_LEVEL_TEAM_LEADER
                if i == 0
                else records_pb2.ASSESSOR_LEVEL_ASSESSOR,
            )
            for i in range(2)
        ],
    )
    # A Shanghai laboratory: Jiangsu's regulators may not name Jiangsu for it.
    sh_lab = uscc("91310115MA1XYW321")
    client.publish_all(exchanges[Province.SH], [qualification(sh_lab, issuer="09")])
    client.wait_until_applied(
        client.registry_stub(hub.registry.address), client.published_counts(exchanges), timeout=60
    )
    spec = assessor_pool_pb2.TeamSpec(
        institution_uscc=TARGET,
        institution_province=common_pb2.PROVINCE_SH,
        fields=[FIELD],
        start_date=working_day_ahead(150).isoformat(),
        end_date=add_working_days(working_day_ahead(150), 1).isoformat(),
    )
    named_js = assessor_pool_pb2.TeamSpec()
    named_js.CopyFrom(spec)
    named_js.institution_uscc = sh_lab
    named_js.institution_province = common_pb2.PROVINCE_JS
    refusals: list[Callable[[], object]] = [
        lambda: _pool(hub, Province.JS).RequestTeam(
            assessor_pool_pb2.RequestTeamRequest(spec=spec), timeout=30
        ),
        lambda: _pool(hub, Province.JS).RequestTeam(
            assessor_pool_pb2.RequestTeamRequest(spec=named_js), timeout=30
        ),
        lambda: _pool(hub, Province.JS).PlanInspections(
            assessor_pool_pb2.PlanInspectionsRequest(
                spec=assessor_pool_pb2.InspectionSpec(
                    provinces=[common_pb2.PROVINCE_SH],
                    start_date=days_ahead(180).isoformat(),
                    end_date=days_ahead(184).isoformat(),
                )
            ),
            timeout=30,
        ),
    ]
    for call in refusals:
        with pytest.raises(grpc.RpcError) as refused:
            call()
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert "regulators of JS" in (refused.value.details() or "")

    drawn = (
        _pool(hub, Province.SH)
        .RequestTeam(assessor_pool_pb2.RequestTeamRequest(spec=spec), timeout=30)
        .draw
    )
    assert drawn.state == assessor_pool_pb2.DRAW_STATE_DRAWN, drawn.failure
    assignment = drawn.team[0].assignment_id
    cancel = assessor_pool_pb2.CancelAssignmentRequest(assignment_id=assignment, reason="回避")
    with pytest.raises(grpc.RpcError) as refused:
        _pool(hub, Province.JS).CancelAssignment(cancel, timeout=30)
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    done = _pool(hub, Province.SH).CancelAssignment(cancel, timeout=30).assignment
    assert done.state == assessor_pool_pb2.ASSIGNMENT_STATE_CANCELLED


def test_identities_are_served_only_on_the_home_listener_to_home_regulators(hub: Hub) -> None:
    request = home_assignments_pb2.ListHomeAssignmentsRequest()
    # Not on the exchange's main listener, which provincial systems reach.
    main = home_assignments_pb2_grpc.HomeAssignmentServiceStub(  # type: ignore[no-untyped-call]
        client.channel(hub.exchanges[Province.SH].address, Identity(Role.REGULATOR, Province.SH))
    )
    with pytest.raises(grpc.RpcError) as absent:
        main.ListHomeAssignments(request, timeout=10)
    assert absent.value.code() == grpc.StatusCode.UNIMPLEMENTED
    # On the home listener: Shanghai's regulators, and nobody else.
    assert _home(hub, Province.SH).ListHomeAssignments(request, timeout=10) is not None
    for other in (Identity(Role.REGULATOR, Province.JS), Identity(Role.SYSTEM, Province.SH)):
        stub = home_assignments_pb2_grpc.HomeAssignmentServiceStub(  # type: ignore[no-untyped-call]
            client.channel(hub.home_addresses[Province.SH], other)
        )
        with pytest.raises(grpc.RpcError) as refused:
            stub.ListHomeAssignments(request, timeout=10)
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_pool_reads_answer_as_the_hub_knew_them_at_an_instant(hub: Hub) -> None:
    """GetDraw, ListDraws, ListAssignments and the home listing take the one
    AsOf: before a draw it is unknown, between its commitment and its making it
    is COMMITTED with nothing revealed, and an assignment cancelled later reads
    ACTIVE at revision 1 from before the cancellation."""
    exchanges = {p: client.exchange_stub(s.address) for p, s in hub.exchanges.items()}
    [leader] = _publish(
        exchanges[Province.JS],
        [
            _assessor(
                records_pb2.AssessorIdentity(
                    name="时光评审员", id_number=resident_id("32058319920315051")
                ),
                records_pb2.ASSESSOR_LEVEL_TEAM_LEADER,
            )
        ],
    )
    client.wait_until_applied(
        client.registry_stub(hub.registry.address), client.published_counts(exchanges), timeout=60
    )
    start = working_day_ahead(90)  # a three-day visit from a working day ahead
    pool = _pool(hub, Province.JS)
    drawn = pool.RequestTeam(
        assessor_pool_pb2.RequestTeamRequest(
            spec=assessor_pool_pb2.TeamSpec(
                institution_uscc=TARGET,
                institution_province=common_pb2.PROVINCE_JS,
                fields=[FIELD],
                start_date=start.isoformat(),
                end_date=(start + dt.timedelta(days=2)).isoformat(),
                size=1,
            )
        ),
        timeout=30,
    ).draw
    assert drawn.state == assessor_pool_pb2.DRAW_STATE_DRAWN, drawn.failure
    [seat] = drawn.team
    [booked] = _home_assignments(hub, Province.JS, 1)
    assert booked.assignment.booked_at == drawn.drawn_at
    cancelled = pool.CancelAssignment(
        assessor_pool_pb2.CancelAssignmentRequest(assignment_id=seat.assignment_id, reason="回避"),
        timeout=30,
    ).assignment
    assert (
        cancelled.revision == 2 and cancelled.updated_at.ToDatetime() > drawn.drawn_at.ToDatetime()
    )

    def at(ts: Any, valid_on: str = "") -> common_pb2.AsOf:
        return common_pb2.AsOf(valid_on=valid_on, known_at=ts)

    before = Timestamp()
    before.FromDatetime(drawn.committed_at.ToDatetime() - dt.timedelta(seconds=1))

    # The draw: unknown before its commitment, COMMITTED at it, made after.
    with pytest.raises(grpc.RpcError) as unknown:
        pool.GetDraw(
            assessor_pool_pb2.GetDrawRequest(draw_id=drawn.draw_id, as_of=at(before)), timeout=30
        )
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
    committed = pool.GetDraw(
        assessor_pool_pb2.GetDrawRequest(draw_id=drawn.draw_id, as_of=at(drawn.committed_at)),
        timeout=30,
    )
    assert committed.draw.state == assessor_pool_pb2.DRAW_STATE_COMMITTED
    assert not committed.draw.seed and not committed.draw.team and not committed.draw.snapshot
    assert committed.as_of.known_at == drawn.committed_at and committed.as_of.valid_on
    made = pool.GetDraw(
        assessor_pool_pb2.GetDrawRequest(draw_id=drawn.draw_id, as_of=at(drawn.drawn_at)),
        timeout=30,
    ).draw
    assert made.seed == drawn.seed and [m.assessor_id for m in made.team] == [leader]

    def draws(ts: Any, state: int = 0) -> list[str]:
        request = assessor_pool_pb2.ListDrawsRequest(as_of=at(ts), state=state)  # type: ignore[arg-type]
        return [d.draw_id for d in pool.ListDraws(request, timeout=30).draws]

    assert draws(before) == []
    assert draws(drawn.committed_at, assessor_pool_pb2.DRAW_STATE_COMMITTED) == [drawn.draw_id]
    assert draws(drawn.committed_at, assessor_pool_pb2.DRAW_STATE_DRAWN) == []
    assert draws(drawn.drawn_at, assessor_pool_pb2.DRAW_STATE_DRAWN) == [drawn.draw_id]

    # The assignment: active from its booking until its cancellation, by the
    # registry and at the home exchange alike.
    def listed(ts: Any, valid_on: str = "", include_cancelled: bool = False) -> list[Any]:
        reply = pool.ListAssignments(
            assessor_pool_pb2.ListAssignmentsRequest(
                assessor_id=leader, include_cancelled=include_cancelled, as_of=at(ts, valid_on)
            ),
            timeout=30,
        )
        assert reply.as_of.known_at == ts
        return [(a.state, a.revision) for a in reply.assignments]

    def at_home(ts: Any, valid_on: str = "", include_cancelled: bool = False) -> list[Any]:
        reply = _home(hub, Province.JS).ListHomeAssignments(
            home_assignments_pb2.ListHomeAssignmentsRequest(
                assessor_id=leader, include_cancelled=include_cancelled, as_of=at(ts, valid_on)
            ),
            timeout=10,
        )
        assert reply.as_of.known_at == ts
        return [(h.assignment.state, h.assignment.revision) for h in reply.assignments]

    active = [(assessor_pool_pb2.ASSIGNMENT_STATE_ACTIVE, 1)]
    for read in (listed, at_home):
        assert read(before, include_cancelled=True) == []
        assert read(drawn.drawn_at) == active
        assert read(drawn.drawn_at, valid_on=(start + dt.timedelta(days=1)).isoformat()) == active
        assert read(drawn.drawn_at, valid_on=(start + dt.timedelta(days=3)).isoformat()) == []
        assert read(cancelled.updated_at) == []
        assert read(cancelled.updated_at, include_cancelled=True) == [
            (assessor_pool_pb2.ASSIGNMENT_STATE_CANCELLED, 2)
        ]
    now = pool.ListAssignments(
        assessor_pool_pb2.ListAssignmentsRequest(assessor_id=leader), timeout=30
    )
    assert not now.assignments and now.as_of.valid_on and now.as_of.HasField("known_at")

    with pytest.raises(grpc.RpcError) as malformed:
        pool.ListDraws(
            assessor_pool_pb2.ListDrawsRequest(as_of=common_pb2.AsOf(valid_on="2027-13-01")),
            timeout=30,
        )
    assert malformed.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_request_violations(malformed.value)[0][0] == "as_of.valid_on"
