"""`yrdhub registry digest` and `yrdhub registry rebuild`: a registry is a view
of the log, so a new one can be built from offset zero and compared with the
live one by the digest of their state (services/registry/ingest/digest.py)."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from services.common.db import make_engine
from services.hub.cli_errors import CliInputError
from services.registry.ingest.digest import state_digest


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    registry = sub.add_parser("registry", help="a registry's state: its digest, or a rebuild")
    tools = registry.add_subparsers(dest="registry_command", required=True)
    digest = tools.add_parser("digest", help="print the digest of a registry database's state")
    digest.add_argument("--db", required=True, help="the registry's database URL")
    digest.set_defaults(run=_digest)
    rebuild = tools.add_parser(
        "rebuild",
        help="build a registry database anew from offset zero of the topics, then print its "
        "digest (compare it with the live registry's)",
    )
    rebuild.add_argument("--db", required=True, help="a new, empty database URL")
    rebuild.add_argument("--kafka", required=True, help="bootstrap address")
    rebuild.add_argument("--topic-prefix", default="")
    rebuild.add_argument("--tls-dir", type=Path, help="the hub's certificates (`yrdhub certs`)")
    rebuild.add_argument(
        "--kafka-tls", action="store_true", help="Kafka wants the registry's client certificate"
    )
    rebuild.add_argument(
        "--insecure-plaintext",
        action="store_true",
        help="a development hub without TLS (events are applied unverified)",
    )
    rebuild.set_defaults(run=_rebuild)


def existing_database(db: str) -> str:
    """`db`, or CliInputError when it is no database URL, or names an SQLite
    file that does not exist (connecting would create an empty one)."""
    try:
        url = make_url(db)
    except ArgumentError as exc:
        raise CliInputError(f"{db}: not a database URL ({exc})") from None
    path = url.database or ""
    local = path not in ("", ":memory:") and not path.startswith("file:")
    if url.get_backend_name() == "sqlite" and local and not Path(path).is_file():
        raise CliInputError(f"{db}: no such database file ({path})")
    return db


def _print_digest(console: Console, db: str) -> None:
    try:
        engine = make_engine(existing_database(db))
    except (ArgumentError, ImportError) as exc:
        raise CliInputError(f"{db}: not a database URL this registry can open ({exc})") from None
    try:
        digest, counts = state_digest(engine)
    except SQLAlchemyError as exc:
        why = str(exc).splitlines()[0]
        raise CliInputError(f"{db}: cannot read a registry's state ({why})") from None
    finally:
        engine.dispose()
    console.print(digest)
    console.print(", ".join(f"{n:,} {part}s" for part, n in counts.items()), style="dim")


def _digest(args: argparse.Namespace, console: Console) -> None:
    _print_digest(console, args.db)


def _rebuild(args: argparse.Namespace, console: Console) -> None:
    security = (
        ["--insecure-plaintext"]
        if args.insecure_plaintext
        else ["--tls-dir", str(args.tls_dir)]
        if args.tls_dir
        else []
    )
    command = [
        sys.executable, "-m", "services.registry", "--db", args.db, "--kafka", args.kafka,
        "--topic-prefix", args.topic_prefix, "--listen", "127.0.0.1:0", "--rebuild-and-exit",
        *security, *(["--kafka-tls"] if args.kafka_tls else []),
    ]  # fmt: skip
    started = time.monotonic()
    made = _new_sqlite_files(args.db)
    console.log(f"rebuilding into {args.db} from offset zero")
    # The registry logs to stdout, as it goes; its stderr is kept to say why it failed.
    done = subprocess.run(command, check=False, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        for path in made:  # a half-built database is no database to keep
            path.unlink(missing_ok=True)
        raise CliInputError(_why_failed(done.stderr, args.kafka, done.returncode))
    console.log(f"caught up with the topics in {time.monotonic() - started:.1f} s")
    _print_digest(console, args.db)


def _new_sqlite_files(db: str) -> list[Path]:
    """The files a rebuild into `db` would create: an SQLite database that does
    not exist yet, with its journal files (none for another database)."""
    try:
        url = make_url(db)
    except ArgumentError:
        return []
    path = url.database or ""
    if url.get_backend_name() != "sqlite" or path in ("", ":memory:") or path.startswith("file:"):
        return []
    if Path(path).exists():
        return []
    return [Path(path + suffix) for suffix in ("", "-wal", "-shm", "-journal")]


def _why_failed(stderr: str, kafka: str, status: int) -> str:
    """One line: Kafka out of reach, or the registry's last word."""
    if "Unable to bootstrap" in stderr or "NoBrokersAvailable" in stderr:
        return f"Kafka at {kafka} is out of reach: nothing was rebuilt"
    last = next((line.strip() for line in reversed(stderr.splitlines()) if line.strip()), "")
    return f"the rebuild failed (exit status {status}): {last or 'see the log above'}"
