"""hash_batch on a Python list of equal-length `bytes` against the same messages as an (n, width) array.

    .venv/bin/python benchmarks/hash_lists.py [--messages 262144] [--widths 32 64 200] [--repeats 7]

For each algorithm and width: the best of `--repeats` calls on the list and on the array (the row kernels'
own cost, measured in the same run), and their ratio. This machine has 2 cores and is noisy: compare the
ratios of one run, or alternate two trees' runs (`git worktree add /tmp/old REV`, PYTHONPATH=/tmp/old).
"""

from __future__ import annotations

import argparse

import numpy as np

from bench import kernels
from bench.core.measure import best_of, random_rows
from bench.kernels import ALGORITHMS, hash_batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1 << 18)
    parser.add_argument("--widths", type=int, nargs="+", default=[32, 64, 200])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    kernels.set_threads(args.threads)
    print("| algorithm | width (B) | messages | list (ms) | array (ms) | list / array |")
    print("|---|---|---|---|---|---|")
    for width in args.widths:
        rows = random_rows(args.messages, width)
        listed = [row.tobytes() for row in rows]
        assert np.array_equal(hash_batch("sha256", listed[:9]), hash_batch("sha256", rows[:9]))
        for algorithm in ALGORITHMS:
            from_list = best_of(args.repeats, lambda: hash_batch(algorithm, listed))  # noqa: B023
            from_array = best_of(args.repeats, lambda: hash_batch(algorithm, rows))  # noqa: B023
            print(
                f"| {algorithm} | {width} | {args.messages} | {from_list * 1e3:.1f} | {from_array * 1e3:.1f} | "
                f"{from_list / from_array:.2f} |"
            )


if __name__ == "__main__":
    main()
