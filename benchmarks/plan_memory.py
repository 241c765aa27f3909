"""How much memory does a plan take? Builds a plan of N native transfers and reports bytes per transaction.

    .venv/bin/python benchmarks/plan_memory.py [--txs 200000] [--accounts 100] [--processes 1]

Prints the process's peak RSS growth and the RSS kept after the plan is built, per planned transaction
(the figures behind `bench.plan.size`'s BYTES_PER_TX; run once per process count: the peak is per process).
"""

from __future__ import annotations

import argparse
import resource
import sys

import psutil

from bench.chains.ethereum.plan import build_plan
from bench.workload import parse_workload


def main() -> int:
    parser = argparse.ArgumentParser(description="measure the plan's memory per transaction")
    parser.add_argument("--txs", type=int, default=200_000)
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--processes", type=int, default=1)
    args = parser.parse_args()
    workload = parse_workload(
        f"name: memory\naccounts: {{count: {args.accounts}, seed: 1}}\n"
        f"rounds: [{{label: a, tx_count: {args.txs}, rate: {{type: fixed-rate, tps: 1000}}}}]\n"
    )
    me = psutil.Process()
    base = me.memory_info().rss
    plan = build_plan(workload, chain_id=31337, gas_price=10**9, processes=args.processes)
    kept = me.memory_info().rss - base
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base
    print(
        f"{plan.tx_count:,} transactions, {args.accounts:,} accounts, {args.processes} processes: "
        f"peak {peak / plan.tx_count:,.0f} B/tx, kept {kept / plan.tx_count:,.0f} B/tx"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
