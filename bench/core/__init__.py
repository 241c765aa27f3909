"""The `chainmark core` engine: measure the hashing and Merkle kernels against baselines and OpenSSL."""

from bench.core.run import run_core

__all__ = ["run_core"]
