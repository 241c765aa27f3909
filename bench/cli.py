"""The `chainmark` command: argv in, one library call out; the only place that prints, exits or reads env vars.

Exit status: 0 success, 1 a failed run or unreachable target, 2 bad input (workload or options),
3 a comparison gate failed, 130 interrupted (Ctrl-C; what was recorded is kept).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import __version__
from bench.errors import ChainmarkError, WorkloadError

FUNDER_KEY_ENV = "CHAINMARK_FUNDER_KEY"
_CLEAR_LINE = "\r\033[K" if sys.stderr.isatty() else ""
ANVIL_ENV = "CHAINMARK_ANVIL"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except ChainmarkError as exc:
        print(f"{_CLEAR_LINE}error: {exc}", file=sys.stderr)
        return exc.exit_status
    except BrokenPipeError:  # `chainmark schema | head`: the reader left; nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print(
            f"{_CLEAR_LINE}interrupted: records collected so far are kept in the run folder", file=sys.stderr
        )
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chainmark", description="Blockchain performance benchmarks.")
    parser.add_argument("--version", action="version", version=f"chainmark {__version__}")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run a workload and write its run folder (results, summary, report)")
    run.add_argument("workload", type=Path)
    run.add_argument("--target-url", help="any Ethereum JSON-RPC endpoint instead of the managed Anvil")
    run.add_argument(
        "--out", type=Path, default=Path("reports"), help="folder for run folders (default reports/)"
    )
    run.add_argument("-q", "--quiet", action="store_true", help="no progress or summary on the terminal")
    run.add_argument("--processes", type=int, help="signing processes (default: one per core)")
    run.add_argument("--no-websocket", action="store_true", help="poll for new blocks instead of newHeads")
    run.set_defaults(handler=_run)

    validate = sub.add_parser("validate", help="check workload files without running them")
    validate.add_argument("workloads", type=Path, nargs="+")
    validate.set_defaults(handler=_validate)

    schema = sub.add_parser("schema", help="print the JSON Schema of the workload format (for editors)")
    schema.set_defaults(handler=_schema)

    report = sub.add_parser("report", help="rebuild summary.json and report.html from a run's results.sqlite")
    report.add_argument("run_dir", type=Path)
    report.set_defaults(handler=_report)

    core = sub.add_parser("core", help="benchmark the hashing and Merkle kernels against OpenSSL")
    core.add_argument("--quick", action="store_true", help="a reduced matrix that finishes in under a minute")
    core.add_argument("--threads", type=int, help="thread count to compare with 1 (default: all cores)")
    core.add_argument("-o", "--out", type=Path, default=Path("reports"))
    core.set_defaults(handler=_core)

    compare = sub.add_parser(
        "compare", help="compare run folders with the first (the baseline): HTML, Markdown, JSON"
    )
    compare.add_argument("run_dirs", type=Path, nargs="+", metavar="RUN_DIR")
    compare.add_argument(
        "-o", "--out", type=Path, required=True, help="folder for index.html, comparison.md/.json"
    )
    compare.add_argument("--force", action="store_true", help="compare runs of different workloads or rounds")
    compare.add_argument(
        "--fail-if",
        action="append",
        default=[],
        metavar="EXPR",
        help="exit 3 when a run crosses a gate vs the baseline, e.g. 'throughput_tps<-5%%', 'latency_s.p99>+10%%@steady'",
    )
    compare.set_defaults(handler=_compare)
    return parser


def _validate(args: argparse.Namespace) -> int:
    from bench.workload import load_workload

    for path in args.workloads:
        workload = load_workload(path)
        print(f"{path}: ok ({workload.name}, {len(workload.rounds)} rounds)")
    return 0


def _schema(args: argparse.Namespace) -> int:
    from bench.workload.schema import workload_schema

    print(json.dumps(workload_schema(), indent=2))
    return 0


def _funder_key() -> bytes | None:
    value = os.environ.get(FUNDER_KEY_ENV)
    if not value:
        return None
    try:
        key = bytes.fromhex(value.removeprefix("0x"))
    except ValueError:
        key = b""
    if len(key) != 32:
        raise WorkloadError(f"{FUNDER_KEY_ENV}: expected 32 bytes of hex (the value is not shown)")
    return key


def _run(args: argparse.Namespace) -> int:
    from bench.workload import load_workload

    workload = load_workload(args.workload)
    if args.target_url is not None and not args.target_url.startswith(("http://", "https://")):
        raise WorkloadError("--target-url: expected an http:// or https:// URL")
    from bench.engine import Progress, RunOptions, run_workload  # imports locust (gevent): only for `run`
    from bench.report.terminal import format_progress, format_summary

    options = RunOptions(
        out_dir=args.out,
        target_url=args.target_url,
        funder_key=_funder_key(),
        anvil_binary=os.environ.get(ANVIL_ENV),
        processes=args.processes,
        use_websocket=not args.no_websocket,
    )
    live: dict[str, Any] = {"line": False, "label": None, "printed": 0.0}
    tty = sys.stderr.isatty()

    def show(event: Progress) -> None:
        if args.quiet:
            return
        if not tty and not event.message:  # a log file gets a plain line every 5 s, not carriage returns
            if event.label == live["label"] and time.monotonic() - live["printed"] < 5.0:
                return
            live["label"], live["printed"] = event.label, time.monotonic()
            print(
                format_progress(
                    event.label,
                    event.elapsed,
                    event.planned_s,
                    event.sent,
                    event.confirmed,
                    event.failed,
                    event.tps,
                ),
                file=sys.stderr,
            )
            return
        if event.message:
            if live["line"]:
                print(file=sys.stderr)
                live["line"] = False
            print(event.message, file=sys.stderr)
            return
        if live["line"] and event.label != live["label"]:
            print(file=sys.stderr)  # keep the finished round's last line
        live["label"] = event.label
        line = format_progress(
            event.label, event.elapsed, event.planned_s, event.sent, event.confirmed, event.failed, event.tps
        )
        print("\r" + line.ljust(100), end="", file=sys.stderr, flush=True)
        live["line"] = True

    result = run_workload(workload, options, show)
    if live["line"]:
        print(file=sys.stderr)
    if not args.quiet:
        summary = json.loads((result.run_dir / "summary.json").read_text(encoding="utf-8"))
        print(format_summary(summary))
        print(f"report: {result.run_dir / 'report.html'}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from bench.report.outputs import write_outputs
    from bench.report.terminal import format_summary
    from bench.results.store import RunStore

    path = args.run_dir / "results.sqlite"
    try:
        store = RunStore(path)
    except FileNotFoundError as exc:
        raise WorkloadError(f"no results.sqlite in {args.run_dir}", path=str(args.run_dir)) from exc
    except ValueError as exc:
        raise WorkloadError(str(exc)) from exc
    try:
        summary = write_outputs(store, args.run_dir)
    finally:
        store.close()
    print(format_summary(summary))
    print(f"report: {args.run_dir / 'report.html'}")
    return 0


def _core(args: argparse.Namespace) -> int:
    from bench.core import run_core

    def progress(done: int, total: int, label: str) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        print(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label[:50]:<50}",
            end="",
            file=sys.stderr,
            flush=True,
        )

    run_dir = run_core(quick=args.quick, threads=args.threads, out_dir=args.out, progress=progress)
    print(file=sys.stderr)
    print(f"report: {run_dir / 'core.html'}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from bench.report.compare import compare_runs

    result = compare_runs(args.run_dirs, args.out, force=args.force, gates=args.fail_if)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"comparison: {result.out_dir / 'index.html'}")
    for line in result.failed_gates:
        print(f"gate failed: {line}", file=sys.stderr)
    return 3 if result.failed_gates else 0


if __name__ == "__main__":
    sys.exit(main())
