"""`yrdhub verify-chain` and `yrdhub export-chain`: check a province's signed
chain (core/chain.py) with nothing but the provinces' public keys.

The chain is read straight from Kafka (every record topic and the checkpoint
topic, from the beginning) or from a file `export-chain` wrote from a
registry. The report names the first missing sequence, broken link or bad
checkpoint, and how far checkpoints vouch for the events.

Export file: JSON lines; the first {"format": "yrdhub/chain-export/1",
"province": "SH"}, then one {"event": base64} or {"checkpoint": base64} per
item, bytes exactly as published. Items of another province than the
header's are listed as rejected and the chain is not verified (exit 1): the
file is not what it says; an item that is no Event or ChainCheckpoint makes
the line malformed (exit 2), as one that is not base64 does.

Exit status: 0 the chain verifies (or has no events yet: nothing to verify),
1 it is broken, 2 an export, key set or source that cannot be read or reached
(a missing or malformed file, a registry or Kafka out of reach: export-chain
waits at most CONNECT_TIMEOUT_S for the registry), said in one line on stderr.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import grpc
from google.protobuf.message import DecodeError
from kafka.errors import KafkaError
from rich.console import Console

from services.common.convert import PROVINCE_FROM_PB, PROVINCE_TO_PB
from services.common.event_content import record_altered
from services.common.kafka_io import (
    all_topics,
    checkpoint_topic,
    read_topics,
    use_kafka_tls,
)
from services.common.signing import (
    KeySet,
    keyset_default,
    signed_instant,
)
from services.common.tls import TlsFiles
from services.core.chain import ChainVerdict, Link, SignedMark, digest, signed_message, verify_chain
from services.core.identity import Identity, Role
from services.core.provinces import Province
from services.hub import client
from services.hub.cli_errors import CliInputError, province_arg
from yrdhub.v1 import events_pb2, registry_pb2, registry_pb2_grpc

FORMAT = "yrdhub/chain-export/1"
Item = tuple[str, bytes]  # ("event" | "checkpoint", bytes as published)
# How long export-chain waits for the registry to answer before saying it cannot.
CONNECT_TIMEOUT_S = 10.0


def verify_items(
    province: Province, items: Iterable[Item], keys: KeySet, *, export: bool = False
) -> ChainVerdict:
    """The verdict on one province's items. From Kafka, whose topics carry
    every province, other provinces' items are skipped; in an `export` of
    one province they are listed as rejected and the chain is not verified
    (the file is not what its header says). An item that is not a message of
    its kind is rejected (from_file refuses such a line before)."""
    number = PROVINCE_TO_PB[province]
    links: list[Link] = []
    marks: list[SignedMark] = []
    foreign: list[str] = []
    undecodable: list[str] = []
    altered: list[int] = []
    for kind, value in items:
        try:
            message = _decoded(kind, value)
        except DecodeError:
            undecodable.append(f"{kind} of {len(value)} bytes that is not a {_TYPES[kind]}")
            continue
        if message.province != number:
            if export:
                foreign.append(_foreign(kind, message, province))
            continue
        if isinstance(message, events_pb2.Event):
            if record_altered(message):
                # Left out of the walk and named as the problem: the walk
                # alone would name the next event, whose link no longer fits
                # (or, for the first, start the chain after it).
                altered.append(message.sequence)
                continue
            links.append(Link(message.sequence, message.previous_hash, digest(value)))
            continue
        marks.append(_mark(province, message, keys))
    verdict = verify_chain(links, marks)
    if not foreign and not undecodable and not altered:
        return verdict
    # An altered copy beside the chain's own event at its sequence (a forgery
    # on Kafka) is rejected; one in the place of it is the chain's problem.
    held = {link.sequence for link in links}
    beside = [s for s in altered if s in held]
    instead = [s for s in altered if s not in held]
    gaps = {f"missing sequence {s}" for s in instead}
    problems = [
        *(
            f"event at sequence {s} was altered after it was published: its record does "
            "not match its content_hash"
            for s in instead
        ),
        *(p for p in verdict.problems if p not in gaps),
    ] + (
        [f"the export of {province.value}'s chain holds {len(foreign)} items of another province"]
        if foreign
        else []
    )
    forged = [
        f"event at sequence {s}: its record does not match its content_hash (beside the "
        "chain's own event)"
        for s in beside
    ]
    return replace(
        verdict, problems=problems, rejected=[*verdict.rejected, *forged, *undecodable, *foreign]
    )


_TYPES = {"event": "yrdhub.v1.Event", "checkpoint": "yrdhub.v1.ChainCheckpoint"}


def _decoded(kind: str, value: bytes) -> events_pb2.Event | events_pb2.ChainCheckpoint:
    if kind == "event":
        return events_pb2.Event.FromString(value)
    return events_pb2.ChainCheckpoint.FromString(value)


def _foreign(
    kind: str, message: events_pb2.Event | events_pb2.ChainCheckpoint, province: Province
) -> str:
    try:
        whose = PROVINCE_FROM_PB[message.province].value
    except KeyError:
        whose = f"province {message.province}"
    return (
        f"{kind} at sequence {message.sequence} is {whose}'s, not {province.value}'s (the header's)"
    )


def _mark(province: Province, cp: events_pb2.ChainCheckpoint, keys: KeySet) -> SignedMark:
    try:
        signed_at = signed_instant(cp.signed_at)
    except ValueError:
        return SignedMark(cp.sequence, cp.chain_link, "unreadable signed_at")
    message = signed_message(province.value, cp.sequence, cp.chain_link, cp.signed_at)
    why = keys.verify(province, cp.key_id, cp.signature, message, signed_at)
    return SignedMark(cp.sequence, cp.chain_link, why)


def from_kafka(bootstrap: str, prefix: str) -> Iterator[Item]:
    """Every item on the record topics and the checkpoint topic, from the start."""
    checkpoints = checkpoint_topic(prefix)
    for topic, value in read_topics(bootstrap, [*all_topics(prefix), checkpoints]):
        yield ("checkpoint" if topic == checkpoints else "event"), value


def from_file(path: Path) -> tuple[Province, list[Item]]:
    """The province and items of an export, or CliInputError saying what is
    wrong with it (OSError, for a file that cannot be opened, is main's)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    number = 1
    try:
        head = json.loads(lines[0]) if lines else None
        if not isinstance(head, dict) or head.get("format") != FORMAT:
            raise CliInputError(f"{path}: not a chain export ({FORMAT})")
        province = Province.parse(str(head.get("province")))
        items: list[Item] = []
        for line in lines[1:]:
            number += 1
            entry = json.loads(line)
            kind = "event" if "event" in entry else "checkpoint"
            value = base64.b64decode(entry[kind], validate=True)
            try:
                _decoded(kind, value)
            except DecodeError:
                raise ValueError(f"{kind} is not a {_TYPES[kind]}") from None
            items.append((kind, value))
    except (ValueError, KeyError, TypeError) as exc:
        raise CliInputError(
            f"{path}: not a chain export ({FORMAT}): line {number}: {exc}"
        ) from None
    return province, items


def load_keys(path: Path) -> KeySet:
    try:
        return KeySet.load(path)
    except (ValueError, KeyError, TypeError) as exc:
        raise CliInputError(f"{path}: not a readable key set ({exc!r})") from None


def export(address: str, province: Province, out: Path) -> int:
    """Writes the province's chain as the registry holds it; returns the
    items. CliInputError, and no file, when the registry is not reached
    within CONNECT_TIMEOUT_S (down, or speaking TLS to a plaintext client) or
    the export fails."""
    channel = client.channel(address, retry=False)
    hint = " (a hub with mutual TLS needs --tls-dir, or YRDHUB_TLS_DIR)"
    plaintext = client.default_identity(address) is None
    try:
        grpc.channel_ready_future(channel).result(timeout=CONNECT_TIMEOUT_S)
    except grpc.FutureTimeoutError:
        channel.close()
        why = f"could not reach the registry at {address} within {CONNECT_TIMEOUT_S:g} s"
        raise CliInputError(why + (hint if plaintext else "")) from None
    stub = registry_pb2_grpc.RegistryServiceStub(channel)  # type: ignore[no-untyped-call]
    count = 0
    try:
        with out.open("w", encoding="utf-8") as f:
            f.write(json.dumps({"format": FORMAT, "province": province.value}) + "\n")
            request = registry_pb2.ExportChainRequest(province=PROVINCE_TO_PB[province])
            for item in stub.ExportChain(request, timeout=600):
                kind = item.WhichOneof("item")
                f.write(json.dumps({kind: base64.b64encode(getattr(item, kind)).decode()}) + "\n")
                count += 1
    except grpc.RpcError as exc:
        out.unlink(missing_ok=True)
        why = f"could not export {province.value}'s chain from {address}: {exc.code().name}"
        raise CliInputError(f"{why}: {exc.details()}") from None
    finally:
        channel.close()
    return count


def _report(province: Province, verdict: ChainVerdict, console: Console) -> None:
    span = (
        f"sequences {verdict.first_sequence}..{verdict.last_sequence}"
        if verdict.last_sequence
        else "no events"
    )
    if verdict.ok and verdict.events == 0:
        for item in verdict.rejected:
            console.print(f"  [yellow]rejected[/]: {item}")
        console.print(f"[bold]nothing to verify[/]: {province.value}'s chain has no events yet")
        return
    for item in verdict.rejected:
        console.print(f"  [yellow]rejected[/]: {item}")
    if verdict.ok:
        console.print(
            f"[bold green]verified[/]: {province.value}'s chain, {span}, {verdict.events} events "
            f"under {verdict.checkpoints} signed checkpoints"
        )
        return
    console.print(
        f"[bold red]broken[/]: {province.value}'s chain, {span}; checkpoints vouch for "
        f"sequence {verdict.verified_through} and before"
    )
    for problem in verdict.problems:
        console.print(f"  - {problem}")
    raise SystemExit(1)


def add_kafka_tls_flag(parser: argparse.ArgumentParser) -> None:
    """--kafka-tls, for a tool that also takes --tls-dir."""
    parser.add_argument(
        "--kafka-tls",
        action="store_true",
        default=os.environ.get("YRDHUB_KAFKA_TLS") == "1",
        help="the broker wants client certificates: read as the operator (from --tls-dir)",
    )


def kafka_tls(args: argparse.Namespace) -> None:
    """Kafka as the operator, when the broker wants client certificates."""
    if args.kafka_tls:
        if args.tls_dir is None:
            raise CliInputError("--kafka-tls needs --tls-dir")
        use_kafka_tls(TlsFiles(args.tls_dir, "operator"))


def _tls(args: argparse.Namespace) -> None:
    if args.tls_dir is not None:
        if not args.tls_dir.is_dir():
            raise CliInputError(f"{args.tls_dir}: no such folder (--tls-dir, from `yrdhub certs`)")
        client.use_tls(client.ClientTls(args.tls_dir, {}, Identity(Role.OPERATOR)))


def _keyset(args: argparse.Namespace) -> Path:
    """--keyset, else the environment's or --tls-dir's (keyset_default: a
    flag before the environment it stands for), or CliInputError."""
    found = args.keyset or keyset_default(args.tls_dir)
    if found is not None:
        return Path(found)
    raise CliInputError(
        "no key set: give --keyset, or --tls-dir (or YRDHUB_SIGNING_DIR or YRDHUB_TLS_DIR)"
    )


def run_verify(args: argparse.Namespace, console: Console) -> None:
    """Prints the verdict; exits with status 1 on any problem, 2 (main's)
    when the export, the key set or Kafka cannot be read."""
    if args.file is None and not (args.kafka and args.province):
        raise CliInputError("give a chain export, or --kafka and --province")
    keys = load_keys(_keyset(args))
    if args.file is not None:
        province, items = from_file(args.file)
        _report(province, verify_items(province, items, keys, export=True), console)
        return
    kafka_tls(args)
    province = args.province
    try:
        items = list(from_kafka(args.kafka, args.topic_prefix))
    except (KafkaError, TimeoutError) as exc:
        why = f"could not read the chain from Kafka at {args.kafka}: {exc!r}"
        if not args.kafka_tls:
            why += " (a broker that wants client certificates needs --kafka-tls and --tls-dir)"
        raise CliInputError(why) from None
    _report(province, verify_items(province, items, keys), console)


def run_export(args: argparse.Namespace, console: Console) -> None:
    # Before the registry is asked: a wait of seconds would end in nothing to write to.
    if not args.out.parent.is_dir():
        raise CliInputError(f"{args.out}: no such folder to write the export in (--out)")
    _tls(args)
    count = export(args.registry, args.province, args.out)
    console.print(f"{args.out}: {count} items of {args.province.value}'s chain")


def add_parsers(sub: Any) -> None:
    verify = sub.add_parser(
        "verify-chain", help="check a province's signed chain, from Kafka or an export"
    )
    verify.add_argument("file", nargs="?", type=Path, help="a chain export (export-chain)")
    verify.add_argument("--kafka", help="read the chain from this Kafka bootstrap address")
    verify.add_argument("--topic-prefix", default="", help="prefix of the topic names")
    verify.add_argument("--province", type=province_arg, help="whose chain (with --kafka)")
    add_kafka_tls_flag(verify)
    verify.add_argument(
        "--tls-dir",
        type=Path,
        default=os.environ.get("YRDHUB_TLS_DIR") or None,
        help="certificates (`yrdhub certs`)",
    )
    verify.add_argument(
        "--keyset",
        type=Path,
        help="the provinces' public keys (keyset.json; default: from YRDHUB_SIGNING_DIR, "
        "else beside --tls-dir's certificates or YRDHUB_TLS_DIR's)",
    )
    verify.set_defaults(run=run_verify)
    export_ = sub.add_parser("export-chain", help="save a province's chain from a registry")
    export_.add_argument("--registry", required=True, help="the registry (host:port)")
    export_.add_argument("--province", type=province_arg, required=True, help="SH, JS, ZJ or AH")
    export_.add_argument("--out", type=Path, required=True, help="file to write (JSON lines)")
    export_.add_argument(
        "--tls-dir",
        type=Path,
        default=os.environ.get("YRDHUB_TLS_DIR") or None,
        help="certificates (`yrdhub certs`): fetch over mutual TLS as the operator",
    )
    export_.set_defaults(run=run_export)
