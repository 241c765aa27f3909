"""How fast does the plan phase sign? Builds the same plan of N native transfers on 1 and on 2 processes.

    .venv/bin/python benchmarks/plan_signing.py [--txs 100000]

Prints signed transactions per second for each and the speed-up (measured in the same run, so the
ratio holds on a noisy machine even when absolute rates move).
"""

from __future__ import annotations

import argparse
import sys

from bench.chains.ethereum.plan import build_plan
from bench.workload import parse_workload


def main() -> int:
    parser = argparse.ArgumentParser(description="time the plan phase's signing")
    parser.add_argument("--txs", type=int, default=100_000)
    args = parser.parse_args()
    workload = parse_workload(
        f"name: sign\naccounts: {{count: 200, seed: 1}}\n"
        f"rounds: [{{label: a, tx_count: {args.txs}, rate: {{type: fixed-rate, tps: 1000}}}}]\n"
    )
    rates = {}
    for processes in (1, 2):
        plan = build_plan(workload, chain_id=31337, gas_price=10**9, processes=processes)
        rates[processes] = plan.tx_count / plan.signing_seconds
        print(
            f"{processes} process(es): {plan.tx_count:,} transfers signed in {plan.signing_seconds:.2f} s = "
            f"{rates[processes]:,.0f} tx/s ({rates[processes] / processes:,.0f} tx/s per process)"
        )
    print(f"speed-up on 2 processes: {rates[2] / rates[1]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
