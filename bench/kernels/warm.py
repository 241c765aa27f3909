"""Compile every kernel path once into numba's on-disk cache (`make setup` runs this), so that the first call
in a fresh process loads machine code instead of compiling it: `python -m bench.kernels.warm`.

numba compiles a function on its first call for each argument-type signature and, with `cache=True`,
keeps the result beside the source. Small inputs take the serial kernels and large ones the threaded
kernels, and each Merkle layout has kernels of its own, so every public entry point is called at both
sizes. The cache is invalidated when a kernel's source changes; running this again refills it.
"""

import time

import numpy as np

from bench.kernels.hashing import ALGORITHMS, SERIAL_MAX_MESSAGES, hash_batch
from bench.kernels.merkle import SCHEMES, merkle_proof, merkle_root, verify_proof

# Above the serial cut-off, so the threaded kernels compile too.
LARGE = 4 * SERIAL_MAX_MESSAGES


def warm() -> float:
    """Call every kernel path at a small and a large size; the seconds it took."""
    started = time.perf_counter()
    rng = np.random.default_rng(0)
    for n in (3, LARGE):
        for width in (32, 64, 65, 200):
            rows = rng.integers(0, 256, size=(n, width), dtype=np.uint8)
            for algorithm in ALGORITHMS:
                hash_batch(algorithm, rows)
                hash_batch(algorithm, [bytes(r) for r in rows[:3]])
        leaves = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
        listed = [bytes(r) for r in leaves]
        for scheme in SCHEMES:
            root = merkle_root(leaves, scheme)
            merkle_root(listed, scheme)
            proof = merkle_proof(leaves, 1, scheme)
            verify_proof(listed[1], 1, proof, root, n, scheme)
    return time.perf_counter() - started


if __name__ == "__main__":
    print(f"numba kernels compiled into the cache in {warm():.1f} s")
