"""Measure numba start-up: import and first call in a fresh process, with a cold and then a warm cache."""

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import bench

_CHILD = """
import json, sys, time
start = time.perf_counter()
import numpy as np
from bench.kernels import hash_batch
imported = time.perf_counter()
hash_batch(sys.argv[1], np.zeros((1000, 64), np.uint8))
print(json.dumps([imported - start, time.perf_counter() - imported]))
"""


# The first full-size Merkle root after a small one: the small call compiles only the serial kernels, so
# without the cache the large call compiles the threaded ones (seconds) in the middle of a user's work.
_MERKLE_CHILD = """
import json, sys, time
start = time.perf_counter()
import numpy as np
from bench.kernels import merkle_root
imported = time.perf_counter()
leaves = np.random.default_rng(0).integers(0, 256, size=(1 << 20, 32), dtype=np.uint8)
merkle_root(leaves[:3], sys.argv[1])
begun = time.perf_counter()
merkle_root(leaves, sys.argv[1])
print(json.dumps([imported - start, time.perf_counter() - begun]))
"""
MERKLE_PREFIX = "merkle "  # compile_algorithms entries "merkle <scheme>" time the full-size Merkle call


@dataclass(frozen=True, slots=True)
class CompileTime:
    """Seconds to import bench.kernels and to make the first hash_batch call on 1000 64-byte rows (or, for
    "merkle <scheme>", the first merkle_root of 2^20 leaves after a 3-leaf one)."""

    algorithm: str
    cold_import_seconds: float
    cold_first_call_seconds: float
    cached_import_seconds: float
    cached_first_call_seconds: float


def _child(algorithm: str, cache_dir: str) -> tuple[float, float]:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(bench.__file__).parent.parent), env.get("PYTHONPATH", "")])
    code, argument = _CHILD, algorithm
    if algorithm.startswith(MERKLE_PREFIX):
        code, argument = _MERKLE_CHILD, algorithm.removeprefix(MERKLE_PREFIX)
    result = subprocess.run(
        [sys.executable, "-c", code, argument], capture_output=True, text=True, check=True, env=env
    )
    imported, first_call = json.loads(result.stdout.strip().splitlines()[-1])
    return float(imported), float(first_call)


def measure_compile(algorithm: str) -> CompileTime:
    """Run the child twice on one fresh numba cache folder: the first compiles, the second loads the cache."""
    with tempfile.TemporaryDirectory(prefix="chainmark-numba-") as cache_dir:
        cold = _child(algorithm, cache_dir)
        cached = _child(algorithm, cache_dir)
    return CompileTime(algorithm, *cold, *cached)
