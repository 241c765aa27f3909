"""A Merkle root of 2^20 leaves against the cost of its own hashes, per layout, as `chainmark core` measures it.

For each scheme: the best of `--repeats` roots of 2^20 random 32-byte leaves from an (n, 32) array and from a
Python list of `bytes`, and the "ideal": its hash count times the kernel's own per-hash cost, measured in the
same run on a batch of 2^20 messages of the node size (64 bytes for OpenZeppelin's sorted pairs). The ratio
root / ideal is what sorting, placing and walking the tree add to the hashing (issue 14's bar: 1.3).

    .venv/bin/python benchmarks/merkle_layout.py [--schemes openzeppelin bitcoin] [--threads 2] [--repeats 9]

This machine has 2 cores and is noisy: compare the ratios of one run, or alternate two trees' runs (as the
README's figures were measured: `git worktree add /tmp/old REV` and PYTHONPATH=/tmp/old for the old code).
"""

from __future__ import annotations

import argparse

from bench import kernels
from bench.core.measure import per_hash_seconds, time_merkle
from bench.kernels.merkle import SCHEMES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schemes", nargs="+", default=["openzeppelin", "bitcoin"], choices=SCHEMES)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--leaves", type=int, default=1 << 20)
    args = parser.parse_args()
    kernels.set_threads(args.threads)
    print("| scheme | leaves | threads | root (ms) | from a list (ms) | hashes x per-hash (ms) | ratio |")
    print("|---|---|---|---|---|---|---|")
    for scheme in args.schemes:
        per_hash = per_hash_seconds(scheme, args.repeats, args.leaves)
        point = time_merkle(scheme, args.leaves, args.threads, args.repeats, per_hash)
        listed = "-" if point.list_seconds is None else f"{point.list_seconds * 1e3:.1f}"
        print(
            f"| {scheme} | {args.leaves} | {args.threads} | {point.best_seconds * 1e3:.1f} | {listed} | "
            f"{point.ideal_seconds * 1e3:.1f} | {point.ratio_to_ideal:.2f} |"
        )


if __name__ == "__main__":
    main()
