"""Where does the managed Anvil saturate on this machine, and what does the generator cost per 1,000 tx/s?

Runs `chainmark run` once per rate (one fixed-rate round of native transfers, block gas limit 1e9 so
the block is not the cap) against one Anvil started here, and prints a Markdown table: offered rate,
send rate, confirmed throughput (window of the blocks that carried the round), latency p50/p99,
schedule lag p99, the generator's own CPU per 1,000 tx/s sent, and Anvil's CPU. Every figure comes
from the run's summary.json; Anvil's CPU from psutil over the round.

    .venv/bin/python benchmarks/saturation.py [--rates 250,500,1000,1500,2000,3000] [--duration 10]
        [--batch auto,off]

`--batch` runs every rate once per `target.batch` setting, side by side in one session (auto: JSON-RPC
batches, the default path; off: one request per transaction, the path before batches).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil

from bench.chains.ethereum.anvil import ManagedAnvil

WORKLOAD = """
name: saturation-{rate}
accounts: {{count: 500, seed: {rate}}}
target: {{confirm_grace: 20s, batch: {batch}}}
rounds:
  - label: r{rate}
    duration: {duration}s
    rate: {{type: fixed-rate, tps: {rate}}}
    senders: 512
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", default="250,500,1000,1500,2000,3000")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--batch", default="auto", help="target.batch settings to compare, e.g. auto,off")
    args = parser.parse_args()
    rows = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        ManagedAnvil(Path(tmp) / "anvil.log", gas_limit=1_000_000_000) as node,
    ):
        anvil = psutil.Process(node.pid)
        for rate, batch in ((int(r), b) for r in args.rates.split(",") for b in args.batch.split(",")):
            workload = Path(tmp) / f"w{rate}-{batch}.yaml"
            text = WORKLOAD.format(rate=rate, duration=args.duration, batch=batch)
            workload.write_text(text, encoding="utf-8")
            out = Path(tmp) / f"out{rate}-{batch}"
            before = anvil.cpu_times()
            cmd = [
                sys.executable,
                "-m",
                "bench.cli",
                "run",
                str(workload),
                "--target-url",
                node.url,
                "--out",
                str(out),
                "-q",
            ]
            result = subprocess.run(cmd, capture_output=True, text=True, check=False)
            after = anvil.cpu_times()
            if result.returncode != 0:
                print(result.stderr, file=sys.stderr)
                return 1
            summary = json.loads(next(out.glob("*/summary.json")).read_text())
            r = summary["rounds"][0]
            wall = r["window_s"][1] - r["window_s"][0]
            anvil_cpu = after.user + after.system - before.user - before.system
            rows.append((rate, batch, r, anvil_cpu, wall))
    print(
        "| offered tx/s | batch | sent tx/s | confirmed tx/s | timed out | latency p50 ms | p99 ms "
        "| schedule lag p99 ms | generator CPU s per 1,000 tx | Anvil CPU s (run) |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for rate, batch, r, anvil_cpu, _wall in rows:
        per_1000 = r["generator_cpu_s"] / r["sent"] * 1000 if r["sent"] else 0.0
        lat = r["latency_s"]
        print(
            f"| {rate:,} | {batch} | {r['send_rate_tps']:,.0f} | {r['throughput_tps']:,.0f} | {r['timed_out']} | "
            f"{lat['p50'] * 1000:,.0f} | {lat['p99'] * 1000:,.0f} | {r['schedule_lag_s']['p99'] * 1000:,.1f} | "
            f"{per_1000:.2f} | {anvil_cpu:.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
