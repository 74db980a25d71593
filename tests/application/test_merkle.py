"""The log's Merkle tree against the Certificate Transparency test vectors (RFC 6962), and
every proof of every small tree verified, and none that was tampered with."""

from __future__ import annotations

import pytest

from changeorders.application.merkle import (
    EMPTY_ROOT,
    MerkleLog,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = {
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}
CONSISTENCY = {
    (2, 8): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
}


def log_of(leaves: list[bytes]) -> MerkleLog:
    log = MerkleLog()
    for data in leaves:
        log.append(leaf_hash(data))
    return log


def test_roots_match_the_rfc_6962_test_vectors_for_every_size() -> None:
    log = log_of(LEAVES)
    assert MerkleLog().root() == EMPTY_ROOT
    assert [log.root(size).hex() for size in range(9)] == ROOTS


@pytest.mark.parametrize(("index", "size"), list(INCLUSION))
def test_inclusion_proofs_match_the_test_vectors(index: int, size: int) -> None:
    log = log_of(LEAVES)
    path = log.inclusion(index, size)
    assert [p.hex() for p in path] == INCLUSION[index, size]
    root = bytes.fromhex(ROOTS[size])
    assert verify_inclusion(leaf_hash(LEAVES[index]), index, size, path, root)


@pytest.mark.parametrize(("first", "second"), list(CONSISTENCY))
def test_consistency_proofs_match_the_test_vectors(first: int, second: int) -> None:
    proof = log_of(LEAVES).consistency(first, second)
    assert [p.hex() for p in proof] == CONSISTENCY[first, second]
    roots = bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second])
    assert verify_consistency(first, second, *roots, proof)


def test_every_proof_of_every_small_log_verifies_and_a_tampered_one_does_not() -> None:
    log = log_of([bytes([i, i * 7 % 256]) for i in range(40)])
    leaves = [leaf_hash(bytes([i, i * 7 % 256])) for i in range(40)]
    for size in range(1, 41):
        root = log.root(size)
        for index in range(size):
            path = log.inclusion(index, size)
            assert verify_inclusion(leaves[index], index, size, path, root)
            assert not verify_inclusion(leaves[index], index, size, [*path, root], root)
            if path:
                bad = [bytes([path[0][0] ^ 1]) + path[0][1:], *path[1:]]
                assert not verify_inclusion(leaves[index], index, size, bad, root)
        for first in range(size + 1):
            proof = log.consistency(first, size)
            assert verify_consistency(first, size, log.root(first), root, proof)
            if 0 < first < size:
                assert not verify_consistency(first, size, log.root(first), root, proof[:-1])
                assert not verify_consistency(first, size, root, root, proof)


def test_a_log_that_rewrote_an_entry_is_not_consistent_with_its_old_root() -> None:
    old = log_of(LEAVES[:6])
    rewritten = log_of([*LEAVES[:3], b"changed", *LEAVES[4:]])
    proof = rewritten.consistency(6, 8)
    assert not verify_consistency(6, 8, old.root(), rewritten.root(), proof)
