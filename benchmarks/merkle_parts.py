"""Where an OpenZeppelin root of 2^20 leaves spends its time: the sort, the levels above it, the fresh tree.

    .venv/bin/python benchmarks/merkle_parts.py [--leaves 1048576] [--repeats 21] [--rounds 3]

Each figure is the best of `--repeats` calls, all in one run (compare them side by side, not across runs):
- `sort + bottom (tree ready)`: sort_leaves into a tree array already faulted in: the sort and the nodes over
  two leaves, which it hashes as it goes;
- `sort + bottom (fresh tree)`: the same into a fresh array, as merkle_root allocates it;
- `levels above`: the nodes over two inner nodes, level by level (pair_nodes);
- `kernel on rows`: Keccak-256 of as many 64-byte rows into a ready array (the hashing alone);
- `merkle_root`: the whole root.
"""

from __future__ import annotations

import argparse

import numpy as np

from bench import kernels
from bench.core.measure import best_of, random_rows
from bench.kernels import merkle_root
from bench.kernels.keccak_soa import rows64, tail_words
from bench.kernels.merkle import _pair_nodes
from bench.kernels.threads import dynamic_chunks
from bench.kernels.treekernels import SPILL, sort_leaves


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=1 << 20)
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    kernels.set_threads(args.threads)
    n, padding = args.leaves, tail_words(64)
    leaves64 = random_rows(n, 32).view(np.uint64)
    ready = np.empty((n + SPILL, 32), np.uint8)

    def sort_into(spill: np.ndarray) -> None:
        with dynamic_chunks():
            sort_leaves(leaves64, spill.view(np.uint64), padding)

    sort_into(ready)
    tree64 = ready[: n - 1].view(np.uint64)

    def levels_above() -> None:
        inner = (n - 2) // 2
        for depth in range(((n - 1) // 2).bit_length() - 1, -1, -1):
            lo, hi = (1 << depth) - 1, (1 << (depth + 1)) - 1
            _pair_nodes(tree64, tree64.reshape(-1), 4, 8, lo, min(hi, inner), padding)

    pairs, out = random_rows(n, 64, seed=1).view(np.uint64), np.empty((n, 4), np.uint64)
    parts = {
        "sort + bottom (tree ready)": lambda: sort_into(ready),
        "sort + bottom (fresh tree)": lambda: sort_into(np.empty((n + SPILL, 32), np.uint8)),
        "levels above": levels_above,
        "kernel on rows": lambda: rows64(pairs, out, padding),
        "merkle_root": lambda: merkle_root(leaves64.view(np.uint8), "openzeppelin"),
    }
    print("| round | " + " | ".join(f"{name} (ms)" for name in parts) + " |")
    print("|---" * (len(parts) + 1) + "|")
    for r in range(args.rounds):
        cells = [f"{best_of(args.repeats, call) * 1e3:.1f}" for call in parts.values()]
        print(f"| {r + 1} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
