"""`yrdhub verify-draw`: re-run a published draw and say whether it matches.

A draw is checked from a JSON document (as `--save` writes it, or as anyone
publishes it) or fetched from a registry by id. The check needs nothing from
the hub but the document: the seed must match the commitment, the snapshot
its SHA-256, and re-running the selection must give the published outcome.

Exit status: 0 the draw re-runs as published, 1 a mismatch, 2 a document or
source that cannot be read (a file that is missing, not JSON or not a draw
document, a registry or Kafka out of reach) or arguments that name none,
said in one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import grpc
from kafka.errors import KafkaError
from rich.console import Console

from services.common.kafka_io import commitment_topic, read_topics
from services.common.signing import (
    FOLDER,
    REGISTRY,
    KeySet,
    keyset_default,
    keyset_path,
    signed_instant,
)
from services.core.draws import canonical_json, commitment_message
from services.core.errors import quoted
from services.core.identity import Identity, Role
from services.core.verify import Verification, verify_draw
from services.hub import client
from services.hub.verify_chain import add_kafka_tls_flag, kafka_tls
from services.registry.pool.mapping import claimed_outcome
from yrdhub.v1 import assessor_pool_pb2, assessor_pool_pb2_grpc

DOCUMENT_FORMAT = "yrdhub/published-draw/1"
MISMATCH = 1
UNREADABLE = 2


class Unreadable(SystemExit):
    """A draw document or source that cannot be read: exit status 2, not a
    mismatch's 1; run() says why in one line."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.code = UNREADABLE
        self.why = why


def document_of(draw: assessor_pool_pb2.Draw) -> dict[str, Any]:
    """A draw as a self-contained JSON document anyone can re-check."""
    return {
        "format": DOCUMENT_FORMAT,
        "draw_id": draw.draw_id,
        "seed": draw.seed.hex(),
        "seed_commitment": draw.seed_commitment.hex(),
        "snapshot_sha256": draw.snapshot_sha256.hex(),
        "snapshot": json.loads(draw.snapshot) if draw.snapshot else None,
        "outcome": claimed_outcome(draw),
    }


def document_problems(document: Any) -> list[str]:
    """What makes `document` no draw document, field by field (none: one, to
    be verified; an empty seed is a draw not revealed, which is a mismatch)."""
    if not isinstance(document, dict):
        return [f"not a draw document (a JSON object, format {DOCUMENT_FORMAT})"]
    problems = []
    if document.get("format", DOCUMENT_FORMAT) != DOCUMENT_FORMAT:
        problems.append(f"format: {quoted(str(document['format']))}, not {DOCUMENT_FORMAT}")
    for name, digits in (("seed", None), ("seed_commitment", 64), ("snapshot_sha256", 64)):
        value = document.get(name, "" if name == "seed" else None)
        wanted = "hexadecimal digits" if digits is None else f"{digits} hexadecimal digits"
        if value is None:
            problems.append(f"{name}: missing ({wanted})")
        elif not _hex(value) or (digits is not None and len(value) != digits):
            problems.append(f"{name}: {wanted}, not {quoted(str(value))}")
    if "snapshot" not in document:
        problems.append("snapshot: missing")
    elif not isinstance(document["snapshot"], str | dict | None):
        problems.append("snapshot: a JSON object, or its canonical text")
    elif document.get("seed"):
        # Unrevealed (no seed), the snapshot is never read: that is a mismatch.
        problems += snapshot_problems(document["snapshot"])
    if not isinstance(document.get("outcome"), dict):
        problems.append("outcome: missing (a JSON object)")
    return problems


# The parts of a snapshot the re-run reads as JSON objects (or a list): a value
# of another type would fail inside it, so it is named here instead.
SNAPSHOT_PARTS = {
    "spec": dict,
    "candidates": dict,
    "loads": dict,
    "person_loads": dict,
    "rules": dict,
    "entities": list,
}


def snapshot_problems(snapshot: Any) -> list[str]:
    """What keeps a revealed draw's snapshot from being re-run, part by part
    (text that is not JSON is left to the re-run, which says so)."""
    if isinstance(snapshot, str):
        try:
            snapshot = json.loads(snapshot)
        except ValueError:
            return []
    if not isinstance(snapshot, dict):
        return [f"snapshot: a JSON object, not {_json_text(snapshot)}"]
    problems = []
    for name, kind in SNAPSHOT_PARTS.items():
        if name in snapshot and not isinstance(snapshot[name], kind):
            wanted = "a JSON object" if kind is dict else "a JSON array"
            problems.append(f"snapshot.{name}: {wanted}, not {_json_text(snapshot[name])}")
    return problems


def _json_text(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


def _hex(value: Any) -> bool:
    try:
        bytes.fromhex(value)
    except (TypeError, ValueError):
        return False
    return True


def read_document(path: Path) -> dict[str, Any]:
    """The draw document in a file, or Unreadable saying what is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise Unreadable(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise Unreadable(f"{path}: cannot be read ({exc})") from None
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise Unreadable(f"{path}: not JSON ({exc})") from None
    problems = document_problems(document)
    if problems:
        raise Unreadable(f"{path}: not a readable draw document: {'; '.join(problems)}")
    return dict(document)


def verify_document(document: dict[str, Any]) -> Verification:
    snapshot = document.get("snapshot")
    # The snapshot is canonical JSON, so re-encoding the parsed value gives back
    # the very bytes that were hashed; a string is taken as those bytes.
    body = snapshot.encode() if isinstance(snapshot, str) else canonical_json(snapshot)
    return verify_draw(
        seed=bytes.fromhex(document.get("seed") or ""),
        seed_commitment=bytes.fromhex(document["seed_commitment"]),
        snapshot=body,
        snapshot_sha256=bytes.fromhex(document["snapshot_sha256"]),
        claimed=document["outcome"],
    )


def fetch_draw(address: str, draw_id: str, secure: bool) -> assessor_pool_pb2.Draw:
    """The draw as the registry serves it, or Unreadable saying why not (at
    once: a person waits for the answer)."""
    channel = client.channel(address, retry=False)
    stub = assessor_pool_pb2_grpc.AssessorPoolServiceStub(channel)  # type: ignore[no-untyped-call]
    try:
        response = stub.GetDraw(assessor_pool_pb2.GetDrawRequest(draw_id=draw_id), timeout=30)
    except grpc.RpcError as exc:
        code = exc.code()
        why = f"could not fetch draw {draw_id} from {address}: {code.name}: {exc.details()}"
        if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED) and not secure:
            why += " (a hub with mutual TLS needs --tls-dir, or YRDHUB_TLS_DIR)"
        raise Unreadable(why) from None
    draw: assessor_pool_pb2.Draw = response.draw
    return draw


def published_commitment(
    bootstrap: str, prefix: str, draw_id: str, seed_commitment: bytes, keys: KeySet
) -> list[str]:
    """Problems with the draw's commitment as the registry published it on
    Kafka (none: found, signed by the registry, naming this seed commitment)."""
    found = [
        c
        for _, value in read_topics(bootstrap, [commitment_topic(prefix)])
        for c in [assessor_pool_pb2.DrawCommitment.FromString(value)]
        if c.draw_id == draw_id
    ]
    if not found:
        return [f"no commitment to draw {draw_id} was published on {commitment_topic(prefix)}"]
    problems = []
    for c in found:
        message = commitment_message(
            c.draw_id, c.seed_commitment, c.committed_at, c.spec_sha256, c.policy_version
        )
        try:
            why = keys.verify(
                REGISTRY, c.key_id, c.signature, message, signed_instant(c.committed_at)
            )
        except ValueError as exc:
            why = f"unreadable committed_at ({exc})"
        if why is not None:
            problems.append(f"the published commitment's signature: {why}")
        elif c.seed_commitment != seed_commitment:
            problems.append("the published commitment names another seed")
    return problems


def run(args: argparse.Namespace, console: Console) -> None:
    """Prints match or mismatch; exits with status 1 on a mismatch, 2 with
    one line on stderr when the document or a source cannot be read."""
    try:
        _run(args, console)
    except Unreadable as exc:
        print(f"yrdhub verify-draw: {exc.why}", file=sys.stderr)
        raise SystemExit(UNREADABLE) from None


def _run(args: argparse.Namespace, console: Console) -> None:
    if args.file is not None:
        document = read_document(Path(args.file))
    elif args.registry and args.draw_id:
        if args.tls_dir is not None:
            client.use_tls(client.ClientTls(args.tls_dir, {}, Identity(Role.OPERATOR)))
        document = document_of(
            fetch_draw(args.registry, args.draw_id, secure=args.tls_dir is not None)
        )
    else:
        raise Unreadable("give a draw document, or --registry and --draw-id")
    if args.save is not None:
        args.save.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    check = verify_document(document)
    published: list[str] = []
    if args.kafka:
        if args.keyset is None and args.tls_dir is not None:
            args.keyset = keyset_path(Path(args.tls_dir) / FOLDER)
        if args.keyset is None:
            raise Unreadable("--kafka needs --keyset (the registry's public key) or --tls-dir")
        kafka_tls(args)
        try:
            keys = KeySet.load(args.keyset)
        except (OSError, ValueError, KeyError) as exc:
            raise Unreadable(f"{args.keyset}: not a readable key set ({exc!r})") from None
        try:
            published = published_commitment(
                args.kafka,
                args.topic_prefix,
                str(document.get("draw_id")),
                bytes.fromhex(document["seed_commitment"]),
                keys,
            )
        except (KafkaError, TimeoutError, OSError) as exc:
            raise Unreadable(f"could not read the commitments on {args.kafka}: {exc!r}") from None
    outcome = document.get("outcome") or {}
    team = ", ".join(f"{ident} ({role.lower()})" for ident, role in outcome.get("team", ()))
    visits = len(outcome.get("visits", ()))
    drawn = team or (f"{visits} visits" if "visits" in outcome else "nothing")
    if check.ok and not published:
        console.print(
            f"[bold green]match[/]: draw {document.get('draw_id', '?')} re-runs to {drawn}"
        )
        console.print("  the seed matches the commitment and the snapshot its SHA-256")
        if args.kafka:
            console.print("  the registry published that commitment, signed, before the draw")
        return
    console.print(f"[bold red]mismatch[/]: draw {document.get('draw_id', '?')}")
    for problem in [*check.problems, *published]:
        console.print(f"  - {problem}")
    raise SystemExit(MISMATCH)


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("verify-draw", help="re-run a published draw and check it matches")
    parser.add_argument("file", nargs="?", type=Path, help="a draw document (JSON)")
    parser.add_argument("--registry", help="fetch the draw from this registry (host:port)")
    parser.add_argument("--draw-id", help="the draw to fetch")
    parser.add_argument("--save", type=Path, help="also write the draw document here")
    parser.add_argument(
        "--kafka", help="also check the commitment the registry published on this Kafka"
    )
    parser.add_argument("--topic-prefix", default="", help="prefix of the topic names")
    add_kafka_tls_flag(parser)
    parser.add_argument(
        "--keyset",
        type=Path,
        default=keyset_default(),
        help="the hub's public keys (keyset.json; default: from YRDHUB_SIGNING_DIR, "
        "YRDHUB_TLS_DIR or --tls-dir)",
    )
    parser.add_argument(
        "--tls-dir",
        type=Path,
        default=os.environ.get("YRDHUB_TLS_DIR") or None,
        help="certificates (`yrdhub certs`): fetch over mutual TLS as the operator",
    )
    parser.set_defaults(run=run)
