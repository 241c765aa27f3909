"""How long the verification after the window takes, against the node's own receipt cost.

Runs one fixed-rate round of native transfers on a managed Anvil (1 s blocks, block gas limit 1e9), then
reads the receipts of the run's included transactions three ways on the same chain, side by side:

  per block      one `eth_getBlockReceipts` per block, one after another (chainmark before this benchmark)
  chainmark      `bench.chains.ethereum.after.fetch_receipts`: batches of receipts by hash, two connections
  node floor     the fastest of those batches sent over 1, 2 and 4 connections: what the node itself costs

and prints seconds and receipts per second beside the round's own length.

    .venv/bin/python benchmarks/receipts.py [--tps 2000] [--duration 10]
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.chains.ethereum.after import RECEIPT_BATCH, fetch_receipts
from bench.chains.ethereum.anvil import ManagedAnvil
from bench.targets.rpc import RpcClient
from bench.targets.url import Endpoint, parse_endpoint

WORKLOAD = """
name: receipts
accounts: {{count: 500, seed: 7}}
target: {{confirm_grace: 30s}}
rounds:
  - label: load
    duration: {duration}s
    rate: {{type: fixed-rate, tps: {tps}}}
    senders: 512
"""


def per_block(endpoint: Endpoint, blocks: list[int]) -> float:
    rpc = RpcClient(endpoint, timeout=300)
    started = time.perf_counter()
    for number in blocks:
        rpc.call("eth_getBlockReceipts", hex(number))
    rpc.close()
    return time.perf_counter() - started


def batches(endpoint: Endpoint, hashes: list[str], connections: int) -> float:
    chunks = [hashes[i : i + RECEIPT_BATCH] for i in range(0, len(hashes), RECEIPT_BATCH)]

    def run(mine: list[list[str]]) -> None:
        rpc = RpcClient(endpoint, timeout=300)
        for chunk in mine:
            rpc.batch("eth_getTransactionReceipt", [[h] for h in chunk])
        rpc.close()

    threads = [threading.Thread(target=run, args=(chunks[k::connections],)) for k in range(connections)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tps", type=int, default=2000)
    parser.add_argument("--duration", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ManagedAnvil(Path(tmp) / "anvil.log", gas_limit=10**9) as node:
        workload = Path(tmp) / "w.yaml"
        workload.write_text(WORKLOAD.format(tps=args.tps, duration=args.duration), encoding="utf-8")
        cmd = [sys.executable, "-m", "bench.cli", "run", str(workload), "--target-url", node.url]
        done = subprocess.run([*cmd, "--out", str(Path(tmp) / "out"), "-q"], capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        with sqlite3.connect(next(Path(tmp, "out").glob("*/results.sqlite"))) as db:
            rows = db.execute(
                "SELECT t.id, t.hash, i.block FROM txs t JOIN inclusions i ON i.tx = t.id"
            ).fetchall()
        endpoint = parse_endpoint(node.url)
        blocks = sorted({block for _, _, block in rows})
        ids = {bytes(h): i for i, h, _ in rows}
        hashes = ["0x" + bytes(h).hex() for _, h, _ in rows]
        old = per_block(endpoint, blocks)
        started = time.perf_counter()
        got = fetch_receipts(endpoint, ids)
        ours = time.perf_counter() - started
        assert len(got) == len(rows), (len(got), len(rows))
        floor = {c: batches(endpoint, hashes, c) for c in (1, 2, 4)}
    n = len(rows)
    print(f"{n:,} receipts in {len(blocks)} blocks after a {args.duration} s round at {args.tps:,} tx/s")
    print()
    print("| read | seconds | receipts/s | vs the round's length |")
    print("|---|---:|---:|---:|")
    for label, seconds in (
        ("one eth_getBlockReceipts per block (before)", old),
        ("chainmark: batches of receipts, 2 connections", ours),
        *((f"batches of receipts, {c} connection(s)", s) for c, s in floor.items()),
    ):
        print(f"| {label} | {seconds:.1f} | {n / seconds:,.0f} | {seconds / args.duration:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
