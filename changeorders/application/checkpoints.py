"""Signed checkpoints: the log's size and Merkle root at a moment, signed with Ed25519.

The signed text follows the transparency-log checkpoint convention (C2SP tlog-checkpoint):
``<origin>\\n<tree size>\\n<base64 root>\\n`` and one extension line with the time, so an
auditor can check a checkpoint with nothing but the public key and ``openssl`` or any
Ed25519 library. The private key lives in a file named by settings, never in the database:
whoever can rewrite the database cannot sign a rewritten log.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ORIGIN = "changeorders"


def key_id(public: Ed25519PublicKey) -> str:
    """A short name of a public key: the first 8 bytes of the SHA-256 of its raw form."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_from_pem(text: str | bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(text.encode() if isinstance(text, str) else text)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    tree_size: int
    root_hash: bytes
    timestamp: datetime
    key_id: str
    signature: bytes

    def signed_text(self) -> str:
        root = base64.b64encode(self.root_hash).decode()
        when = self.timestamp.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return f"{self.origin}\n{self.tree_size}\n{root}\ntime {when}\n"

    def verifies_with(self, public: Ed25519PublicKey) -> bool:
        try:
            public.verify(self.signature, self.signed_text().encode())
        except InvalidSignature:
            return False
        return True

    def to_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "timestamp": self.timestamp.isoformat(),
            "key_id": self.key_id,
            "signature": base64.b64encode(self.signature).decode(),
            "signed_text": self.signed_text(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Checkpoint:
        """Raises ``KeyError`` or ``ValueError`` for a document that is not a checkpoint."""
        return cls(
            origin=str(data["origin"]),
            tree_size=int(data["tree_size"]),
            root_hash=bytes.fromhex(data["root_hash"]),
            timestamp=datetime.fromisoformat(data["timestamp"]),
            key_id=str(data["key_id"]),
            signature=base64.b64decode(data["signature"], validate=True),
        )


class SigningKey:
    """The operator's checkpoint key, read from (or first created in) a PEM file."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        self.public = private.public_key()
        self.key_id = key_id(self.public)

    @classmethod
    def load_or_create(cls, path: Path) -> SigningKey:
        """The key in ``path``; a new one written there (mode 0600) when there is none. Two
        processes starting together agree: the file is created exclusively, once."""
        if not path.exists():
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(descriptor, "wb") as file:
                    file.write(pem)
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 private key")
        return cls(private)

    def public_pem(self) -> str:
        return self.public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    def sign(self, tree_size: int, root_hash: bytes, now: datetime | None = None) -> Checkpoint:
        unsigned = Checkpoint(
            ORIGIN, tree_size, root_hash, now or datetime.now(UTC), self.key_id, b""
        )
        signature = self._private.sign(unsigned.signed_text().encode())
        return Checkpoint(ORIGIN, tree_size, root_hash, unsigned.timestamp, self.key_id, signature)
