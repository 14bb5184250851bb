"""`yrdhub verify-chain` and `export-chain`: what the report counts, an empty
chain, and a registry out of reach answered in bounded time with exit 2."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console

from services.common.convert import PROVINCE_TO_PB
from services.common.signing import KeySet, PublicKey
from services.core.chain import GENESIS, digest, link, signed_message
from services.core.provinces import Province
from services.hub import cli, client, verify_chain
from yrdhub.v1 import events_pb2, records_pb2

SIGNED_AT = "2026-01-01T00:00:00Z"


def _chain(
    key: Ed25519PrivateKey, n: int, checkpoints: tuple[int, ...]
) -> tuple[list[verify_chain.Item], list[bytes]]:
    items: list[verify_chain.Item] = []
    links = []
    current = GENESIS
    for s in range(1, n + 1):
        value = events_pb2.Event(
            province=PROVINCE_TO_PB[Province.SH], sequence=s, previous_hash=current,
            record_key=f"k{s}",
        ).SerializeToString()  # fmt: skip
        items.append(("event", value))
        current = link(current, digest(value))
        links.append(current)
        if s in checkpoints:
            items.append(("checkpoint", _checkpoint(key, s, current)))
    return items, links


def _checkpoint(key: Ed25519PrivateKey, sequence: int, chain_link: bytes) -> bytes:
    message = signed_message("SH", sequence, chain_link, SIGNED_AT)
    return events_pb2.ChainCheckpoint(
        province=PROVINCE_TO_PB[Province.SH], sequence=sequence, chain_link=chain_link,
        signed_at=SIGNED_AT, key_id="SH-1", signature=key.sign(message),
    ).SerializeToString()  # fmt: skip


def _keys(key: Ed25519PrivateKey) -> KeySet:
    return KeySet([PublicKey("SH-1", "SH", key.public_key(), None)])


def _reported(items: list[verify_chain.Item], keys: KeySet) -> str:
    out = io.StringIO()
    verdict = verify_chain.verify_items(Province.SH, items, keys)
    verify_chain._report(Province.SH, verdict, Console(file=out, width=300))
    return out.getvalue()


def test_forgeries_beside_the_chain_are_listed_not_counted_as_verified() -> None:
    """As r/forge.py made them: an event at a sequence the chain already has,
    linking to its predecessor, and a checkpoint over it signed with another key."""
    key = Ed25519PrivateKey.generate()
    items, links = _chain(key, 25, (20, 25))
    forged = events_pb2.Event(
        province=PROVINCE_TO_PB[Province.SH], sequence=25, previous_hash=links[23],
        record_key="forged",
    ).SerializeToString()  # fmt: skip
    forged_link = link(links[23], digest(forged))
    items += [
        ("event", forged),
        ("checkpoint", _checkpoint(Ed25519PrivateKey.generate(), 25, forged_link)),
    ]
    said = _reported(items, _keys(key))
    assert "verified: SH's chain, sequences 1..25, 25 events under 2 signed checkpoints" in said
    assert said.count("rejected") == 2


def test_an_empty_chain_is_nothing_to_verify_with_exit_status_0() -> None:
    said = _reported([], _keys(Ed25519PrivateKey.generate()))
    assert "nothing to verify: SH's chain has no events yet" in said


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A port that accepts connections and never speaks gRPC (as a TLS
    registry is to a plaintext client)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for s in held:
        s.close()
    server.close()


def _main_in_time(argv: list[str], seconds: float) -> BaseException | None:
    """Runs main() in a thread; what it raised, or fails when it is still running."""
    raised: list[BaseException] = []

    def target() -> None:
        try:
            cli.main(argv)
        except BaseException as exc:
            raised.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"yrdhub {argv[0]} still waiting after {seconds} s"
    return raised[0] if raised else None


@pytest.mark.parametrize("address", ["closed", "silent"])
def test_export_chain_gives_up_on_a_registry_out_of_reach_with_one_line_and_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    silent_server: str,
    address: str,
) -> None:
    monkeypatch.setattr(verify_chain, "CONNECT_TIMEOUT_S", 1.0, raising=False)
    # A client with no TLS set up (an earlier test in this process may have set some).
    monkeypatch.setattr(client, "_tls", None)
    registry = "127.0.0.1:1" if address == "closed" else silent_server
    out = tmp_path / "sh.jsonl"
    argv = ["export-chain", "--registry", registry, "--province", "SH", "--out", str(out)]
    raised = _main_in_time(argv, 30)
    assert isinstance(raised, SystemExit) and raised.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("yrdhub export-chain: could not reach")
    assert "--tls-dir" in err and not out.exists()


def test_an_export_that_is_no_chain_export_is_named_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keyset = tmp_path / "keyset.json"
    _keys(Ed25519PrivateKey.generate()).save(keyset)
    bad = tmp_path / "bad.jsonl"
    head = json.dumps({"format": verify_chain.FORMAT, "province": "SH"})
    bad.write_text(head + "\n" + json.dumps({"event": "%%%"}) + "\n")
    with pytest.raises(SystemExit) as exited:
        cli.main(["verify-chain", str(bad), "--keyset", str(keyset)])
    assert exited.value.code == 2
    assert (
        "bad.jsonl: not a chain export (yrdhub/chain-export/1): line 2" in capsys.readouterr().err
    )


def _export(path: Path, province: str, items: list[verify_chain.Item]) -> Path:
    lines = [json.dumps({"format": verify_chain.FORMAT, "province": province})]
    lines += [json.dumps({kind: base64.b64encode(value).decode()}) for kind, value in items]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_an_export_relabelled_to_another_province_rejects_its_items_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The tester's SH export with only its header changed to JS: it said
    "nothing to verify" with exit 0, the SH items silently dropped."""
    key = Ed25519PrivateKey.generate()
    keyset = tmp_path / "keyset.json"
    _keys(key).save(keyset)
    items, _ = _chain(key, 3, (3,))
    export = _export(tmp_path / "sh.jsonl", "JS", items)
    with pytest.raises(SystemExit) as exited:
        cli.main(["verify-chain", str(export), "--keyset", str(keyset)])
    assert exited.value.code == 1
    out = capsys.readouterr().out
    assert "nothing to verify" not in out and "broken: JS's chain" in out
    assert out.count("rejected") == 4
    assert "event at sequence 2 is SH's, not JS's (the header's)" in out
    assert "checkpoint at sequence 3 is SH's" in out
    assert "the export of JS's chain holds 4 items of another province" in out
    # The same items under their own header verify.
    cli.main(["verify-chain", str(_export(export, "SH", items)), "--keyset", str(keyset)])
    assert "verified: SH's chain, sequences 1..3" in capsys.readouterr().out


def test_other_provinces_on_kafka_are_skipped_and_an_undecodable_record_is_rejected() -> None:
    """Kafka's topics carry every province; a record that is no event (any
    writer can publish one) is listed, not a traceback."""
    key = Ed25519PrivateKey.generate()
    items, _ = _chain(key, 3, (3,))
    js = events_pb2.Event(province=PROVINCE_TO_PB[Province.JS], sequence=1).SerializeToString()
    said = _reported([*items, ("event", js), ("event", b"\x00\x00\x00")], _keys(key))
    assert "verified: SH's chain, sequences 1..3, 3 events" in said
    assert said.count("rejected") == 1 and "event of 3 bytes that is not a" in said


@pytest.mark.parametrize("kind", ["event", "checkpoint"])
def test_an_export_line_that_is_no_message_of_its_kind_is_a_malformed_export_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    """As a line that is not base64 is: the tester's {"event": "AAAA"} was a
    DecodeError traceback."""
    keyset = tmp_path / "keyset.json"
    _keys(Ed25519PrivateKey.generate()).save(keyset)
    bad = _export(tmp_path / "bad.jsonl", "SH", [(kind, b"\x00\x00\x00")])
    with pytest.raises(SystemExit) as exited:
        cli.main(["verify-chain", str(bad), "--keyset", str(keyset)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"bad.jsonl: not a chain export (yrdhub/chain-export/1): line 2: {kind} is not" in err


def test_export_chain_names_a_missing_out_folder_before_asking_the_registry(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    silent_server: str,
) -> None:
    # A registry that never answers, waited for longer than the call may take:
    # only an answer given before asking it ends in time.
    monkeypatch.setattr(verify_chain, "CONNECT_TIMEOUT_S", 600.0, raising=False)
    out = tmp_path / "no-such-folder" / "sh.jsonl"
    argv = ["export-chain", "--registry", silent_server, "--province", "SH", "--out", str(out)]
    raised = _main_in_time(argv, 30)
    assert isinstance(raised, SystemExit) and raised.code == 2
    err = capsys.readouterr().err
    assert err == f"yrdhub export-chain: {out}: no such folder to write the export in (--out)\n"


def test_an_event_altered_after_it_was_published_is_the_one_named() -> None:
    """A day changed inside event 6's record: the report said the link at 7
    was broken, sending an auditor to the wrong event. Event 6's record no
    longer matches its content_hash, and the report names it."""
    key = Ed25519PrivateKey.generate()
    items: list[verify_chain.Item] = []
    current = GENESIS
    for s in range(1, 9):
        record = records_pb2.Record(
            green_cert=records_pb2.GreenCertification(valid_until="2029-12-31", model=f"M-{s}")
        )
        event = events_pb2.Event(
            province=PROVINCE_TO_PB[Province.SH], sequence=s, previous_hash=current,
            record_key=f"k{s}", record=record,
            content_hash=hashlib.sha256(record.SerializeToString(deterministic=True)).digest(),
        )  # fmt: skip
        value = event.SerializeToString()
        current = link(current, digest(value))
        items.append(("event", value))
    genuine_6 = items[5]
    altered_6 = ("event", genuine_6[1].replace(b"2029-12-31", b"2029-12-30"))
    items[5] = altered_6
    items.append(("checkpoint", _checkpoint(key, 8, current)))
    verdict = verify_chain.verify_items(Province.SH, items, _keys(key))
    items[5] = genuine_6
    assert verdict.problems == [
        "event at sequence 6 was altered after it was published: its record does not match "
        "its content_hash"
    ]
    # The same altered copy beside the genuine event (a forgery produced to
    # Kafka): the chain verifies, and the copy is listed as rejected.
    beside = verify_chain.verify_items(Province.SH, [*items, altered_6], _keys(key))
    assert beside.problems == [] and beside.events == 8
    assert beside.rejected == [
        "event at sequence 6: its record does not match its content_hash (beside the "
        "chain's own event)"
    ]
    # The first event altered: the chain is not taken to start after it.
    first = items[0][1].replace(b"2029-12-31", b"2029-12-30")
    verdict = verify_chain.verify_items(Province.SH, [("event", first), *items[1:]], _keys(key))
    assert verdict.problems[0].startswith("event at sequence 1 was altered")
