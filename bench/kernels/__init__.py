"""numba hashing and Merkle kernels: SHA-256, SHA-256d, Keccak-256 and SM3 batches, and Merkle trees.

A leaf package: it imports nothing else of `bench`, and it is the only package that imports numba.
"""

from bench.kernels.cpu import CpuFeatures, cpu_features
from bench.kernels.hashing import ALGORITHMS, SHA_NI, hash_batch, hash_rows
from bench.kernels.merkle import SCHEMES, merkle_proof, merkle_root, verify_proof
from bench.kernels.threads import get_threads, max_threads, set_threads

__all__ = [
    "ALGORITHMS",
    "SCHEMES",
    "SHA_NI",
    "CpuFeatures",
    "cpu_features",
    "get_threads",
    "hash_batch",
    "hash_rows",
    "max_threads",
    "merkle_proof",
    "merkle_root",
    "set_threads",
    "verify_proof",
]
