"""Provinces' Ed25519 signing keys: the key set every verifier holds, and the
private key each exchange signs its chain checkpoints with (core/chain.py).

Layout of a signing folder (`yrdhub certs` writes one as signing/ beside the
certificates; services take --signing-dir, by default that one):

    keyset.json      public: every signer's keys, old ones included
    <key_id>.key     private (PKCS#8 PEM, mode 0600), one per key; an exchange
                     needs only its province's current one, the registry its own

keyset.json is `{"keys": [{"key_id": "SH-1", "owner": "SH", "public_key":
"<32 bytes, base64>", "retired_at": null}]}`; the owner is a province code
(its exchange signs its chain's checkpoints) or "registry" (it signs draw
commitments). An owner signs with its one key whose retired_at is null;
retiring a key (a date) and adding a new one rotates it: old signatures still
verify with the old key, and one made with a key after its retirement does not.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from services.core.provinces import Province

FOLDER = "signing"
"""The signing folder's name inside a trust folder."""
KEYSET = "keyset.json"
REGISTRY = "registry"
OWNERS = (*(p.value for p in Province), REGISTRY)


@dataclass(frozen=True, slots=True)
class PublicKey:
    key_id: str
    owner: str  # a province code, or REGISTRY
    key: Ed25519PublicKey
    retired_at: dt.datetime | None = None

    def raw(self) -> bytes:
        return self.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class KeySet:
    """The signers' public keys, by id."""

    def __init__(self, keys: Iterable[PublicKey]) -> None:
        self._keys = {k.key_id: k for k in keys}

    @classmethod
    def load(cls, path: Path) -> KeySet:
        data = json.loads(path.read_text(encoding="utf-8"))
        keys = []
        for entry in data["keys"]:
            retired = entry.get("retired_at")
            keys.append(
                PublicKey(
                    key_id=entry["key_id"],
                    owner=entry["owner"],
                    key=Ed25519PublicKey.from_public_bytes(base64.b64decode(entry["public_key"])),
                    retired_at=_instant(retired) if retired else None,
                )
            )
        return cls(keys)

    def save(self, path: Path) -> None:
        entries = [
            {
                "key_id": k.key_id,
                "owner": k.owner,
                "public_key": base64.b64encode(k.raw()).decode(),
                "retired_at": k.retired_at.isoformat() if k.retired_at else None,
            }
            for k in sorted(self._keys.values(), key=lambda k: k.key_id)
        ]
        path.write_text(json.dumps({"keys": entries}, indent=2) + "\n", encoding="utf-8")

    def current(self, owner: str) -> PublicKey | None:
        """The owner's key in use (the one not retired)."""
        live = [k for k in self._keys.values() if k.owner == owner and k.retired_at is None]
        return live[0] if len(live) == 1 else None

    def verify(
        self,
        owner: str,
        key_id: str,
        signature: bytes,
        message: bytes,
        signed_at: dt.datetime,
    ) -> str | None:
        """None when `signature` is the owner's over `message`; else why not."""
        key = self._keys.get(key_id)
        if key is None:
            return f"unknown signing key {key_id!r}"
        if key.owner != owner:
            return f"key {key_id!r} belongs to {key.owner}, not {owner}"
        if key.retired_at is not None and signed_at > key.retired_at:
            return f"key {key_id!r} was retired at {key.retired_at.isoformat()}"
        try:
            key.key.verify(signature, message)
        except InvalidSignature:
            return f"signature does not verify with key {key_id!r}"
        return None


@dataclass(frozen=True, slots=True)
class Signer:
    """An owner's private key: a province's, to sign checkpoints with, or the
    registry's, to sign draw commitments with."""

    key_id: str
    key: Ed25519PrivateKey

    def sign(self, message: bytes) -> bytes:
        return self.key.sign(message)

    @classmethod
    def load(cls, folder: Path, owner: str) -> Signer:
        """The owner's current key from a signing folder (see above)."""
        keys = KeySet.load(folder / KEYSET)
        current = keys.current(owner)
        if current is None:
            raise RuntimeError(f"{folder / KEYSET} names no single current key for {owner}")
        pem = (folder / f"{current.key_id}.key").read_bytes()
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise RuntimeError(f"{current.key_id}.key is not an Ed25519 key")
        return cls(current.key_id, key)


def _instant(text: str) -> dt.datetime:
    """A key set's date or instant; without a time zone, UTC."""
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def signed_instant(text: str) -> dt.datetime:
    """When a signature says it was made: RFC 3339 with a time zone, or
    ValueError (a signature must say its instant exactly)."""
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return value


def keyset_path(folder: Path) -> Path:
    """The key set of a signing folder."""
    return folder / KEYSET


def keyset_default(tls_dir: Path | None = None) -> Path | None:
    """The key set the environment names: YRDHUB_SIGNING_DIR's, else the
    signing folder's of `tls_dir` (a --tls-dir flag), else of YRDHUB_TLS_DIR
    (as services find theirs)."""
    folder = os.environ.get("YRDHUB_SIGNING_DIR")
    if folder:
        return keyset_path(Path(folder))
    tls = tls_dir or os.environ.get("YRDHUB_TLS_DIR")
    return keyset_path(Path(tls) / FOLDER) if tls else None


def create_keys(out: Path, owners: Iterable[str] = OWNERS) -> KeySet:
    """A signing folder with a first key per owner (private keys owner-only)."""
    out.mkdir(parents=True, exist_ok=True)
    public = []
    for owner in owners:
        key_id = f"{owner}-1"
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(out / f"{key_id}.key", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        public.append(PublicKey(key_id, owner, key.public_key()))
    keys = KeySet(public)
    keys.save(out / KEYSET)
    return keys
