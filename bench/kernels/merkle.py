"""Merkle roots, inclusion proofs and proof checks for the Bitcoin, RFC 6962, SM3 and OpenZeppelin schemes.

Schemes:

- "bitcoin": leaves are 32-byte txids in internal byte order; node = sha256d(left || right); an odd node
  at any level is paired with itself.
- "rfc6962": leaves are any byte strings; leaf hash SHA-256(0x00 || leaf), node SHA-256(0x01 || l || r),
  split at the largest power of two below n (RFC 6962 section 2.1). Built level by level, the odd last node
  of a level is carried up unchanged, which gives the same tree. The empty tree's root is SHA-256("").
- "sm3": the RFC 6962 layout with SM3 as the hash (for national-cryptography consortium chains).
- "openzeppelin": leaves are 32-byte leaf hashes; the tree of `@openzeppelin/merkle-tree`'s
  SimpleMerkleTree (sorted leaves, keccak256 of the sorted pair, heap array layout), so proofs verify
  with `MerkleProof.sol`, whose commutative hashing does not bind a proof to a leaf index.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bench.kernels.bytes_list import rows_of_bytes
from bench.kernels.hashing import SERIAL_MAX_MESSAGES, SHA_NI, as_matrix, hash_batch, hash_rows
from bench.kernels.keccak_soa import tail_words
from bench.kernels.threads import dynamic_chunks
from bench.kernels.treekernels import (
    SPILL,
    pair_nodes,
    pair_nodes_range,
    sort_leaves,
    sort_leaves_serial,
)

Leaves = np.ndarray | Sequence[bytes]
_PAIR_PADDING = tail_words(64)  # Keccak-256's padding of a 64-byte message (a sorted pair)


@dataclass(frozen=True, slots=True)
class Scheme:
    """How a scheme hashes: its layout and its hash algorithm."""

    name: str
    layout: str  # "duplicate-odd", "rfc6962" or "sorted-heap"
    algorithm: str


SCHEMES = {
    "bitcoin": Scheme("bitcoin", "duplicate-odd", "sha256d"),
    "rfc6962": Scheme("rfc6962", "rfc6962", "sha256"),
    "sm3": Scheme("sm3", "rfc6962", "sm3"),
    "openzeppelin": Scheme("openzeppelin", "sorted-heap", "keccak256"),
}


def get_scheme(name: str) -> Scheme:
    """Return the scheme called `name` or raise ValueError listing the valid names."""
    try:
        return SCHEMES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown Merkle scheme {name!r}: expected one of {', '.join(SCHEMES)}") from None


def _rows32(leaves: Leaves, scheme: Scheme) -> np.ndarray:
    if isinstance(leaves, np.ndarray):
        rows = as_matrix(leaves)
        if rows.shape[1] != 32:
            raise ValueError(f"{scheme.name} leaves must be 32 bytes each, got rows of {rows.shape[1]} bytes")
        return rows
    listed = rows_of_bytes(leaves, 32)  # a list of exact 32-byte `bytes`, read in one pass
    if listed is not None:
        return listed
    if set(map(type, leaves)) == {bytes} and set(map(len, leaves)) == {32}:
        # Another sequence of 32-byte `bytes`: two C-speed passes check it, then numpy copies it
        # as fixed-width strings (3x faster than b"".join, which then needs no per-leaf Python loop).
        return np.array(leaves, dtype="S32").view(np.uint8).reshape(-1, 32)
    for i, leaf in enumerate(leaves):
        if not isinstance(leaf, bytes | bytearray | memoryview) or len(leaf) != 32:
            got = (
                f"{len(leaf)} bytes"
                if isinstance(leaf, bytes | bytearray | memoryview)
                else type(leaf).__name__
            )
            raise ValueError(f"{scheme.name} leaves must be 32 bytes each, leaf {i} is {got}")
    return np.frombuffer(b"".join(leaves), dtype=np.uint8).reshape(-1, 32)


def _leaf_hashes(leaves: Leaves, scheme: Scheme) -> np.ndarray:
    if scheme.layout != "rfc6962":
        return _rows32(leaves, scheme)
    if isinstance(leaves, np.ndarray):
        return hash_rows(scheme.algorithm, as_matrix(leaves), sha_ni=SHA_NI, prefix=0)
    if isinstance(leaves, str | bytes | bytearray | memoryview):
        raise ValueError(
            f"leaves must be a sequence of bytes or a 2-D uint8 array, got {type(leaves).__name__}"
        )
    return hash_batch(scheme.algorithm, [b"\x00" + bytes(leaf) for leaf in leaves])


def _parents(level: np.ndarray, scheme: Scheme, buffer: np.ndarray | None = None) -> np.ndarray:
    """The next level up (into `buffer` rows if given): pairs hashed, an odd last node handled per scheme."""
    m = level.shape[0]
    pairs, odd = m // 2, m % 2
    out = np.empty((pairs + odd, 32), dtype=np.uint8) if buffer is None else buffer[: pairs + odd]
    joined = level[: 2 * pairs].reshape(pairs, 64)
    if scheme.layout == "duplicate-odd":
        hash_rows(scheme.algorithm, joined, sha_ni=SHA_NI, out=out[:pairs])
        if odd:
            twice = np.concatenate([level[-1], level[-1]]).reshape(1, 64)
            hash_rows(scheme.algorithm, twice, sha_ni=SHA_NI, out=out[pairs:])
    else:
        hash_rows(scheme.algorithm, joined, sha_ni=SHA_NI, out=out[:pairs], prefix=1)
        if odd:
            out[pairs] = level[-1]
    return out


def _levels(leaves: Leaves, scheme: Scheme) -> list[np.ndarray]:
    levels = [_leaf_hashes(leaves, scheme)]
    while levels[-1].shape[0] > 1:
        levels.append(_parents(levels[-1], scheme))
    return levels


def _level_root(leaves: Leaves, scheme: Scheme) -> bytes:
    """The root alone, levels alternating between two preallocated buffers (no per-level allocation)."""
    level = _leaf_hashes(leaves, scheme)
    m = level.shape[0]
    buffers = [np.empty(((m + 1) // 2, 32), np.uint8), np.empty(((m + 3) // 4, 32), np.uint8)]
    depth = 0
    while level.shape[0] > 1:
        level = _parents(level, scheme, buffers[depth % 2])
        depth += 1
    return bytes(level[0])


@dataclass(frozen=True, slots=True)
class _SortedHeap:
    """OpenZeppelin's node array of n leaves: rows 0..n-2 the internal nodes (`internal`), rows n-1..2n-2 the
    leaves in reverse sorted order, read in place from `rows` through `order` (the input index of the k-th
    smallest leaf, which sits at row 2n - 2 - k) instead of copied into the array."""

    internal: np.ndarray
    rows: np.ndarray
    order: np.ndarray

    def node(self, i: int) -> np.ndarray:
        m = self.internal.shape[0]
        return self.internal[i] if i < m else self.rows[self.order[2 * m - i]]

    @property
    def root(self) -> np.ndarray:
        return self.node(0)


def _sorted_heap(leaves: Leaves, scheme: Scheme) -> _SortedHeap:
    rows = _rows32(leaves, scheme)
    n = rows.shape[0]
    # Every node's children lie side by side: a node over two leaves is the pair of sorted leaves 2p, 2p + 1
    # (node n - 2 - p), an inner node i the rows 2i + 1, 2i + 2 of the tree. The sort hashes the first kind
    # while it has the leaves at hand (`sort_leaves`); the levels above are hashed from the tree, one level
    # at a time. The sort leaves the leaves in the tree's rows and SPILL more (`spill`) until it sorts them.
    spill = np.empty((n + SPILL, 32), dtype=np.uint8)
    internal = spill[: n - 1]
    tree64, padding = internal.view(np.uint64), _PAIR_PADDING
    words = tree64.reshape(-1)
    # The nodes over two leaves are over_leaves .. n - 2; those over two inner nodes 0 .. inner - 1.
    over_leaves, inner = (n - 1) // 2, (n - 2) // 2
    order = np.zeros(1, np.int64)
    if 1 < n < SERIAL_MAX_MESSAGES:
        order = sort_leaves_serial(rows.view(np.uint64), spill.view(np.uint64), padding)
    elif n > 1:
        with dynamic_chunks():
            order = sort_leaves(rows.view(np.uint64), spill.view(np.uint64), padding)
    if order.size != n:  # not spread (a shared prefix, many equal leaves): a comparison sort
        order = np.lexsort(rows.view(">u8").astype(np.uint64).T[::-1])
        placed = rows[order].view(np.uint64).reshape(-1)
        _pair_nodes(tree64, placed, 8 * (n - 2), -8, over_leaves, n - 1, padding)
    # Heap level d holds rows 2**d - 1 .. 2**(d+1) - 2 (a level's children lie below it).
    for depth in range(over_leaves.bit_length() - 1, -1, -1) if n > 2 else ():
        lo, hi = (1 << depth) - 1, (1 << (depth + 1)) - 1
        _pair_nodes(tree64, words, 4, 8, lo, min(hi, inner), padding)
        if lo <= inner < min(hi, over_leaves):
            # n odd: node `inner` is over the last inner node (row n - 2) and the largest leaf.
            pair = np.concatenate((tree64[n - 2], rows[order[n - 1]].view(np.uint64)))
            pair_nodes_range(tree64, pair, 0, 0, inner, inner + 1, padding)
    return _SortedHeap(internal, rows, order)


def _pair_nodes(
    tree64: np.ndarray, words: np.ndarray, first: int, step: int, lo: int, hi: int, padding: np.ndarray
) -> None:
    if hi - lo < SERIAL_MAX_MESSAGES:
        pair_nodes_range(tree64, words, first, step, lo, hi, padding)
    else:
        with dynamic_chunks():
            pair_nodes(tree64, words, first, step, lo, hi, padding)


def _require_leaves(n: int, scheme: Scheme) -> None:
    if n == 0 and scheme.layout != "rfc6962":
        raise ValueError(f"a {scheme.name} Merkle tree needs at least one leaf, got none")


def merkle_root(leaves: Leaves, scheme: str) -> bytes:
    """Return the 32-byte Merkle root of `leaves` under `scheme` (see the module docstring)."""
    spec = get_scheme(scheme)
    _require_leaves(len(leaves), spec)
    if len(leaves) == 0:
        return bytes(hash_batch(spec.algorithm, [b""])[0])
    if spec.layout == "sorted-heap":
        return bytes(_sorted_heap(leaves, spec).root)
    return _level_root(leaves, spec)


def _check_index(index: int, n: int) -> None:
    if not 0 <= index < n:
        raise ValueError(f"leaf index must be in 0..{n - 1} for a tree of {n} leaves, got {index}")


def merkle_proof(leaves: Leaves, index: int, scheme: str) -> list[bytes]:
    """Return the inclusion proof of leaf `index`: sibling hashes from the leaf level up to the root."""
    spec = get_scheme(scheme)
    _require_leaves(len(leaves), spec)
    _check_index(index, len(leaves))
    if spec.layout == "sorted-heap":
        heap = _sorted_heap(leaves, spec)
        proof, i = [], 2 * heap.internal.shape[0] - int(np.flatnonzero(heap.order == index)[0])
        while i > 0:
            proof.append(bytes(heap.node(i + 1 if i % 2 else i - 1)))
            i = (i - 1) // 2
        return proof
    proof, pos = [], index
    for level in _levels(leaves, spec)[:-1]:
        sibling = pos ^ 1
        if sibling < level.shape[0]:
            proof.append(bytes(level[sibling]))
        elif spec.layout == "duplicate-odd":
            proof.append(bytes(level[pos]))
        pos >>= 1
    return proof


def _hash1(algorithm: str, message: bytes) -> bytes:
    return bytes(hash_batch(algorithm, [message])[0])


def _check_bytes(name: str, value: object, length: int | None) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise ValueError(f"{name} must be bytes, got {type(value).__name__}")
    if length is not None and len(value) != length:
        raise ValueError(f"{name} must be {length} bytes, got {len(value)}")
    return bytes(value)


def verify_proof(
    leaf: bytes, index: int, proof: Sequence[bytes], root: bytes, n_leaves: int, scheme: str
) -> bool:
    """Return True if `proof` shows that `leaf` is leaf `index` of the `n_leaves`-leaf tree with `root`."""
    spec = get_scheme(scheme)
    _require_leaves(n_leaves, spec)
    _check_index(index, n_leaves)
    leaf = _check_bytes("leaf", leaf, None if spec.layout == "rfc6962" else 32)
    root = _check_bytes("root", root, 32)
    path = [_check_bytes(f"proof[{i}]", p, 32) for i, p in enumerate(proof)]
    if spec.layout == "sorted-heap":
        return _verify_sorted(leaf, path, root, n_leaves)
    if spec.layout == "duplicate-odd":
        return _verify_duplicate_odd(leaf, index, path, root, n_leaves, spec.algorithm)
    return _verify_rfc6962(
        _hash1(spec.algorithm, b"\x00" + leaf), index, path, root, n_leaves, spec.algorithm
    )


def _verify_sorted(leaf: bytes, path: list[bytes], root: bytes, n_leaves: int) -> bool:
    """OpenZeppelin MerkleProof.processProof: fold the commutative keccak256 hash over the proof."""
    if not (n_leaves.bit_length() - 1 <= len(path) <= (2 * n_leaves - 1).bit_length() - 1):
        return False
    node = leaf
    for sibling in path:
        node = _hash1("keccak256", min(node, sibling) + max(node, sibling))
    return node == root


def _verify_duplicate_odd(
    leaf: bytes, index: int, path: list[bytes], root: bytes, n_leaves: int, algorithm: str
) -> bool:
    if len(path) != (n_leaves - 1).bit_length():
        return False
    node, pos, m = leaf, index, n_leaves
    for sibling in path:
        if pos % 2:
            node = _hash1(algorithm, sibling + node)
        else:
            if pos == m - 1 and sibling != node:
                return False
            node = _hash1(algorithm, node + sibling)
        pos, m = pos >> 1, (m + 1) >> 1
    return node == root


def _verify_rfc6962(
    leaf_hash: bytes, index: int, path: list[bytes], root: bytes, n_leaves: int, algorithm: str
) -> bool:
    """RFC 9162 section 2.1.3.2, the inclusion proof check for RFC 6962 trees."""
    fn, sn, node = index, n_leaves - 1, leaf_hash
    for sibling in path:
        if sn == 0:
            return False
        if fn % 2 or fn == sn:
            node = _hash1(algorithm, b"\x01" + sibling + node)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            node = _hash1(algorithm, b"\x01" + node + sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and node == root
