"""Merkle roots and proofs against naive reference trees (and pymerkle), tampering, and input checks."""

import hashlib
import random

import numpy as np
import pytest
from Crypto.Hash import keccak
from hypothesis import given, settings
from hypothesis import strategies as st
from pymerkle import InmemoryTree

from bench.kernels import SCHEMES, hash_batch, merkle_proof, merkle_root, verify_proof


def sha256d(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


def bitcoin_root(leaves: list[bytes]) -> bytes:
    """Bitcoin Core's ComputeMerkleRoot: pair adjacent hashes, duplicating an odd last one."""
    level = list(leaves)
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        level = [sha256d(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def rfc6962_root(leaves: list[bytes], hash_name: str = "sha256") -> bytes:
    """RFC 6962 section 2.1 MTH, written recursively from the definition."""

    def h(data: bytes) -> bytes:
        return hashlib.new(hash_name, data).digest()

    if not leaves:
        return h(b"")
    if len(leaves) == 1:
        return h(b"\x00" + leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return h(b"\x01" + rfc6962_root(leaves[:k], hash_name) + rfc6962_root(leaves[k:], hash_name))


def openzeppelin_root(leaves: list[bytes]) -> bytes:
    """@openzeppelin/merkle-tree makeMerkleTree over the sorted leaves, commutative keccak256 nodes."""
    ordered = sorted(leaves)
    tree: list[bytes] = [b""] * (2 * len(ordered) - 1)
    for i, leaf in enumerate(ordered):
        tree[len(tree) - 1 - i] = leaf
    for i in range(len(tree) - 1 - len(ordered), -1, -1):
        a, b = tree[2 * i + 1], tree[2 * i + 2]
        tree[i] = keccak256(min(a, b) + max(a, b))
    return tree[0]


REFERENCE = {
    "bitcoin": bitcoin_root,
    "rfc6962": rfc6962_root,
    "sm3": lambda leaves: rfc6962_root(leaves, "sm3"),
    "openzeppelin": openzeppelin_root,
}


def random_leaves(rng: random.Random, n: int, scheme: str) -> list[bytes]:
    if scheme in ("bitcoin", "openzeppelin"):
        return [rng.randbytes(32) for _ in range(n)]
    return [rng.randbytes(rng.randrange(0, 80)) for _ in range(n)]


SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 33, 100]


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("n", SIZES)
def test_root_matches_reference(scheme: str, n: int) -> None:
    leaves = random_leaves(random.Random(n), n, scheme)
    assert merkle_root(leaves, scheme) == REFERENCE[scheme](leaves)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 64, 100])
def test_rfc6962_root_matches_pymerkle(n: int) -> None:
    leaves = random_leaves(random.Random(n), n, "rfc6962")
    tree = InmemoryTree(algorithm="sha256")
    for leaf in leaves:
        tree.append_entry(leaf)
    assert merkle_root(leaves, "rfc6962") == tree.get_root()


@pytest.mark.parametrize("scheme", ["bitcoin", "openzeppelin"])
def test_array_leaves_match_bytes_leaves(scheme: str) -> None:
    rows = np.random.default_rng(3).integers(0, 256, size=(37, 32), dtype=np.uint8)
    as_bytes = [r.tobytes() for r in rows]
    assert merkle_root(rows, scheme) == merkle_root(as_bytes, scheme)
    assert merkle_proof(rows, 5, scheme) == merkle_proof(as_bytes, 5, scheme)


def test_rfc6962_array_leaves_match_bytes_leaves() -> None:
    rows = np.random.default_rng(4).integers(0, 256, size=(21, 10), dtype=np.uint8)
    assert merkle_root(rows, "rfc6962") == rfc6962_root([r.tobytes() for r in rows])


def tampered_byte(value: bytes, position: int) -> bytes:
    return value[:position] + bytes([value[position] ^ 0x01]) + value[position + 1 :]


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("n", [2, 3, 5, 8, 13, 33])
def test_every_proof_verifies_and_any_change_breaks_it(scheme: str, n: int) -> None:
    rng = random.Random(100 + n)
    leaves = random_leaves(rng, n, scheme)
    root = merkle_root(leaves, scheme)
    for index, leaf in enumerate(leaves):
        proof = merkle_proof(leaves, index, scheme)
        assert verify_proof(leaf, index, proof, root, n, scheme)
        for k in range(len(proof)):
            bad = list(proof)
            bad[k] = tampered_byte(bad[k], rng.randrange(32))
            assert not verify_proof(leaf, index, bad, root, n, scheme)
            bad[k] = rng.randbytes(32)
            assert not verify_proof(leaf, index, bad, root, n, scheme)
        assert not verify_proof(leaf, index, proof, tampered_byte(root, rng.randrange(32)), n, scheme)
        assert not verify_proof(leaf, index, proof[:-1], root, n, scheme)
        assert not verify_proof(leaf, index, [*proof, root], root, n, scheme)
        if leaf:
            assert not verify_proof(
                tampered_byte(leaf, rng.randrange(len(leaf))), index, proof, root, n, scheme
            )
        # MerkleProof.sol hashes pairs commutatively, so an OpenZeppelin proof is not bound to an index.
        if scheme != "openzeppelin":
            for other in {(index + 1) % n, (index - 1) % n, n - 1 - index} - {index}:
                assert not verify_proof(leaf, other, proof, root, n, scheme)


@settings(max_examples=25, deadline=None)
@given(data=st.data(), scheme=st.sampled_from(list(SCHEMES)), n=st.integers(1, 40))
def test_hypothesis_proofs_roundtrip(data: st.DataObject, scheme: str, n: int) -> None:
    width = (
        st.binary(min_size=32, max_size=32)
        if scheme in ("bitcoin", "openzeppelin")
        else st.binary(max_size=70)
    )
    leaves = data.draw(st.lists(width, min_size=n, max_size=n))
    index = data.draw(st.integers(0, n - 1))
    root = merkle_root(leaves, scheme)
    assert root == REFERENCE[scheme](leaves)
    assert verify_proof(leaves[index], index, merkle_proof(leaves, index, scheme), root, n, scheme)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: merkle_root([b"x" * 32], "sha3"), "unknown Merkle scheme 'sha3': expected one of bitcoin"),
        (lambda: merkle_root([], "bitcoin"), "bitcoin Merkle tree needs at least one leaf"),
        (lambda: merkle_root([], "openzeppelin"), "openzeppelin Merkle tree needs at least one leaf"),
        (lambda: merkle_root([b"x" * 31], "bitcoin"), "leaves must be 32 bytes each, leaf 0 is 31 bytes"),
        (lambda: merkle_root(np.zeros((4, 20), np.uint8), "openzeppelin"), "32 bytes each, got rows of 20"),
        (lambda: merkle_root(np.zeros((4, 32), np.int64), "bitcoin"), "dtype uint8, got int64"),
        (lambda: merkle_root(np.zeros(32, np.uint8), "bitcoin"), "must be 2-D"),
        (lambda: merkle_proof([b"x" * 32] * 3, 3, "bitcoin"), r"leaf index must be in 0\.\.2 .* got 3"),
        (lambda: merkle_proof([b"a"], -1, "rfc6962"), r"leaf index must be in 0\.\.0 .* got -1"),
        (lambda: merkle_proof([], 0, "rfc6962"), "leaf index must be in"),
        (lambda: verify_proof(b"x" * 32, 0, [], b"r" * 32, 0, "bitcoin"), "needs at least one leaf"),
        (lambda: verify_proof(b"x" * 32, 0, [b"p"], b"r" * 32, 2, "bitcoin"), r"proof\[0\] must be 32 bytes"),
        (lambda: verify_proof(b"x", 0, [], b"r" * 32, 1, "openzeppelin"), "leaf must be 32 bytes, got 1"),
        (lambda: verify_proof(b"x", 0, [], b"r", 1, "rfc6962"), "root must be 32 bytes, got 1"),
    ],
)
def test_bad_input_raises_value_error(call: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()  # type: ignore[operator]


@pytest.mark.parametrize("scheme", ["bitcoin", "openzeppelin"])
def test_a_list_of_bytes_gives_the_array_root_and_mixed_or_bad_lists_are_still_checked(scheme: str) -> None:
    rows = np.random.default_rng(7).integers(0, 256, size=(5000, 32), dtype=np.uint8)
    rows[3, 28:] = 0  # a leaf ending in zero bytes survives the fixed-width copy
    listed = [r.tobytes() for r in rows]
    expected = merkle_root(rows, scheme)
    assert merkle_root(listed, scheme) == expected == REFERENCE[scheme](listed)
    mixed = [bytearray(leaf) if i % 7 == 0 else leaf for i, leaf in enumerate(listed)]
    assert merkle_root(mixed, scheme) == expected  # other bytes-like leaves take the checked path
    for bad, found in (
        ([*listed[:9], listed[9][:31], *listed[10:]], "leaf 9 is 31 bytes"),
        ([*listed[:9], listed[9] + b"\x00", *listed[10:]], "leaf 9 is 33 bytes"),
        ([*listed[:9], "x" * 32, *listed[10:]], "leaf 9 is str"),
        ([*listed[:9], 7, *listed[10:]], "leaf 9 is int"),
    ):
        with pytest.raises(ValueError, match=found):
            merkle_root(bad, scheme)


@pytest.mark.parametrize(
    "case",
    [
        "spread",
        "small",
        "repeated",
        "shared-prefix",
        "spread, in chunks",
        "repeated across chunks",
        "whole leaves repeated",
        "equal but for the last bits",
    ],
)
def test_the_leaf_sort_is_a_stable_bytewise_sort_pairs_its_leaves_or_declines(case: str) -> None:
    """Leaves whose first 8 bytes are `keys` (big-endian) and the rest random: the order is numpy's stable
    sort of the whole leaves (equal first bytes settled on the rest), the nodes over two sorted leaves are
    hashed into the tree, and leaves that are not spread are declined (the caller sorts by comparison)."""
    from bench.kernels.keccak_soa import tail_words
    from bench.kernels.treekernels import SKEWED, SPILL, sort_leaves, sort_leaves_serial

    rng = np.random.default_rng(3)
    keys = {
        "spread": rng.integers(0, 2**63, 50_000, dtype=np.uint64) * np.uint64(2),
        "small": rng.integers(0, 2**63, 5, dtype=np.uint64),
        "repeated": np.repeat(rng.integers(0, 2**63, 500, dtype=np.uint64), 30),
        "shared-prefix": rng.integers(0, 2**20, SKEWED + 1, dtype=np.uint64),
        # partitioned in chunks; equal keys in different chunks keep their input order
        "spread, in chunks": rng.integers(0, 2**64 - 1, 300_000, dtype=np.uint64, endpoint=True),
        "repeated across chunks": np.tile(rng.integers(0, 2**64 - 1, 100_000, dtype=np.uint64), 3),
        "whole leaves repeated": rng.integers(0, 2**64 - 1, 20_000, dtype=np.uint64, endpoint=True),
        # keys differing only in bits below the index packed into the sort key: settled on the whole leaf
        "equal but for the last bits": np.repeat(rng.integers(0, 2**63, 500, dtype=np.uint64), 30)
        + rng.integers(0, 2**12, 15_000, dtype=np.uint64),
    }[case]
    n = keys.size
    rows = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    rows[:, :8] = keys.astype(">u8").view(np.uint8).reshape(n, 8)
    if case == "whole leaves repeated":
        rows[n // 2 :] = rows[: n - n // 2]
    expected = np.lexsort(rows.view(">u8").astype(np.uint64).T[::-1])
    for sort in (sort_leaves, sort_leaves_serial):  # in parallel chunks, and in this thread
        spill = np.zeros((n + SPILL, 32), np.uint8)
        order = sort(rows.view(np.uint64), spill.view(np.uint64), tail_words(64))
        if case == "shared-prefix":
            assert order.size == 0
            continue
        assert np.array_equal(order, expected)
        # node n - 2 - q is over sorted leaves 2q and 2q + 1
        pairs = rows[order[: 2 * (n // 2)]].reshape(n // 2, 64)
        assert np.array_equal(spill[n - 2 - np.arange(n // 2)], hash_batch("keccak256", pairs))


@pytest.mark.parametrize("n", [8_193, 20_001])
def test_openzeppelin_root_and_proofs_on_levels_hashed_in_parallel(n: int) -> None:
    """Heap levels of 4,096 nodes or more are hashed in parallel chunks of lane groups, straight from the
    children where they lie; a tree with such levels (a partial one too) matches the reference loop."""
    leaves = random_leaves(random.Random(n), n, "openzeppelin")
    leaves[n // 2 : n // 2 + 40] = leaves[:40]  # repeated leaves: ties settled on the whole leaf
    root = merkle_root(leaves, "openzeppelin")
    assert root == openzeppelin_root(leaves)
    for index in (0, n // 3, n - 1):
        assert verify_proof(
            leaves[index], index, merkle_proof(leaves, index, "openzeppelin"), root, n, "openzeppelin"
        )
