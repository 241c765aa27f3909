"""Where does the managed Anvil saturate on this machine: `chainmark saturate` on native transfers, as a table.

Writes a transfer workload whose block is not the cap (block gas limit 1e9, 500 accounts, 512 senders),
runs `chainmark saturate` on it (geometric steps, then bisection to 5 %; see README "Finding a node's
limit"), and prints a Markdown table of its saturation.json: offered rate, send rate, confirmed
throughput, latency p50/p99, the node's and chainmark's CPU per step, whether the step held, then the
maximum, the knee and the finding. Every figure comes from the run folder it names.

    .venv/bin/python benchmarks/saturation.py [--slo 'latency_s.p99<2s'] [--step-duration 10s] [--start-tps 250]
        [--batch auto,off]

`--batch` runs the search once per `target.batch` setting, one after the other in one session (auto: JSON-RPC
batches, the default send path; off: one request per transaction, the path before batches).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

WORKLOAD = """
name: saturation-transfer
accounts: {count: 500, seed: 7}
target: {block_time: 1s, gas_limit: 1000000000, confirm_grace: 20s, batch: BATCH}
rounds:
  - label: transfer
    duration: 10s
    rate: {type: fixed-rate, tps: 250}
    senders: 512
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slo", default="latency_s.p99<2s")
    parser.add_argument("--step-duration", default="10s")
    parser.add_argument("--start-tps", default="250")
    parser.add_argument("--out", type=Path, default=Path("reports"))
    parser.add_argument("--batch", default="auto", help="target.batch settings, searched in turn: auto,off")
    args = parser.parse_args()
    for batch in args.batch.split(","):
        print(f"target.batch: {batch}\n")
        if search(args, batch) != 0:
            return 1
    return 0


def search(args: argparse.Namespace, batch: str) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        workload = Path(tmp) / "saturation-transfer.yaml"
        workload.write_text(WORKLOAD.replace("BATCH", batch), encoding="utf-8")
        cmd = [sys.executable, "-m", "bench.cli", "saturate", str(workload), "--slo", args.slo]
        cmd += [
            "--step-duration",
            args.step_duration,
            "--start-tps",
            args.start_tps,
            "--out",
            str(args.out),
            "-q",
        ]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode not in (0, 1):  # 1: the search ended without a node figure (said in its finding)
        print(result.stderr, file=sys.stderr)
        return 1
    path = Path(next(line for line in result.stdout.splitlines() if line.startswith("saturation: "))[12:])
    print(format_table(json.loads(path.read_text(encoding="utf-8"))))
    print(f"\n{path}\n")
    return 0


def format_table(doc: dict) -> str:  # type: ignore[type-arg]
    lines = [
        "| offered tx/s | sent tx/s | confirmed tx/s | success | latency p50 ms | p99 ms | Anvil CPU (cores) "
        "| chainmark CPU (cores) | held |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for s in doc["steps"]:
        p50, p99 = (
            f"{v * 1000:,.0f}" if v is not None else "censored"
            for v in (s["latency_p50_s"], s["latency_p99_s"])
        )
        held = "yes" if s["held"] else "no: " + "; ".join(s["reasons"])
        lines.append(
            f"| {s['offered_tps']:,.1f} | {s['send_rate_tps']:,.0f} | {s['confirmed_tps']:,.0f} | "
            f"{s['success_rate']:.1%} | {p50} | {p99} | {s['node_cpu_cores'] or 0:.2f} | "
            f"{s['chainmark_cpu_cores'] or 0:.2f} | {held} |"
        )
    knee = doc["knee"]["p99"] or doc["knee"]["p50"]
    lines += ["", f"maximum sustainable rate: {doc['max_tps']} tx/s; knee: {knee}; {doc['finding']}"]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
