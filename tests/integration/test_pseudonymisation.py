"""The exchange keeps assessors' personal data to itself, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import select
from sqlalchemy.engine import Engine
from stdnum.cn import ric

from services.common.convert import PROVINCE_TO_PB
from services.common.db import make_engine
from services.common.rate_limit import RateLimiter
from services.common.record_mapping import to_record_pb
from services.core.errors import ResourceExhausted
from services.core.provinces import Province
from services.core.pseudonyms import PseudonymSecret, derive_assessor_id
from services.core.records import Signatory
from services.exchange import publishing
from services.exchange.identities import IdentitySealer, IdentityTables, IdentityVault
from services.exchange.outbox import Outbox
from services.exchange.outbox_tables import OutboxTables
from services.exchange.pseudonymising import Pseudonymiser, PseudonymSource
from services.exchange.publishing import Outcome, Publisher
from services.registry.pseudonyms.derivation import MAX_NUMBERS, Pseudonymisation
from tests.conftest import Databases
from tests.factories import LAB_B, qualification
from tests.integration.pool_records import assessor
from yrdhub.v1 import events_pb2, records_pb2

SECRET = PseudonymSecret(b"test-secret-of-32-bytes-length!!")
ID_NUMBER = "31010119800101001" + ric.calc_check_digit("310101198001010010")
NAME = "欧阳明月"
PHONE = "13912345678"
_outbox = OutboxTables.metadata.tables["outbox"]
_identity = IdentityTables.metadata.tables["assessor_identity_sealed"]
_clear = IdentityTables.metadata.tables["assessor_identity"]


@dataclass
class Exchange:
    engine: Engine
    vault: IdentityVault
    publisher: Publisher


def registry_pseudonyms(secret: PseudonymSecret) -> PseudonymSource:
    """The registry's use case, in process (the gRPC hop is tested end to end)."""
    derivation = Pseudonymisation(secret, RateLimiter(rate=1.0, burst=20_000))
    return lambda numbers: derivation.derive("exchange@SH", numbers)


def _exchange(engine: Engine, secret: PseudonymSecret | None) -> Exchange:
    outbox = Outbox(engine, "SH")
    outbox.create_schema()
    vault = IdentityVault(engine, IdentitySealer(b"test-identity-key"))
    vault.create_schema()
    pseudonyms = Pseudonymiser(None if secret is None else registry_pseudonyms(secret), vault)
    return Exchange(engine, vault, Publisher(Province.SH, outbox, pseudonyms=pseudonyms))


@pytest.fixture
def exchange(db_url: str) -> Iterator[Exchange]:
    engine = make_engine(db_url)
    try:
        yield _exchange(engine, SECRET)
    finally:
        engine.dispose()


def with_identity(phone: str = PHONE, assessor_id: str = "") -> records_pb2.Record:
    record = assessor(assessor_id or "Aplaceholder")
    record.assessor.assessor_id = assessor_id
    record.assessor.identity.CopyFrom(
        records_pb2.AssessorIdentity(name=NAME, id_number=ID_NUMBER, phone=phone)
    )
    return record


def _outbox_bytes(engine: Engine) -> bytes:
    with engine.connect() as conn:
        return b"".join(conn.execute(select(_outbox.c.payload)).scalars())


def test_the_exchange_derives_the_id_and_keeps_the_identity_out_of_the_outbox(
    exchange: Exchange,
) -> None:
    [result] = exchange.publisher.publish([with_identity()])
    assert result.outcome is Outcome.ACCEPTED, result.violations
    expected = derive_assessor_id(SECRET, ID_NUMBER)
    assert result.record_key == f"assessor/{expected}"

    payloads = _outbox_bytes(exchange.engine)
    for secret_text in (NAME, ID_NUMBER, PHONE):
        assert secret_text.encode() not in payloads
    event = events_pb2.Event.FromString(payloads)  # the only event
    assert event.record.assessor.assessor_id == expected
    assert not event.record.assessor.HasField("identity")

    held = exchange.vault.lookup([expected])[expected]
    assert (held.name, held.id_number, held.phone) == (NAME, ID_NUMBER, PHONE)


def test_a_new_phone_updates_the_vault_without_a_new_revision(exchange: Exchange) -> None:
    exchange.publisher.publish([with_identity()])
    [again] = exchange.publisher.publish([with_identity(phone="13700000000")])
    assert again.outcome is Outcome.UNCHANGED
    ident = again.record_key.removeprefix("assessor/")
    assert exchange.vault.lookup([ident])[ident].phone == "13700000000"


def test_identity_problems_are_refused_field_by_field(exchange: Exchange) -> None:
    bad_check = with_identity()
    wrong = "1" if ID_NUMBER[-1] != "1" else "2"
    bad_check.assessor.identity.id_number = ID_NUMBER[:-1] + wrong
    no_name = with_identity()
    no_name.assessor.identity.name = ""
    other_id = with_identity(assessor_id="Asomeoneelse")
    results = exchange.publisher.publish([bad_check, no_name, other_id])
    assert [r.outcome for r in results] == [Outcome.REJECTED] * 3
    assert [v.field for v in results[0].violations] == ["assessor.identity.id_number"]
    assert [v.field for v in results[1].violations] == ["assessor.identity.name"]
    assert [v.field for v in results[2].violations] == ["assessor.assessor_id"]
    with exchange.engine.connect() as conn:
        assert conn.execute(select(_identity)).all() == []


def test_without_a_pseudonymisation_service_identities_are_refused(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        [result] = _exchange(engine, None).publisher.publish([with_identity()])
    finally:
        engine.dispose()
    assert result.outcome is Outcome.REJECTED
    assert "no pseudonymisation service" in result.violations[0].description


def test_an_identity_never_tells_whether_it_belongs_to_a_pseudonym(exchange: Exchange) -> None:
    """The answer to an identity sent with an id is the same whether or not the
    id is the one the identity derives: no oracle for who is behind a pseudonym."""
    own = derive_assessor_id(SECRET, ID_NUMBER)
    matching, other = exchange.publisher.publish(
        [with_identity(assessor_id=own), with_identity(assessor_id="Asomeoneelse")]
    )
    assert matching.outcome is other.outcome is Outcome.REJECTED
    assert matching.violations == other.violations


def test_identities_are_encrypted_at_rest(exchange: Exchange, db_url: str) -> None:
    [result] = exchange.publisher.publish([with_identity()])
    ident = result.record_key.removeprefix("assessor/")
    with exchange.engine.connect() as conn:
        [stored] = [bytes(v) for v in conn.execute(select(_identity.c.sealed)).scalars()]
    for text in (NAME, ID_NUMBER, PHONE):
        assert text.encode() not in stored
    assert exchange.vault.lookup([ident])[ident].name == NAME
    # A copy of the database with another key opens nothing (and says so), and
    # an exchange given the wrong key refuses to start rather than serve
    # assignments without identities.
    stranger = IdentityVault(exchange.engine, IdentitySealer(b"another-key"))
    assert stranger.lookup([ident]) == {}
    with pytest.raises(RuntimeError, match="does not open the identities"):
        stranger.create_schema()
    with pytest.raises(InvalidTag):
        IdentitySealer(b"another-key").open(ident, stored)


def test_identities_an_earlier_version_kept_in_clear_are_sealed_at_start(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        IdentityTables.metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(
                _clear.insert().values(
                    assessor_id="Aold", name=NAME, id_number=ID_NUMBER, phone=PHONE,
                    updated_at=dt.datetime.now(dt.UTC),
                )
            )  # fmt: skip
        vault = IdentityVault(engine, IdentitySealer(b"test-identity-key"))
        vault.create_schema()
        with engine.connect() as conn:
            assert conn.execute(select(_clear)).all() == []
        assert vault.lookup(["Aold"])["Aold"].id_number == ID_NUMBER
    finally:
        engine.dispose()


def test_without_an_identity_key_identities_are_refused(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        outbox = Outbox(engine, "SH")
        outbox.create_schema()
        vault = IdentityVault(engine, None)
        vault.create_schema()
        publisher = Publisher(
            Province.SH, outbox, pseudonyms=Pseudonymiser(registry_pseudonyms(SECRET), vault)
        )
        [result] = publisher.publish([with_identity()])
    finally:
        engine.dispose()
    assert result.outcome is Outcome.REJECTED
    assert "no identity key" in result.violations[0].description


def test_a_batch_whose_ids_cannot_be_had_is_refused_whole(db_url: str) -> None:
    """When the registry will not derive ids (here: the exchange used up its
    allowance), the publish call fails with a status the caller can retry on,
    and nothing of the batch is stored, the records without identities included."""
    engine = make_engine(db_url)
    try:
        outbox = Outbox(engine, "SH")
        outbox.create_schema()
        vault = IdentityVault(engine, IdentitySealer(b"test-identity-key"))
        vault.create_schema()
        derivation = Pseudonymisation(SECRET, RateLimiter(rate=0.0, burst=MAX_NUMBERS))
        derivation.derive("exchange@SH", [ID_NUMBER] * MAX_NUMBERS)
        publisher = Publisher(
            Province.SH,
            outbox,
            pseudonyms=Pseudonymiser(lambda n: derivation.derive("exchange@SH", n), vault),
        )
        with pytest.raises(ResourceExhausted):
            publisher.publish([assessor("Aplain"), with_identity()])
        with engine.connect() as conn:
            assert conn.execute(select(_outbox)).all() == []
            assert conn.execute(select(_identity)).all() == []
    finally:
        engine.dispose()


def test_a_padded_identity_number_is_derived_like_the_model_reads_it(exchange: Exchange) -> None:
    """Spaces around a number do not count towards its length: the record is
    accepted under the same id, and the batch never fails as a whole."""
    padded = with_identity()
    padded.assessor.identity.id_number = " " * 30 + ID_NUMBER + " " * 30
    [result] = exchange.publisher.publish([padded])
    assert result.outcome is Outcome.ACCEPTED, result.violations
    assert result.record_key == f"assessor/{derive_assessor_id(SECRET, ID_NUMBER)}"


def test_an_identity_in_a_place_the_exchange_does_not_know_is_never_published(
    exchange: Exchange, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As with a newer contract's place for an identity that this exchange's
    slots (services.exchange.pseudonymising) do not cover yet."""
    monkeypatch.setattr(publishing, "identity_slots", lambda raw: [])
    [result] = exchange.publisher.publish([with_identity()])
    assert result.outcome is Outcome.REJECTED
    assert [v.field for v in result.violations] == ["record"]
    assert _outbox_bytes(exchange.engine) == b""


def test_an_older_card_with_a_retired_region_code_is_accepted_with_a_warning(
    exchange: Exchange,
) -> None:
    """A genuine 1975 Hangzhou number: its region code is valid as issued but not
    in the code list for that year. Accepted, pseudonymised, and the answer says
    so; the event does not (the warning quotes the number's first ten digits)."""
    hangzhou = "33010619750312002" + ric.calc_check_digit("330106197503120020")
    record = with_identity()
    record.assessor.identity.id_number = hangzhou
    [result] = exchange.publisher.publish([record])
    assert result.outcome is Outcome.ACCEPTED, result.violations
    assert result.record_key == f"assessor/{derive_assessor_id(SECRET, hangzhou)}"
    [warning] = [w for w in result.warnings if w.field == "assessor.identity.id_number"]
    assert "region code (characters 1-6) 330106" in warning.description
    assert b"330106" not in _outbox_bytes(exchange.engine)


# --- signatories and signatory bans: one person across the region -------------


def _province_exchange(
    databases: Databases, province: Province, derivation: Pseudonymisation
) -> Exchange:
    """One province's exchange on its own database, asking the one registry."""
    engine = make_engine(databases.new(province.value.lower()))
    outbox = Outbox(engine, province.value)
    outbox.create_schema()
    vault = IdentityVault(engine, IdentitySealer(b"test-identity-key-" + province.value.encode()))
    vault.create_schema()

    def source(numbers: Sequence[str]) -> list[str]:
        return derivation.derive(f"exchange@{province.value}", numbers)

    return Exchange(
        engine, vault, Publisher(province, outbox, pseudonyms=Pseudonymiser(source, vault))
    )


def _signed(phone: str = PHONE) -> records_pb2.Record:
    """Shanghai's qualification of a laboratory whose signatory comes with an identity."""
    record = to_record_pb(qualification(signatories=(Signatory(name=NAME, fields=("00",)),)))
    record.qualification.signatories[0].identity.CopyFrom(
        records_pb2.AssessorIdentity(name=NAME, id_number=ID_NUMBER, phone=phone)
    )
    return record


def _banned_in_jiangsu() -> records_pb2.Record:
    return records_pb2.Record(
        signatory_ban=records_pb2.SignatoryBan(
            reference="苏签禁〔2026〕1号",
            identity=records_pb2.AssessorIdentity(name=NAME, id_number=ID_NUMBER),
            institution_uscc=LAB_B,
            reason="签发虚假检验检测报告",
            effective_from="2026-03-01",
            action=records_pb2.CREDIT_ACTION_LISTED,
            listing_province=PROVINCE_TO_PB[Province.JS],
        )
    )


def _only_event(engine: Engine) -> events_pb2.Event:
    return events_pb2.Event.FromString(_outbox_bytes(engine))


def test_a_signatory_and_a_ban_in_another_province_get_the_same_person_id(
    databases: Databases,
) -> None:
    derivation = Pseudonymisation(SECRET, RateLimiter(rate=1.0, burst=20_000))
    shanghai = _province_exchange(databases, Province.SH, derivation)
    jiangsu = _province_exchange(databases, Province.JS, derivation)
    try:
        [lab] = shanghai.publisher.publish([_signed()])
        [banned] = jiangsu.publisher.publish([_banned_in_jiangsu()])
        assert lab.outcome is banned.outcome is Outcome.ACCEPTED, (lab, banned)
        person = derive_assessor_id(SECRET, ID_NUMBER)
        signed = _only_event(shanghai.engine).record.qualification.signatories[0]
        assert (signed.name, signed.person_id) == (NAME, person)
        assert not signed.HasField("identity")
        ban = _only_event(jiangsu.engine).record.signatory_ban
        assert ban.person_id == person and not ban.HasField("identity")
        assert banned.record_key == "signatory_ban/JS/苏签禁〔2026〕1号"
        # Each province keeps the identity it was given, and nothing of it goes on.
        for exchange in (shanghai, jiangsu):
            assert exchange.vault.lookup([person])[person].id_number == ID_NUMBER
            for secret_text in (ID_NUMBER, PHONE):
                assert secret_text.encode() not in _outbox_bytes(exchange.engine)
    finally:
        shanghai.engine.dispose()
        jiangsu.engine.dispose()


def test_a_signatorys_identity_is_refused_field_by_field(exchange: Exchange) -> None:
    bad_check = _signed()
    wrong = "1" if ID_NUMBER[-1] != "1" else "2"
    bad_check.qualification.signatories[0].identity.id_number = ID_NUMBER[:-1] + wrong
    no_name = _signed()
    no_name.qualification.signatories[0].identity.name = ""
    with_id = _signed()
    with_id.qualification.signatories[0].person_id = "Psomeoneelse"
    results = exchange.publisher.publish([bad_check, no_name, with_id])
    assert [r.outcome for r in results] == [Outcome.REJECTED] * 3
    assert [v.field for v in results[0].violations] == [
        "qualification.signatories[0].identity.id_number"
    ]
    assert "check digit" in results[0].violations[0].description
    assert [v.field for v in results[1].violations] == [
        "qualification.signatories[0].identity.name"
    ]
    assert [v.field for v in results[2].violations] == ["qualification.signatories[0].person_id"]
    with exchange.engine.connect() as conn:
        assert conn.execute(select(_identity)).all() == []
        assert conn.execute(select(_outbox)).all() == []
