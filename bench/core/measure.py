"""Time the kernels, their Python baselines and Merkle roots (best of N, steady state, no compile)."""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from Crypto.Hash import keccak

from bench.kernels import hash_batch, merkle_root


@dataclass(frozen=True, slots=True)
class KernelPoint:
    """A kernel's steady-state cost for `messages` messages of `message_bytes` bytes on `threads` threads."""

    algorithm: str
    message_bytes: int
    threads: int
    path: str
    messages: int
    best_seconds: float
    blocks_per_message: int

    @property
    def ns_per_message(self) -> float:
        return self.best_seconds / self.messages * 1e9

    @property
    def ns_per_block(self) -> float:
        """Per compression (SHA-256, SM3) or per Keccak-f permutation."""
        return self.ns_per_message / self.blocks_per_message

    @property
    def megabytes_per_second(self) -> float:
        return self.messages * self.message_bytes / self.best_seconds / 1e6


@dataclass(frozen=True, slots=True)
class BaselinePoint:
    """A pure-library loop (hashlib, pycryptodome) hashing `message_bytes`-byte messages one by one."""

    algorithm: str
    message_bytes: int
    library: str
    ns_per_message: float


@dataclass(frozen=True, slots=True)
class MerklePoint:
    """A Merkle root of `leaves` random leaves; `ideal_seconds` = hashes x the kernel's own per-hash cost."""

    scheme: str
    leaves: int
    threads: int
    best_seconds: float
    hashes: int
    ideal_seconds: float
    list_seconds: float | None = None  # the same root from a Python list of `bytes`, the input users have

    @property
    def ratio_to_ideal(self) -> float:
        return self.best_seconds / self.ideal_seconds


@dataclass(frozen=True, slots=True)
class MerkleBaseline:
    """The same root built by a reference library (a hashlib / pycryptodome loop, or pymerkle)."""

    scheme: str
    leaves: int
    library: str
    seconds: float


def best_of(repeats: int, call: Callable[[], object]) -> float:
    """The fastest of `repeats` timed calls, after one untimed warm-up call (compile, caches, pages)."""
    call()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def blocks_per_message(algorithm: str, message_bytes: int) -> int:
    """Compressions (SHA-256, SM3) or permutations (Keccak-256, rate 136) per message."""
    if algorithm == "keccak256":
        return message_bytes // 136 + 1
    blocks = (message_bytes + 9 + 63) // 64
    return blocks + 1 if algorithm == "sha256d" else blocks


def random_rows(n: int, width: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(n, width), dtype=np.uint8)


def time_kernel(algorithm: str, rows: np.ndarray, threads: int, path: str, repeats: int) -> KernelPoint:
    seconds = best_of(repeats, lambda: hash_batch(algorithm, rows))
    n, width = rows.shape
    return KernelPoint(algorithm, width, threads, path, n, seconds, blocks_per_message(algorithm, width))


def library_hash(algorithm: str) -> tuple[str, Callable[[bytes], bytes]]:
    """The reference implementation of `algorithm`: (library name, one-message hash function)."""
    if algorithm == "sha256":
        return "hashlib", lambda m: hashlib.sha256(m).digest()
    if algorithm == "sha256d":
        return "hashlib", lambda m: hashlib.sha256(hashlib.sha256(m).digest()).digest()
    if algorithm == "keccak256":
        return "pycryptodome", lambda m: keccak.new(digest_bits=256, data=m).digest()
    return "hashlib", lambda m: hashlib.new("sm3", m).digest()


def time_baseline(algorithm: str, rows: np.ndarray, repeats: int) -> BaselinePoint:
    library, digest = library_hash(algorithm)
    messages = [row.tobytes() for row in rows]
    seconds = best_of(repeats, lambda: [digest(m) for m in messages])
    return BaselinePoint(algorithm, rows.shape[1], library, seconds / len(messages) * 1e9)


def merkle_hashes(scheme: str, leaves: int) -> int:
    """Hash calls a root of `leaves` leaves costs: leaf hashes (RFC 6962 layouts) plus internal nodes."""
    if scheme != "bitcoin":
        return leaves - 1 + (leaves if scheme in ("rfc6962", "sm3") else 0)
    total, m = 0, leaves
    while m > 1:
        m = (m + 1) // 2
        total += m
    return total


def per_hash_seconds(scheme: str, repeats: int, n: int) -> tuple[float, float]:
    """(leaf hash, node hash) cost of one call of the scheme's kernel, from a batch of n."""
    if scheme in ("bitcoin", "openzeppelin"):
        pairs = random_rows(n, 64)
        algorithm = "sha256d" if scheme == "bitcoin" else "keccak256"
        return 0.0, best_of(repeats, lambda: hash_batch(algorithm, pairs)) / n
    algorithm = "sha256" if scheme == "rfc6962" else "sm3"
    leaf_rows, node_rows = random_rows(n, 33), random_rows(n, 65)
    leaf = best_of(repeats, lambda: hash_batch(algorithm, leaf_rows)) / n
    node = best_of(repeats, lambda: hash_batch(algorithm, node_rows)) / n
    return leaf, node


def time_merkle(
    scheme: str, leaves: int, threads: int, repeats: int, per_hash: tuple[float, float]
) -> MerklePoint:
    rows = random_rows(leaves, 32, seed=leaves)
    listed = [row.tobytes() for row in rows]
    seconds = best_of(repeats, lambda: merkle_root(rows, scheme))
    from_list = best_of(repeats, lambda: merkle_root(listed, scheme))
    leaf_cost, node_cost = per_hash
    leaf_hashes = leaves if scheme in ("rfc6962", "sm3") else 0
    ideal = leaf_hashes * leaf_cost + (merkle_hashes(scheme, leaves) - leaf_hashes) * node_cost
    return MerklePoint(scheme, leaves, threads, seconds, merkle_hashes(scheme, leaves), ideal, from_list)
