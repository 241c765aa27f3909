"""Merkle roots built the ordinary way, as the baselines: hashlib / pycryptodome loops and pymerkle."""

import hashlib
import time
from collections.abc import Callable

from Crypto.Hash import keccak

from bench.core.measure import MerkleBaseline


def _sha256d(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def bitcoin_root(leaves: list[bytes]) -> bytes:
    """Bitcoin Core's ComputeMerkleRoot as a hashlib loop."""
    level = list(leaves)
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        level = [_sha256d(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def rfc6962_layout_root(leaves: list[bytes], name: str) -> bytes:
    """RFC 6962 tree head with hashlib's `name` hash, level by level (the odd last node moves up)."""
    level = [hashlib.new(name, b"\x00" + leaf).digest() for leaf in leaves]
    while len(level) > 1:
        parents = [
            hashlib.new(name, b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)
        ]
        level = parents + level[-1:] if len(level) % 2 else parents
    return level[0]


def openzeppelin_root(leaves: list[bytes]) -> bytes:
    """@openzeppelin/merkle-tree's SimpleMerkleTree root as a pycryptodome loop."""
    ordered = sorted(leaves)
    tree = [b""] * (len(ordered) - 1) + ordered[::-1]
    for i in range(len(ordered) - 2, -1, -1):
        a, b = tree[2 * i + 1], tree[2 * i + 2]
        tree[i] = keccak.new(digest_bits=256, data=min(a, b) + max(a, b)).digest()
    return tree[0]


def pymerkle_root(leaves: list[bytes]) -> bytes:
    """pymerkle's in-memory RFC 6962 / RFC 9162 tree."""
    from pymerkle import InmemoryTree  # a test dependency: imported only when this baseline runs

    tree = InmemoryTree(algorithm="sha256")
    for leaf in leaves:
        tree.append_entry(leaf)
    return bytes(tree.get_root())


def baselines_for(scheme: str) -> list[tuple[str, Callable[[list[bytes]], bytes]]]:
    """The (library, root function) baselines of a scheme; pymerkle only when it is installed."""
    if scheme == "bitcoin":
        return [("hashlib loop", bitcoin_root)]
    if scheme == "openzeppelin":
        return [("pycryptodome loop", openzeppelin_root)]
    if scheme == "sm3":
        return [("hashlib loop", lambda leaves: rfc6962_layout_root(leaves, "sm3"))]
    found = [("hashlib loop", lambda leaves: rfc6962_layout_root(leaves, "sha256"))]
    try:
        import pymerkle  # noqa: F401
    except ImportError:
        return found
    return [*found, ("pymerkle", pymerkle_root)]


def time_merkle_baseline(
    scheme: str, library: str, build: Callable[[list[bytes]], bytes], leaves: list[bytes]
):
    start = time.perf_counter()
    build(leaves)
    return MerkleBaseline(scheme, len(leaves), library, time.perf_counter() - start)
