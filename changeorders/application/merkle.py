"""A Merkle tree over the event log, as Certificate Transparency builds one (RFC 6962 / 9162).

Leaf hash ``SHA-256(0x00 || data)``, node hash ``SHA-256(0x01 || left || right)``, the tree
of ``n`` leaves split at the largest power of two below ``n``. Inclusion proofs (an event is
in the log of size ``n``) and consistency proofs (the log of size ``m`` is a prefix of the
log of size ``n``) are the RFC's audit paths, so any RFC 9162 verifier checks them; the
verifiers below are the RFC's algorithms (section 2.1.3.2 and 2.1.4.2).

No library is used: pymerkle 7 hashes the same way but proves in its own format (a path
with rule and subset bitmaps), which an auditor's CT tooling cannot read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleLog:
    """Leaf hashes appended in log order, with every complete subtree's hash kept, so a
    root or a proof for any size costs O(log n) hashes."""

    def __init__(self) -> None:
        self._levels: list[list[bytes]] = [[]]

    @property
    def size(self) -> int:
        return len(self._levels[0])

    def append(self, leaf: bytes) -> None:
        level, node = 0, leaf
        while True:
            row = self._levels[level]
            row.append(node)
            if len(row) % 2:
                return
            node = node_hash(row[-2], row[-1])
            level += 1
            if level == len(self._levels):
                self._levels.append([])

    def root(self, size: int | None = None) -> bytes:
        size = self.size if size is None else size
        self._check(size)
        return self._subtree(0, size) if size else EMPTY_ROOT

    def inclusion(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[0:size]): the audit path of leaf ``index`` (0-based)."""
        size = self.size if size is None else size
        self._check(size)
        if not 0 <= index < size:
            raise ValueError(f"leaf {index} is not in a log of {size}")
        return self._path(index, 0, size)

    def consistency(self, first: int, second: int | None = None) -> list[bytes]:
        """PROOF(first, D[0:second]): the log of size ``first`` is a prefix of ``second``."""
        second = self.size if second is None else second
        self._check(second)
        if not 0 <= first <= second:
            raise ValueError(f"a log of {first} cannot be a prefix of one of {second}")
        if first in (0, second):
            return []
        return self._subproof(first, 0, second, complete=True)

    def _check(self, size: int) -> None:
        if not 0 <= size <= self.size:
            raise ValueError(f"the log holds {self.size} entries, not {size}")

    def _subtree(self, low: int, high: int) -> bytes:
        width = high - low
        if width & (width - 1) == 0 and low % width == 0:
            level = width.bit_length() - 1
            return self._levels[level][low >> level]
        k = _split(width)
        return node_hash(self._subtree(low, low + k), self._subtree(low + k, high))

    def _path(self, index: int, low: int, high: int) -> list[bytes]:
        if high - low == 1:
            return []
        k = _split(high - low)
        if index < k:
            return [*self._path(index, low, low + k), self._subtree(low + k, high)]
        return [*self._path(index - k, low + k, high), self._subtree(low, low + k)]

    def _subproof(self, m: int, low: int, high: int, *, complete: bool) -> list[bytes]:
        n = high - low
        if m == n:
            return [] if complete else [self._subtree(low, high)]
        k = _split(n)
        if m <= k:
            return [
                *self._subproof(m, low, low + k, complete=complete),
                self._subtree(low + k, high),
            ]
        return [*self._subproof(m - k, low + k, high, complete=False), self._subtree(low, low + k)]


def verify_inclusion(
    leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 2.1.3.2: does ``path`` lead from leaf ``index`` to ``root``?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2: is the log of ``first`` entries a prefix of the one of ``second``?"""
    if not 0 <= first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    if not proof:
        return False
    path = [first_root, *proof] if first & (first - 1) == 0 else list(proof)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0
