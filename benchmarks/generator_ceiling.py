"""How many signed-transaction submissions per second can chainmark's generator make, per core?

Sends the same pre-signed `eth_sendRawTransaction` requests as fast as they go (every transaction
due at t0) to a fixed-response JSON-RPC server on loopback (Node's `http`, answering every POST with
a transaction hash), so the endpoint is not a chain and not the bottleneck:

  1 process     the single-process path: `run_round` with a Locust LocalRunner in this process
  N workers     the distributed path: a Locust master here and N `chainmark worker` processes
                (each with JSON-RPC batches, as `target.batch: auto` sends, and without: `--batch`)
  wrk           `wrk` posting one of the same bodies on the same endpoint: this machine's HTTP limit

and prints a Markdown table: submissions per second (wall), the generator's CPU seconds (master plus
workers), submissions per CPU-second of the generator (the per-core send rate) and the ratio to wrk.
`make bench-deps` installs wrk (Debian's `wrk`, apt-get only when missing); without it that row is
skipped with a note.

    .venv/bin/python benchmarks/generator_ceiling.py [--count 20000] [--users 64] [--workers 2] [--wrk-seconds 10]

With `--json`, one JSON object per line per generator instead of the table, for scripts to check:
`{"generator": "chainmark-1-process" | "chainmark-2-workers" | "wrk", "submissions_per_s": ..., "cpu_s": ...,
"per_cpu_s": ..., "submissions": ..., "wall_s": ...}`.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from bench.chains.ethereum.connector import WIRE
from bench.chains.ethereum.plan import build_plan
from bench.clock import WallClock
from bench.load.cluster import ClusterMaster, Shard
from bench.load.dispatch import AUTO_BATCH, Batching, OpenLoop, RoundCounters
from bench.load.local_workers import start_local_workers, stop_local_workers
from bench.load.runner import run_round
from bench.load.shard import shard_positions, split_users
from bench.targets.managed import free_port
from bench.targets.url import parse_endpoint
from bench.workload import load_workload

WORKLOAD = """
name: generator-ceiling
accounts: {{count: 200, seed: 1}}
rounds:
  - label: flat-out
    tx_count: {count}
    rate: {{type: fixed-rate, tps: 1000}}
"""

SERVER = r"""
const http = require("http");
const result = '"result":"0x' + "ab".repeat(32) + '"';
const body = '{"jsonrpc":"2.0","id":1,' + result + '}';
http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    let out = body;
    const text = Buffer.concat(chunks).toString();
    if (text.startsWith("[")) {  // a batch: one answer per request, by id
      out = "[" + JSON.parse(text).map((r) => '{"jsonrpc":"2.0","id":' + r.id + "," + result + "}").join(",") + "]";
    }
    res.writeHead(200, {"Content-Type": "application/json", "Content-Length": Buffer.byteLength(out)});
    res.end(out);
  });
}).listen(Number(process.argv[2]), "127.0.0.1", () => console.log("ready"));
"""

WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[{body}]]
"""


@contextmanager
def fixed_response_server(tmp: Path) -> Iterator[str]:
    script = tmp / "server.js"
    script.write_text(SERVER, encoding="utf-8")
    port = free_port()
    server = subprocess.Popen(["node", str(script), str(port)], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait()


def one_process(url: str, bodies: list[bytes], users: int, batch: int = 1) -> tuple[float, float]:
    """(submissions per second, generator CPU seconds) of the single-process path."""
    clock, counters = WallClock(), RoundCounters()
    dispatcher = OpenLoop(np.zeros(len(bodies)), clock.now() + 0.5)
    cpu = time.process_time()
    run_round(
        endpoint=parse_endpoint(url),
        wire=WIRE,
        bodies=bodies,
        dispatcher=dispatcher,
        counters=counters,
        clock=clock,
        users=users,
        on_answered=lambda _p, _e: None,
        tick=lambda: None,
        batching=Batching(batch),
        ids=range(len(bodies)),
    )
    cpu = time.process_time() - cpu
    return _rate(counters.records, len(bodies)), cpu


def workers_run(
    url: str, bodies: list[bytes], senders: np.ndarray, users: int, workers: int, tmp: Path, batch: int = 1
) -> tuple[float, float]:
    """(submissions per second, master plus workers CPU seconds) of the distributed path."""
    clock = WallClock()
    port = free_port()
    master = ClusterMaster("127.0.0.1", port, clock)
    processes = start_local_workers(workers, port, tmp)
    try:
        master.wait_for_workers(workers, 60.0)
        master.sync_clocks()
        shards = [
            Shard(
                node.index,
                owned,
                np.zeros(len(owned)),
                np.zeros(len(owned), bool),
                [bodies[int(p)] for p in owned],
            )
            for node, owned in zip(master.live, shard_positions(senders, workers), strict=True)
        ]
        master.send_shards(0, shards)
        cpu = time.process_time()
        outcome = master.run_round(
            0,
            shards,
            clock.now() + 0.5,
            split_users(users, workers),
            parse_endpoint(url),
            WIRE,
            lambda: None,
            batching=(Batching(batch), 0),
        )
        cpu = time.process_time() - cpu + outcome.cpu_s
        records = [r[:5] for r in master.take_records()]
    finally:
        master.close()
        stop_local_workers(processes)
    return _rate(records, len(bodies)), cpu


def _rate(records: list[tuple[int, float, float, float | None, str | None]], expected: int) -> float:
    errors = [r for r in records if r[4] is not None]
    if len(records) != expected or errors:
        raise SystemExit(f"expected {expected} clean submissions, got {len(records)} ({len(errors)} errors)")
    first = min(r[2] for r in records)
    last = max(r[3] or r[2] for r in records)
    return len(records) / (last - first)


def wrk_run(url: str, body: bytes, connections: int, seconds: int, tmp: Path) -> tuple[float, float] | None:
    """(requests per second, wrk's CPU seconds), or None without wrk."""
    if shutil.which("wrk") is None:
        return None
    script = tmp / "post.lua"
    script.write_text(WRK_SCRIPT.format(body=body.decode()), encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    found = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    if found is None:
        raise SystemExit(f"wrk printed no rate:\n{result.stdout}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return float(found.group(1)), cpu


def _record(generator: str, submissions: int, rate: float, cpu: float, wall: float) -> dict[str, object]:
    return {
        "generator": generator,
        "submissions": submissions,
        "wall_s": round(wall, 3),
        "submissions_per_s": round(rate, 1),
        "cpu_s": round(cpu, 3),
        "per_cpu_s": round(submissions / cpu, 1) if cpu > 0 else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=20_000, help="signed transactions per run")
    parser.add_argument("--users", type=int, default=64, help="Locust users (= wrk connections)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--json", action="store_true", help="one JSON object per generator, no table")
    parser.add_argument(
        "--batch", type=int, default=AUTO_BATCH, help="submissions per batch request (the default path's)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        path = tmp / "w.yaml"
        path.write_text(WORKLOAD.format(count=args.count), encoding="utf-8")
        plan = build_plan(load_workload(path), chain_id=31337, gas_price=10**9)
        planned = plan.rounds[0]
        bodies = [WIRE.body(planned, i, i) for i in range(planned.count)]
        rows, names = [], []
        with fixed_response_server(tmp) as url:
            for batch, suffix in ((args.batch, ""), (1, "-no-batch")):
                how = f"batches of up to {batch}" if batch > 1 else "one request per transaction"
                rate, cpu = one_process(url, bodies, args.users, batch)
                rows.append((f"chainmark, 1 process, {how}", rate, cpu, args.count / rate))
                names.append(f"chainmark-1-process{suffix}")
                rate, cpu = workers_run(url, bodies, planned.senders, args.users, args.workers, tmp, batch)
                rows.append(
                    (f"chainmark, {args.workers} worker processes, {how}", rate, cpu, args.count / rate)
                )
                names.append(f"chainmark-{args.workers}-workers{suffix}")
            wrk = wrk_run(url, bodies[0], args.users, args.wrk_seconds, tmp)
    if args.json:
        for name, (_, rate, cpu, wall) in zip(names, rows, strict=True):
            print(json.dumps(_record(name, args.count, rate, cpu, wall)))
        if wrk is not None:
            print(
                json.dumps(_record("wrk", round(wrk[0] * args.wrk_seconds), wrk[0], wrk[1], args.wrk_seconds))
            )
        return 0
    limit = wrk[0] if wrk else None
    print(
        f"{args.count} signed eth_sendRawTransaction submissions, {args.users} concurrent, fixed-response Node server on 127.0.0.1"
    )
    print()
    print("| generator | submissions/s | generator CPU s | submissions per CPU-second | vs wrk |")
    print("|---|---:|---:|---:|---:|")
    for label, rate, cpu, wall in rows:
        ratio = f"{rate / limit:.2f}" if limit else "-"
        print(
            f"| {label} | {rate:,.0f} | {cpu:.1f} (over {wall:.1f} s) | {args.count / cpu:,.0f} | {ratio} |"
        )
    if wrk is None:
        print("\nwrk: not installed, row skipped (Debian: apt-get install -y wrk)")
    else:
        print(
            f"| wrk -t2 -c{args.users} ({args.wrk_seconds} s) | {wrk[0]:,.0f} | {wrk[1]:.1f} | {wrk[0] * args.wrk_seconds / wrk[1]:,.0f} | 1.00 |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
