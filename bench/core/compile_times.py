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


@dataclass(frozen=True, slots=True)
class CompileTime:
    """Seconds to import bench.kernels and to make the first hash_batch call on 1000 64-byte rows."""

    algorithm: str
    cold_import_seconds: float
    cold_first_call_seconds: float
    cached_import_seconds: float
    cached_first_call_seconds: float


def _child(algorithm: str, cache_dir: str) -> tuple[float, float]:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(bench.__file__).parent.parent), env.get("PYTHONPATH", "")])
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, algorithm], capture_output=True, text=True, check=True, env=env
    )
    imported, first_call = json.loads(result.stdout.strip().splitlines()[-1])
    return float(imported), float(first_call)


def measure_compile(algorithm: str) -> CompileTime:
    """Run the child twice on one fresh numba cache folder: the first compiles, the second loads the cache."""
    with tempfile.TemporaryDirectory(prefix="chainmark-numba-") as cache_dir:
        cold = _child(algorithm, cache_dir)
        cached = _child(algorithm, cache_dir)
    return CompileTime(algorithm, *cold, *cached)
