"""numba hashing and Merkle kernels: SHA-256, SHA-256d, Keccak-256 and SM3 batches, and Merkle trees.

A leaf package: it imports nothing else of `bench`, and it is the only package that imports numba.
"""

from bench.kernels.cpu import CpuFeatures, cpu_features
from bench.kernels.hashing import ALGORITHMS, hash_batch
from bench.kernels.merkle import SCHEMES, merkle_proof, merkle_root, verify_proof

__all__ = [
    "ALGORITHMS",
    "SCHEMES",
    "CpuFeatures",
    "cpu_features",
    "hash_batch",
    "merkle_proof",
    "merkle_root",
    "verify_proof",
]
