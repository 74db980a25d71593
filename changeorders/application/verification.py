"""``audit verify``: every event's hash and every checkpoint's root, recomputed from the
stored bytes alone. A broken link names the aggregate, the version and the log position."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from changeorders.adapters.chain import GENESIS, chain_hash
from changeorders.adapters.evidence import Entry, EvidenceStore
from changeorders.application.checkpoints import Checkpoint
from changeorders.application.merkle import MerkleLog, leaf_hash


@dataclass(frozen=True)
class Break:
    aggregate: UUID
    version: int
    position: int | None  # None: the event is gone
    reason: str


@dataclass
class Verification:
    events: int = 0
    breaks: list[Break] = field(default_factory=list)
    checkpoints: int = 0
    checkpoint_failures: list[str] = field(default_factory=list)
    root: bytes = b""

    @property
    def intact(self) -> bool:
        return not self.breaks and not self.checkpoint_failures


class _Chains:
    """The last hash seen per aggregate while the log is read in store order."""

    def __init__(self, result: Verification) -> None:
        self._last: dict[UUID, tuple[int, bytes]] = {}
        self._result = result

    def check(self, entry: Entry) -> bytes:
        """The event's hash recomputed from its bytes; a break recorded where it differs.
        The chain goes on from the stored hash, so one edited event is one break."""
        known = self._last.get(entry.aggregate)
        if entry.version == 1:
            previous = GENESIS
        elif known and known[0] == entry.version - 1:
            previous = known[1]
        else:
            previous = known[1] if known else GENESIS
            self._break(entry, f"version {entry.version - 1} is missing: an event was deleted")
        digest = chain_hash(previous, entry.aggregate, entry.version, entry.topic, entry.state)
        if entry.chain_hash is None:
            self._break(entry, "no stored hash: written before hashing (run `audit backfill`)")
        elif digest != entry.chain_hash:
            self._break(entry, "the stored event differs from the one hashed when it was written")
        self._last[entry.aggregate] = (entry.version, entry.chain_hash or digest)
        return digest

    def _break(self, entry: Entry, reason: str) -> None:
        self._result.breaks.append(Break(entry.aggregate, entry.version, entry.position, reason))


def verify(
    store: EvidenceStore,
    public: Ed25519PublicKey | None = None,
    held: Sequence[Checkpoint] = (),
) -> Verification:
    """The chains, the hash rows left without an event, and each checkpoint (those stored
    and those an auditor ``held``) against the tree rebuilt from the events' bytes."""
    result = Verification()
    chains, log = _Chains(result), MerkleLog()
    for page in store.all_entries():
        for entry in page:
            log.append(leaf_hash(chains.check(entry)))
        result.events += len(page)
    for aggregate, version in store.orphans():
        result.breaks.append(Break(aggregate, version, None, "a hash whose event was deleted"))
    stored = [Checkpoint.from_json(json.loads(text)) for text in store.checkpoints()]
    for checkpoint in [*stored, *held]:
        problem = checkpoint_problem(checkpoint, log, public)
        if problem:
            result.checkpoint_failures.append(
                f"checkpoint of size {checkpoint.tree_size}: {problem}"
            )
        result.checkpoints += 1
    result.root = log.root()
    return result


def checkpoint_problem(
    checkpoint: Checkpoint, log: MerkleLog, public: Ed25519PublicKey | None
) -> str | None:
    """What is wrong between a signed checkpoint and the log, or None."""
    if public is not None and not checkpoint.verifies_with(public):
        return "its signature does not verify with the published key"
    if checkpoint.tree_size > log.size:
        return f"the log now holds {log.size} events: events were deleted"
    if log.root(checkpoint.tree_size) != checkpoint.root_hash:
        return "the signed root differs: an event it covers was altered, inserted or deleted"
    return None
