"""Where a transaction's CPU goes in chainmark's process while a round sends: microseconds per transaction
by stage, with JSON-RPC batches (`target.batch: auto`) and without (`off`, the path before batches).

For each setting it runs `chainmark run` of one fixed-rate transfer round (default 2,000 tx/s for 20 s,
500 accounts, managed Anvil with 1 s blocks and block gas limit 1e9), waits until the round has begun and
then samples the process with py-spy (`--gil`: the thread holding the GIL, i.e. chainmark's Python CPU)
for the middle of the round. py-spy pauses the process for each sample, which costs it a little CPU, but
its samples then add up to the process's CPU within about 10 % here; `--nonblocking` missed half of them. The plan, funding, the drain
and the verification after the window are outside that window, so they are excluded. Each sample goes to
the stage of the innermost frame a rule names (leaf first):

  schedule   taking due positions (bench/load/dispatch.py), the sender-order gate, the users' sleeps
  request    the request on the wire: the user's NodeClient (geventhttpclient; Locust's FastHttpSession
             before), the batch body
  answer     reading the answer (the wire's answer_error / batch_errors, JSON-RPC batch parsing)
  record     the send records and their flush into results.sqlite, the answered callback
  observe    the block observer and head feed (bench/observe, the chain's heads and RPC client)
  locust     Locust's own per-request work: request events and statistics, task scheduling
  progress   the round's tick: progress line, flushes' scheduling, checks
  gevent/C   GIL held with no Python frame (gevent's hub and C extensions running callbacks)
  other      the rest (e.g. the resource monitor)

Microseconds per transaction = a stage's samples / the sampling rate / the transactions due in the sampled
window (rate x seconds). The process's CPU over the same window (psutil) is printed beside the sampled
total: CPU spent outside the GIL (SQLite, the kernel's socket work) is the difference.

    .venv/bin/python benchmarks/stages.py [--tps 2000] [--duration 20] [--batch off,auto] [--rate-hz 250]

Needs py-spy (installed by `make setup`); run it on a quiet machine and compare the settings side by side.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
WORKLOAD = """
name: stages
accounts: {{count: 500, seed: 7}}
target: {{block_time: 1s, gas_limit: 1000000000, confirm_grace: 30s, batch: {batch}}}
rounds:
  - label: transfer
    duration: {duration}s
    rate: {{type: fixed-rate, tps: {tps}}}
    senders: 512
"""
STAGES = ("schedule", "request", "answer", "record", "observe", "locust", "progress", "gevent/C", "other")
# (stage, what a frame's "function (file:line)" text contains), tried for each frame from the leaf up
RULES = (
    ("answer", "answer_error ("),
    ("answer", "batch_errors ("),
    ("answer", "bench/targets/batch.py"),
    ("request", "batch_body ("),
    ("schedule", "bench/load/dispatch.py"),
    ("schedule", "SenderOrder."),
    ("locust", "locust/stats.py"),
    ("locust", "locust/event.py"),
    ("request", "geventhttpclient/"),
    ("request", "locust/contrib/fasthttp.py"),
    ("record", "bench/results/store.py"),
    ("record", "answered (bench/rounds.py"),
    ("record", "_flush (bench/rounds.py"),
    ("observe", "bench/observe/"),
    ("observe", "bench/chains/ethereum/heads.py"),
    ("observe", "bench/targets/rpc.py"),
    ("progress", "_tick (bench/rounds.py"),
    ("progress", "bench/session.py"),
    ("schedule", "sleep (gevent/"),
    ("locust", "_event (bench/load/users.py"),
    ("request", "post (bench/load/users.py"),
    ("request", "_send_one (bench/load/users.py"),
    ("request", "_send_batch (bench/load/users.py"),
    ("schedule", "send_next (bench/load/users.py"),
    ("locust", "locust/"),
    ("gevent/C", "Hub.run (gevent/hub.py"),
)


def classify(stack: str) -> str:
    frames = [f for f in stack.split(";") if f]
    if not frames:
        return "gevent/C"
    for frame in reversed(frames):
        for stage, text in RULES:
            if text in frame:
                return stage
    return "other"


def measure(batch: str, args: argparse.Namespace, tmp: Path) -> dict[str, object]:
    workload = tmp / f"stages-{batch}.yaml"
    workload.write_text(WORKLOAD.format(batch=batch, duration=args.duration, tps=args.tps), encoding="utf-8")
    out, stacks = tmp / f"out-{batch}", tmp / f"stacks-{batch}.txt"
    cmd = [sys.executable, "-m", "bench.cli", "run", str(workload), "--out", str(out)]
    run = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert run.stderr is not None and run.stdout is not None
    started = threading.Event()

    def watch() -> None:
        assert run.stderr is not None
        for line in run.stderr:
            if line.startswith("[transfer]"):
                started.set()
        started.set()  # the run ended (or failed) without the round's line: do not wait forever

    threading.Thread(target=watch, daemon=True).start()
    if not started.wait(600) or run.poll() is not None:
        raise SystemExit(f"batch {batch}: the run ended before its round began:\n{run.stdout.read()}")
    time.sleep(args.lead)
    window = int(args.duration - args.lead - 2)  # py-spy takes whole seconds
    process = psutil.Process(run.pid)
    before = process.cpu_times()
    spy = subprocess.run(
        [str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(run.pid), "--duration",
         str(window), "--rate", str(args.rate_hz), "--gil", *(("--nonblocking",) if args.nonblocking else ()), "--format", "raw",
         "-o", str(stacks)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    after = process.cpu_times()
    stdout, _ = run.communicate(timeout=900)
    if spy.returncode != 0 or run.returncode not in (0, 1):
        raise SystemExit(f"batch {batch}: py-spy exit {spy.returncode}, run exit {run.returncode}:\n"
                         f"{spy.stderr}\n{stdout}")  # fmt: skip
    if args.stacks is not None:
        args.stacks.mkdir(parents=True, exist_ok=True)
        shutil.copy(stacks, args.stacks / stacks.name)
    counts: Counter[str] = Counter()
    for line in stacks.read_text(encoding="utf-8").splitlines():
        stack, _, n = line.rpartition(" ")
        counts[classify(stack)] += int(n)
    summary_path = next(out.glob("*/summary.json"))
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    (round_,) = [r for r in summary["rounds"] if r["label"] == "transfer"]
    txs = args.tps * window
    cpu = (after.user + after.system) - (before.user + before.system)
    return {
        "batch": batch,
        "window_s": window,
        "txs": txs,
        "us_per_tx": {s: counts[s] / args.rate_hz / txs * 1e6 for s in STAGES},
        "sampled_us_per_tx": sum(counts.values()) / args.rate_hz / txs * 1e6,
        "cpu_us_per_tx": cpu / txs * 1e6,
        "round_cpu_s_per_1000": round_["generator_cpu_s"] / round_["sent"] * 1000 if round_["sent"] else None,
        "lag_p99_ms": round_["schedule_lag_s"]["p99"] * 1000,
        "throughput_tps": round_["throughput_tps"],
        "run": str(summary_path.parent),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tps", type=int, default=2000)
    parser.add_argument("--duration", type=int, default=20, help="the round's seconds")
    parser.add_argument("--lead", type=float, default=3.0, help="seconds into the round before sampling")
    parser.add_argument("--batch", default="off,auto", help="target.batch settings, measured in turn")
    parser.add_argument("--rate-hz", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--json", action="store_true", help="one JSON object per setting, no table")
    parser.add_argument(
        "--nonblocking",
        action="store_true",
        help="py-spy does not pause the process per sample (misses some)",
    )
    parser.add_argument("--stacks", type=Path, help="keep py-spy's raw stacks (stacks-SETTING.txt) here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        results = [measure(batch, args, Path(name)) for batch in args.batch.split(",")]
    if args.json:
        for r in results:
            print(json.dumps(r))
        return 0
    print(f"one fixed-rate transfer round at {args.tps:,} tx/s for {args.duration} s on the managed Anvil; "
          f"py-spy --gil at {args.rate_hz} Hz over {results[0]['window_s']} s of it")  # fmt: skip
    print()
    print("| stage (µs per transaction) | " + " | ".join(f"`batch: {r['batch']}`" for r in results) + " |")
    print("|---|" + "---:|" * len(results))
    for stage in STAGES:
        print(f"| {stage} | " + " | ".join(f"{r['us_per_tx'][stage]:.1f}" for r in results) + " |")  # type: ignore[index]
    rows = (
        ("sampled total (GIL held)", "sampled_us_per_tx", "{:.1f}"),
        ("process CPU over the window (psutil)", "cpu_us_per_tx", "{:.1f}"),
        ("generator CPU s per 1,000 tx (the round's)", "round_cpu_s_per_1000", "{:.3f}"),
        ("schedule lag p99 ms", "lag_p99_ms", "{:.1f}"),
        ("confirmed tx/s", "throughput_tps", "{:,.0f}"),
    )
    for label, key, fmt in rows:
        print(f"| {label} | " + " | ".join(fmt.format(r[key]) for r in results) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
