"""pytest-benchmark micro benchmarks: each numba kernel and Merkle scheme next to its library baseline.

Run side by side with `make bench-kernels` (`pytest tests/bench_kernels.py --benchmark-enable
--benchmark-only --benchmark-group-by=group`). In the normal suite benchmarks are disabled, so each body
runs once, on small inputs, as a correctness smoke test.
"""

import hashlib
from collections.abc import Callable

import numpy as np
import pytest
from Crypto.Hash import keccak

from bench.core.baselines import baselines_for
from bench.kernels import ALGORITHMS, SCHEMES, hash_batch, merkle_root

MESSAGES = 1 << 18  # 64-byte messages per call when benchmarking (a Merkle level of 2**19 leaves)
LEAVES = 1 << 16  # Merkle leaves when benchmarking (the pure-Python baselines take ~1 s here)
SMOKE = 64  # messages / leaves when benchmarks are disabled


def library(algorithm: str) -> Callable[[bytes], bytes]:
    if algorithm == "sha256":
        return lambda m: hashlib.sha256(m).digest()
    if algorithm == "sha256d":
        return lambda m: hashlib.sha256(hashlib.sha256(m).digest()).digest()
    if algorithm == "keccak256":
        return lambda m: keccak.new(digest_bits=256, data=m).digest()
    return lambda m: hashlib.new("sm3", m).digest()


def rows(n: int, width: int) -> np.ndarray:
    return np.random.default_rng(n).integers(0, 256, size=(n, width), dtype=np.uint8)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_bench_kernel_numba(benchmark, algorithm: str) -> None:
    benchmark.group = f"hash {algorithm} 64-byte messages"
    data = rows(SMOKE if benchmark.disabled else MESSAGES, 64)
    digests = benchmark(hash_batch, algorithm, data)
    assert digests[0].tobytes() == library(algorithm)(data[0].tobytes())


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_bench_kernel_baseline(benchmark, algorithm: str) -> None:
    benchmark.group = f"hash {algorithm} 64-byte messages"
    messages = [r.tobytes() for r in rows(SMOKE if benchmark.disabled else MESSAGES, 64)]
    digest = library(algorithm)
    digests = benchmark.pedantic(lambda: [digest(m) for m in messages], rounds=3, iterations=1)
    assert digests[0] == digest(messages[0])


@pytest.mark.parametrize("scheme", SCHEMES)
def test_bench_merkle_numba(benchmark, scheme: str) -> None:
    benchmark.group = f"merkle {scheme}"
    leaves = rows(SMOKE if benchmark.disabled else LEAVES, 32)
    root = benchmark(merkle_root, leaves, scheme)
    assert root == baselines_for(scheme)[0][1]([r.tobytes() for r in leaves])


@pytest.mark.parametrize(
    ("scheme", "which"),
    [(s, i) for s in SCHEMES for i in range(len(baselines_for(s)))],
)
def test_bench_merkle_baseline(benchmark, scheme: str, which: int) -> None:
    name, build = baselines_for(scheme)[which]
    benchmark.group = f"merkle {scheme}"
    benchmark.name = f"merkle {scheme} {name}"
    leaves = [r.tobytes() for r in rows(SMOKE if benchmark.disabled else LEAVES, 32)]
    root = benchmark.pedantic(build, args=(leaves,), rounds=3, iterations=1)
    assert root == merkle_root(leaves, scheme)
