"""bench.kernels is a leaf: importing it pulls in no other bench package."""

import subprocess
import sys
from pathlib import Path

import bench

CHECK = (
    "import sys, bench.kernels; "
    "print(sorted(m for m in sys.modules if m.startswith('bench.') and not m.startswith('bench.kernels')))"
)


def test_kernels_import_nothing_else_of_bench() -> None:
    root = str(Path(bench.__file__).parent.parent)
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "[]"
