"""The log's tree as stored, its proofs, and the worker that signs checkpoints of it.

The tree's leaves are the events' stored hashes in store order (``leaf_hash(chain_hash)``),
kept in memory and extended as the log grows. Proofs are the RFC 9162 audit paths, so an
auditor holding only a signed checkpoint can check that an event is in the log it signed
(inclusion) and that today's log extends it (consistency).
"""

from __future__ import annotations

import bisect
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import structlog

from changeorders.adapters.chain import GENESIS, chain_hash
from changeorders.adapters.database import STORE_UNAVAILABLE
from changeorders.adapters.evidence import EvidenceStore
from changeorders.application.checkpoints import Checkpoint, SigningKey
from changeorders.application.errors import AuditRequestInvalid, EvidenceBroken
from changeorders.application.merkle import (
    MerkleLog,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from changeorders.application.verification import checkpoint_problem

log = structlog.get_logger()


class LogTree:
    """The Merkle tree over the stored hashes, extended on each :meth:`refresh`."""

    def __init__(self, store: EvidenceStore) -> None:
        self._store = store
        self._log = MerkleLog()
        self._positions: list[int] = []
        self._lock = threading.Lock()

    def refresh(self) -> MerkleLog:
        with self._lock:
            after = self._positions[-1] if self._positions else 0
            while page := self._store.hashes(after):
                for position, digest in page:
                    if digest is None:
                        raise EvidenceBroken(
                            f"the event at position {position} has no hash: "
                            "run `changeorders audit backfill`"
                        )
                    self._log.append(leaf_hash(digest))
                    self._positions.append(position)
                after = page[-1][0]
            return self._log

    def index_of(self, position: int) -> int:
        index = bisect.bisect_left(self._positions, position)
        assert self._positions[index] == position
        return index


def _size(wanted: int | None, log: MerkleLog) -> int:
    size = log.size if wanted is None else wanted
    if not 0 < size <= log.size:
        raise AuditRequestInvalid(f"tree_size must be between 1 and {log.size}, not {size}")
    return size


@dataclass(frozen=True)
class Evidence:
    """What the audit API and CLI read: the stored log, its tree, the signing key if any."""

    store: EvidenceStore
    tree: LogTree
    key: SigningKey | None

    def checkpoints(self) -> list[dict[str, Any]]:
        return [json.loads(text) for text in self.store.checkpoints()]

    def inclusion(self, event_id: UUID, tree_size: int | None = None) -> dict[str, Any]:
        """The event, the hash before it, and its audit path to the root of ``tree_size``."""
        entry = self.store.locate(event_id)
        if entry is None:
            raise AuditRequestInvalid(f"no event {event_id} in the log", rule="event-not-in-log")
        log = self.tree.refresh()
        index, size = self.tree.index_of(entry.position), _size(tree_size, log)
        if index >= size:
            raise AuditRequestInvalid(
                f"event {event_id} is entry {index + 1}: after a tree of {size}",
                rule="event-not-in-log",
            )
        previous = self.store.hash_of(entry.aggregate, entry.version - 1) or GENESIS
        return {
            "event_id": str(event_id),
            "aggregate_id": str(entry.aggregate),
            "version": entry.version,
            "topic": entry.topic,
            "state": entry.state.decode(),
            "previous_hash": previous.hex(),
            "chain_hash": (entry.chain_hash or b"").hex(),
            "leaf_index": index,
            "tree_size": size,
            "root_hash": log.root(size).hex(),
            "audit_path": [node.hex() for node in log.inclusion(index, size)],
        }

    def consistency(self, first: int, second: int | None = None) -> dict[str, Any]:
        log = self.tree.refresh()
        size = _size(second, log)
        if not 0 < first <= size:
            raise AuditRequestInvalid(f"first must be between 1 and {size}, not {first}")
        return {
            "first": first,
            "second": size,
            "first_root": log.root(first).hex(),
            "second_root": log.root(size).hex(),
            "proof": [node.hex() for node in log.consistency(first, size)],
        }


@dataclass
class Checkpointer:
    """Signs a checkpoint whenever the log has grown, never one of a log that does not
    extend the last checkpoint (that log was rewritten: it is reported, not signed)."""

    evidence: Evidence
    key: SigningKey
    every_seconds: float

    def take(self) -> Checkpoint | None:
        tree = self.evidence.tree.refresh()
        stored = self.evidence.store.last_checkpoint()
        last = Checkpoint.from_json(json.loads(stored)) if stored else None
        if last:
            problem = checkpoint_problem(last, tree, self.key.public)
            if problem:
                raise EvidenceBroken(f"not signing: the last checkpoint ({problem})")
        if tree.size == 0 or (last and last.tree_size >= tree.size):
            return None
        checkpoint = self.key.sign(tree.size, tree.root())
        self.evidence.store.add_checkpoint(tree.size, json.dumps(checkpoint.to_json()))
        return checkpoint

    def run_until(self, stop: threading.Event) -> None:
        while True:
            try:
                taken = self.take()
            except STORE_UNAVAILABLE as exc:
                log.warning("checkpoint-deferred", reason=str(exc))
            except EvidenceBroken as exc:
                log.error("checkpoint-refused", reason=str(exc))
            else:
                if taken:
                    log.info("checkpoint-signed", tree_size=taken.tree_size)
            if stop.wait(self.every_seconds):
                return


def open_evidence(datastore: Any, events_table: str, key_path: Path | None) -> Evidence:
    """The evidence of one event store; the signing key read (or created) when named."""
    store = EvidenceStore(datastore, events_table)
    key = SigningKey.load_or_create(key_path) if key_path is not None else None
    return Evidence(store, LogTree(store), key)


def inclusion_holds(proof: dict[str, Any], root: bytes) -> bool:
    """An auditor's check of an inclusion proof against a checkpoint's root: the event's
    hash is recomputed from its content, so an altered event cannot ride a valid path."""
    digest = chain_hash(
        bytes.fromhex(proof["previous_hash"]),
        UUID(proof["aggregate_id"]),
        proof["version"],
        proof["topic"],
        proof["state"].encode(),
    )
    leaf = leaf_hash(digest)
    path = [bytes.fromhex(node) for node in proof["audit_path"]]
    return verify_inclusion(leaf, proof["leaf_index"], proof["tree_size"], path, root)


def consistency_holds(proof: dict[str, Any], first_root: bytes, second_root: bytes) -> bool:
    """An auditor's check that the log they signed off (``first_root``) is a prefix of the
    log a later checkpoint signs (``second_root``)."""
    nodes = [bytes.fromhex(node) for node in proof["proof"]]
    return verify_consistency(proof["first"], proof["second"], first_root, second_root, nodes)
