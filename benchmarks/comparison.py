"""The published comparison (docs/comparison.md): `chainmark saturate` of standard workloads on every
managed node, one after another on this machine, and the table and curves the document shows.

For each node (Anvil, Hardhat's EDR node, Ganache) and workload (the standard suite's transfer, erc20 and
ycsb-a; `--bitcoin` adds the Bitcoin transfer workload on the managed 3-node litecoind network) it runs

    chainmark saturate WORKLOAD --node NODE --slo 'latency_s.p99<2s' --step-duration 10s --out OUT

then overlays all the saturation folders with `chainmark compare`, exports each saturation report's
latency-throughput curve as a PNG (headless Chromium rendering the Plotly figure, as the browser tests do)
into docs/comparison/, and prints the Markdown table: the maximum sustainable rate under the SLO, the knee
(Kneedle on p99), the latency of the step nearest half the maximum, the node's and chainmark's CPU at the
last step that held, and the search's finding (what limited it).

    .venv/bin/python benchmarks/comparison.py [--nodes anvil,hardhat,ganache] [--workloads transfer,erc20,ycsb-a]
        [--bitcoin] [--out reports/comparison] [--images docs/comparison]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,900")


def saturate(workload: Path, node: str | None, args: argparse.Namespace) -> Path | None:
    cmd = [sys.executable, "-m", "bench.cli", "saturate", str(workload), "--slo", args.slo]
    cmd += ["--step-duration", args.step_duration, "--out", str(args.out), "-q"]
    if node is not None:
        cmd += ["--node", node]
    started = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
    found = [line[12:] for line in done.stdout.splitlines() if line.startswith("saturation: ")]
    print(f"{workload.name} on {node or 'network'}: exit {done.returncode} in {time.monotonic() - started:.0f} s",
          file=sys.stderr)  # fmt: skip
    if not found:
        print(done.stderr[-2000:], file=sys.stderr)
        return None
    return Path(found[0])


def export_curve(report: Path, image: Path) -> None:
    """The report's latency-throughput figure (its second Plotly plot) as a PNG, rendered by Chromium."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(shutil.which("chromium"))
    for flag in FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(
        service=Service(executable_path=str(shutil.which("chromedriver"))), options=options
    )
    try:
        driver.get(report.resolve().as_uri())
        driver.implicitly_wait(5)
        plots = driver.find_elements("css selector", ".js-plotly-plot")
        plots[min(1, len(plots) - 1)].screenshot(str(image))
    finally:
        driver.quit()


def nearest_half(doc: dict[str, Any]) -> str:
    """p50 / p99 of the held step nearest half the maximum, with its rate."""
    if not doc["max_tps"]:
        return "-"
    held = [s for s in doc["steps"] if s["held"] and s["latency_p99_s"] is not None]
    if not held:
        return "-"
    s = min(held, key=lambda s: abs(s["offered_tps"] - doc["max_tps"] / 2))
    return (
        f"{s['latency_p50_s'] * 1000:,.0f} / {s['latency_p99_s'] * 1000:,.0f} ms at {s['offered_tps']:,.0f}"
    )


def row(node: str, workload: str, path: Path) -> str:
    doc = json.loads(path.read_text(encoding="utf-8"))
    knee = doc["knee"]["p99"]
    held = [s for s in doc["steps"] if s["held"]]
    last = max(held, key=lambda s: s["offered_tps"]) if held else None
    cpu = (
        f"{last['node_cpu_cores'] or 0:.2f} / {last['chainmark_cpu_cores'] or 0:.2f}"
        if last is not None
        else "-"
    )
    maximum = f"{doc['max_tps']:,.0f}" if doc["max_tps"] else "none held"
    knee_text = f"{knee['offered_tps']:,.0f} (p99 {knee['latency_s'] * 1000:,.0f} ms)" if knee else "-"
    return (
        f"| {node} | {workload} | {maximum} | {knee_text} | {nearest_half(doc)} | {cpu} | "
        f"{len(doc['steps'])} | {doc['finding']} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", default="anvil,hardhat,ganache")
    parser.add_argument("--workloads", default="transfer,erc20,ycsb-a")
    parser.add_argument("--bitcoin", action="store_true", help="also the Bitcoin transfer workload")
    parser.add_argument("--slo", default="latency_s.p99<2s")
    parser.add_argument("--step-duration", default="10s")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "comparison")
    parser.add_argument("--images", type=Path, default=ROOT / "docs" / "comparison")
    parser.add_argument(
        "--reuse",
        action="append",
        default=[],
        metavar="NODE:WORKLOAD=DIR",
        help="an earlier saturation folder",
    )
    args = parser.parse_args()
    reuse = dict(r.split("=", 1) for r in args.reuse)
    args.images.mkdir(parents=True, exist_ok=True)
    runs = [(n, w, ROOT / "workloads" / "standard" / f"{w}.yaml") for n in args.nodes.split(",")
            for w in args.workloads.split(",")]  # fmt: skip
    if args.bitcoin:
        runs.append(("litecoind x3", "bitcoin transfer", ROOT / "workloads" / "bitcoin" / "transfer.yaml"))
    rows: list[str] = []
    folders: dict[str, list[str]] = {}  # workload -> "folder=node" for its overlay
    for node, workload, path in runs:
        earlier = reuse.get(f"{node}:{workload}")
        found = Path(earlier) / "saturation.json" if earlier else None
        if found is None:
            found = saturate(path, None if node.startswith("litecoind") else node, args)
        if found is None:
            rows.append(f"| {node} | {workload} | failed: see stderr | | | | | |")
            continue
        folders.setdefault(workload, []).append(f"{found.parent}={node}")
        rows.append(row(node, workload, found))
        name = f"{node.split()[0]}-{workload.replace(' ', '-')}.png"
        export_curve(found.parent / "saturation.html", args.images / name)
    for workload, given in folders.items():  # each workload's curves on every node, overlaid
        out = args.out / f"compare-{workload.replace(' ', '-')}"
        subprocess.run([sys.executable, "-m", "bench.cli", "compare", *given, "--out", str(out), "--force"],
                       check=False, cwd=ROOT)  # fmt: skip
    print("| node | workload | max sustainable tx/s (p99 < 2 s) | knee tx/s (p99) | latency p50 / p99 near 50 % of max "
          "| node / chainmark CPU (cores) at the last step held | steps | finding |")  # fmt: skip
    print("|---|---|---:|---:|---|---|---:|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
