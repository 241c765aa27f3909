"""Detect the host CPU features that select a kernel path (SHA-NI, AVX2, AVX-512)."""

from dataclasses import dataclass

import llvmlite.binding as llvm


@dataclass(frozen=True, slots=True)
class CpuFeatures:
    """The host CPU as LLVM sees it, and the features the kernels care about."""

    name: str
    sha_ni: bool
    avx2: bool
    avx512f: bool


def cpu_features() -> CpuFeatures:
    """Return the host CPU name and the SHA-NI / AVX2 / AVX-512F flags as reported by LLVM."""
    features = llvm.get_host_cpu_features()
    return CpuFeatures(
        name=str(llvm.get_host_cpu_name()),
        sha_ni=bool(features.get("sha", False)),
        avx2=bool(features.get("avx2", False)),
        avx512f=bool(features.get("avx512f", False)),
    )
