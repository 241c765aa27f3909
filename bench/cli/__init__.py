"""The `chainmark` command: argv in, one library call out; the only place that prints, exits or reads env vars.

Exit status: 0 success, 1 a failed run or unreachable target, 2 bad input (workload or options),
3 a comparison gate or an acceptance criterion failed, 4 `run --strict` and a round that is not a warm-up is invalid, 130
interrupted (Ctrl-C; what was recorded is kept), 143 terminated (SIGTERM, handled as Ctrl-C: workers
stopped first, then the node; outputs written).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from bench import __version__
from bench.cli.common import CLEAR_LINE, DEFAULT_MASTER_PORT, add_max_plan, max_plan_of, printable, stopped
from bench.cli.reports import _compare, _core, _report
from bench.cli.run import _cluster_options, _run, _worker
from bench.cli.saturate import add_saturate
from bench.errors import ChainmarkError
from bench.stop_signals import stops_raise
from bench.workload.spec import NODE_NAMES

__all__ = ["_cluster_options", "_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        with stops_raise():
            return int(args.handler(args))
    except ChainmarkError as exc:
        print(f"{CLEAR_LINE}error: {printable(str(exc))}", file=sys.stderr)
        return exc.exit_status
    except BrokenPipeError:  # `chainmark schema | head`: the reader left; nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt as exc:  # `run` says what it kept; the other commands, that they stopped
        return stopped(exc)


class _Parser(argparse.ArgumentParser):
    """argparse, whose mistakes are one `error:` line (exit 2) like every other bad input."""

    def error(self, message: str) -> NoReturn:
        print(printable(f"error: {self.prog}: {message} (see {self.prog} --help)"), file=sys.stderr)
        sys.exit(2)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="chainmark", description="Blockchain performance benchmarks.")
    parser.add_argument("--version", action="version", version=f"chainmark {__version__}")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run a workload and write its run folder (results, summary, report)")
    run.add_argument("workload", type=Path, nargs="?", help="the workload YAML (or use --suite)")
    run.add_argument(
        "--suite",
        help="run a suite: `standard`, `bitcoin`, `acceptance` (after `chainmark saturate`) or a manifest path; one run "
        "folder per workload",
    )
    run.add_argument(
        "--from-saturation",
        type=Path,
        metavar="DIR",
        help="--suite acceptance: the saturation folder whose maximum it tests (default: the newest under --out)",
    )
    run.add_argument(
        "--stress-duration",
        default="30s",
        metavar="DURATION",
        help="--suite acceptance: the stress test's (30s)",
    )
    run.add_argument(
        "--stability-duration",
        default="10m",
        metavar="DURATION",
        help="--suite acceptance: the stability test's (10m; shorter for a quick check)",
    )
    run.add_argument("--target-url", help="any Ethereum JSON-RPC endpoint instead of the managed Anvil")
    run.add_argument(
        "--node",
        choices=NODE_NAMES,
        help="the managed node to start and measure (default: the workload's target.node, else anvil)",
    )
    run.add_argument(
        "--out", type=Path, default=Path("reports"), help="folder for run folders (default reports/)"
    )
    run.add_argument("-q", "--quiet", action="store_true", help="no progress or summary on the terminal")
    run.add_argument(
        "--strict", action="store_true", help="exit 4 when a round that is not a warm-up is invalid"
    )
    run.add_argument("--processes", type=int, help="signing processes (default: one per core)")
    add_max_plan(run)
    run.add_argument("--no-websocket", action="store_true", help="poll for new blocks instead of newHeads")
    run.add_argument(
        "--workers",
        metavar="N",
        help="send from N local Locust worker processes (`auto`: one per core) under a master in this process",
    )
    run.add_argument(
        "--master",
        action="store_true",
        help="be a Locust master: wait for --expect-workers `chainmark worker` processes, then run",
    )
    run.add_argument("--expect-workers", type=int, metavar="N", help="workers a --master run waits for")
    run.add_argument(
        "--expect-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how long a distributed run waits for its workers to connect (default 60)",
    )
    run.add_argument(
        "--master-bind",
        default=f"127.0.0.1:{DEFAULT_MASTER_PORT}",
        metavar="HOST:PORT",
        help=f"where a --master run listens for workers (default 127.0.0.1:{DEFAULT_MASTER_PORT}: this machine "
        "only; remote workers need an explicit address, e.g. 0.0.0.0:5557, on a trusted network)",
    )
    run.set_defaults(handler=_run)

    add_saturate(sub)

    worker = sub.add_parser("worker", help="join a `chainmark run --master` as a Locust worker")
    worker.add_argument("--master", required=True, metavar="HOST:PORT", help="the master's address")
    worker.set_defaults(handler=_worker)

    validate = sub.add_parser("validate", help="check workload files without running them")
    validate.add_argument("workloads", type=Path, nargs="+")
    add_max_plan(validate)
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
    compare.add_argument(
        "run_dirs", nargs="+", metavar="RUN_DIR[=LABEL]", help="run folders, the first is the baseline"
    )
    compare.add_argument(
        "-o", "--out", type=Path, required=True, help="folder for index.html, comparison.md/.json"
    )
    compare.add_argument(
        "--labels", metavar="A,B,...", help="one label per RUN_DIR (default: client name/version or folder)"
    )
    compare.add_argument("--force", action="store_true", help="compare runs of different workloads or rounds")
    compare.add_argument(
        "--allow-invalid",
        action="store_true",
        help="keep invalid rounds in ratios, headline charts and gates",
    )
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
    from bench.plan.size import check_plan_size, format_bytes
    from bench.workload import load_workload

    max_plan = max_plan_of(args)
    for path in args.workloads:
        workload = load_workload(path)
        size = check_plan_size(workload, max_plan)
        print(
            printable(
                f"{path}: ok ({workload.name}, {len(workload.rounds)} rounds, {size.transactions:,} "
                f"transactions, about {format_bytes(size.peak_bytes)} at the plan's peak)"
            )
        )
    return 0


def _schema(args: argparse.Namespace) -> int:
    from bench.workload.schema import workload_schema

    print(json.dumps(workload_schema(), indent=2))
    return 0
