"""The `chainmark` command: argv in, one library call out; the only place that prints, exits or reads env vars.

Exit status: 0 success, 1 a failed run or unreachable target, 2 bad input (workload or options),
3 a comparison gate failed, 4 `run --strict` and a round that is not a warm-up is invalid, 130
interrupted (Ctrl-C; what was recorded is kept), 143 terminated (SIGTERM, handled as Ctrl-C: workers
stopped first, then the node; outputs written).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from bench import __version__
from bench.errors import ChainmarkError, Terminated, WorkloadError
from bench.stop_signals import stops_raise
from bench.workload.spec import NODE_NAMES

if TYPE_CHECKING:  # the summary record comes with numpy: imported by the commands that read one
    from bench.results.summary import RunSummary

FUNDER_KEY_ENV = "CHAINMARK_FUNDER_KEY"
_CLEAR_LINE = "\r\033[K" if sys.stderr.isatty() else ""
ANVIL_ENV = "CHAINMARK_ANVIL"
DEFAULT_MASTER_PORT = 5557  # Locust's own default master port
MAX_PROCESSES, MAX_EXPECT_TIMEOUT_S = 256, 24 * 3600.0
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143  # 128 + SIGINT, 128 + SIGTERM: the shells' convention


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        with stops_raise():
            return int(args.handler(args))
    except ChainmarkError as exc:
        print(f"{_CLEAR_LINE}error: {printable(str(exc))}", file=sys.stderr)
        return exc.exit_status
    except BrokenPipeError:  # `chainmark schema | head`: the reader left; nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt as exc:  # `run` says what it kept; the other commands, that they stopped
        return _stopped(exc)


def _stopped(exc: KeyboardInterrupt, what: str = "") -> int:
    terminated = isinstance(exc, Terminated)
    word = "terminated" if terminated else "interrupted"
    print(f"{_CLEAR_LINE}{word}: {what}" if what else f"{_CLEAR_LINE}{word}", file=sys.stderr)
    return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED


def printable(text: str) -> str:
    """`text` with control and other non-printable characters escaped (\\x1b), so a terminal shows it as is."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


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
        "--suite", help="run a suite: `standard` or a manifest path; one run folder per workload"
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
    _add_max_plan(run)
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

    worker = sub.add_parser("worker", help="join a `chainmark run --master` as a Locust worker")
    worker.add_argument("--master", required=True, metavar="HOST:PORT", help="the master's address")
    worker.set_defaults(handler=_worker)

    validate = sub.add_parser("validate", help="check workload files without running them")
    validate.add_argument("workloads", type=Path, nargs="+")
    _add_max_plan(validate)
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


def _add_max_plan(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--max-plan",
        metavar="SIZE",
        help="refuse a workload whose plan needs more memory than SIZE, e.g. 4GiB (default: half of this "
        "machine's memory)",
    )


def _max_plan(args: argparse.Namespace) -> int:
    from bench.plan.size import default_max_plan, parse_bytes

    if args.max_plan is None:
        return default_max_plan()
    try:
        return parse_bytes(args.max_plan)
    except ValueError as exc:
        raise WorkloadError(f"--max-plan: {exc}") from exc


def _validate(args: argparse.Namespace) -> int:
    from bench.plan.size import check_plan_size, format_bytes
    from bench.workload import load_workload

    max_plan = _max_plan(args)
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


class _ProgressLine:
    """Shows the engine's progress on stderr: a live line on a terminal, a plain line every 5 s elsewhere."""

    def __init__(self, quiet: bool) -> None:
        self.quiet, self.tty = quiet, sys.stderr.isatty()
        self.open_line, self.label, self.printed = False, "", 0.0

    def __call__(self, event: Any) -> None:
        from bench.report.terminal import format_progress

        if self.quiet:
            return
        if event.message:
            self.close()
            print(printable(event.message), file=sys.stderr)
            return
        line = printable(
            format_progress(
                event.label,
                event.elapsed,
                event.planned_s,
                event.sent,
                event.confirmed,
                event.failed,
                event.tps,
            )
        )
        if not self.tty:
            if event.label != self.label or time.monotonic() - self.printed >= 5.0:
                self.label, self.printed = event.label, time.monotonic()
                print(line, file=sys.stderr)
            return
        if self.open_line and event.label != self.label:
            print(file=sys.stderr)  # keep the finished round's last line
        self.label = event.label
        print("\r" + line.ljust(100), end="", file=sys.stderr, flush=True)
        self.open_line = True

    def close(self) -> None:
        if self.open_line:
            print(file=sys.stderr)
            self.open_line = False


def _run(args: argparse.Namespace) -> int:
    from bench.workload import load_workload
    from bench.workload.suite import load_suite, resolve_suite

    if (args.workload is None) == (args.suite is None):
        raise WorkloadError("run: give a workload file or --suite NAME, not both")
    if args.target_url is not None and args.node is not None:
        raise WorkloadError("run: give --target-url (your node) or --node (a managed one), not both")
    _check_target_url(args.target_url)
    max_plan = _max_plan(args)
    suite = load_suite(resolve_suite(args.suite)) if args.suite else None
    workloads = list(suite.workloads) if suite else [load_workload(args.workload)]
    from bench.plan.size import check_plan_size

    for workload in workloads:
        check_plan_size(workload, max_plan)
    cluster = _cluster_options(args)
    from bench.engine import RunOptions, run_workload  # imports locust (gevent): only for `run`
    from bench.report.terminal import format_summary
    from bench.report.unconfirmed import format_unconfirmed
    from bench.results.names import safe_name
    from bench.results.summary import read_summary

    out = args.out
    if suite is not None:
        out = args.out / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-suite-{safe_name(suite.name)}"
    options = RunOptions(
        out_dir=out,
        target_url=args.target_url,
        funder_key=_funder_key(),
        anvil_binary=_anvil_binary(),
        node=args.node,
        processes=_bounded("--processes", args.processes, 1, MAX_PROCESSES),
        use_websocket=not args.no_websocket,
        cluster=cluster,
    )
    progress = _ProgressLine(args.quiet)
    before = _run_dirs(out)
    invalid: list[str] = []
    try:
        for workload in workloads:
            if suite is not None and not args.quiet:
                print(printable(f"== {workload.name} ({workload.path})"), file=sys.stderr)
            result = run_workload(workload, options, progress)
            progress.close()
            summary = read_summary(result.run_dir / "summary.json")
            invalid.extend(_invalid_rounds(summary))
            if not args.quiet:
                print(format_summary(_printable_labels(summary), color=sys.stdout.isatty()))
                for line in format_unconfirmed(summary):
                    print(printable(line))
                print(f"report: {result.run_dir / 'report.html'}")
    except KeyboardInterrupt as exc:
        progress.close()
        started = sorted(_run_dirs(out) - before)
        kept = (
            f"records collected so far are kept in {started[-1]}" if started else "no run folder was created"
        )
        return _stopped(exc, kept)
    finally:
        progress.close()
        if suite is not None and out.is_dir():  # also when a workload failed: the index shows how far it got
            print(f"suite index: {_write_suite_index(suite.name, suite.version, out)}")
    if args.strict and invalid:
        for line in invalid:
            print(printable(f"strict: {line}"), file=sys.stderr)
        return 4
    return 0


def _printable_labels(summary: RunSummary) -> RunSummary:
    """`summary` with its round labels escaped for the terminal (the table's own colours are kept)."""
    rounds = tuple(dataclasses.replace(r, label=printable(r.label)) for r in summary.rounds)
    return dataclasses.replace(summary, rounds=rounds)


def _bounded(option: str, value: float | None, low: float, high: float) -> Any:
    """`value` when it is None or a number within [low, high]; WorkloadError otherwise."""
    if value is not None and not low <= value <= high:  # also NaN
        raise WorkloadError(f"{option}: must be between {low:g} and {high:g}, got {value:g}")
    return value


def _anvil_binary() -> str | None:
    binary = os.environ.get(ANVIL_ENV)
    if binary and not Path(binary).is_file():
        raise WorkloadError(f"{ANVIL_ENV}: no file at {binary}")
    return binary


def _run_dirs(out: Path) -> set[Path]:
    return {p for p in out.iterdir() if p.is_dir()} if out.is_dir() else set()


def _check_target_url(url: str | None) -> None:
    from bench.urls import redact_url, url_problem

    problem = url_problem(url) if url is not None else None
    if url is not None and problem is not None:
        raise WorkloadError(f"--target-url: {problem}, got {redact_url(url)}")


def _invalid_rounds(summary: RunSummary) -> list[str]:
    """One line per round of a summary that is not a warm-up and is invalid, with its reasons."""
    return [
        f"{summary.workload}: round {r.label!r} is invalid: "
        + "; ".join(f"{x.code}: {x.detail}" for x in r.verdict.invalid)
        for r in summary.rounds
        if not r.warmup and r.verdict is not None and not r.verdict.valid
    ]


def _cluster_options(args: argparse.Namespace) -> Any:
    """The engine's ClusterOptions from --workers / --master / --expect-workers / --master-bind, or None."""
    from bench.engine import ClusterOptions

    if args.workers is not None and args.master:
        raise WorkloadError("run: give --workers N (local workers) or --master (remote workers), not both")
    if args.expect_workers is not None and not args.master:
        raise WorkloadError("run: --expect-workers goes with --master")
    if args.workers is not None:
        count = (os.cpu_count() or 1) if args.workers == "auto" else _positive("--workers", args.workers)
        return ClusterOptions(expect=count, local_workers=count, timeout=_expect_timeout(args))
    if args.master:
        if args.suite is not None:
            raise WorkloadError(
                "run: --master runs one workload (its workers leave with it); use --workers N for a suite"
            )
        if args.expect_workers is None:
            raise WorkloadError("run: --master needs --expect-workers N")
        host, port = _host_port("--master-bind", args.master_bind)
        if host not in ("127.0.0.1", "localhost", "::1", "[::1]"):
            print(
                f"warning: --master-bind {host}: workers anywhere that reaches port {port} can join, unauthenticated, "
                "and receive this run's signed transactions; bind only on a trusted network",
                file=sys.stderr,
            )
        return ClusterOptions(
            expect=_positive("--expect-workers", str(args.expect_workers)),
            bind_host=host,
            bind_port=port,
            timeout=_expect_timeout(args),
        )
    return None


def _expect_timeout(args: argparse.Namespace) -> float:
    return float(_bounded("--expect-timeout", args.expect_timeout, 0.1, MAX_EXPECT_TIMEOUT_S))


def _positive(option: str, value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise WorkloadError(
            f"{option}: expected a whole number >= 1 (or `auto` for --workers), got {value!r}"
        )
    return int(value)


def _host_port(option: str, value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise WorkloadError(
            f"{option}: expected HOST:PORT, e.g. 10.0.0.5:{DEFAULT_MASTER_PORT}, got {value!r}"
        )
    return host, int(port)


def _worker(args: argparse.Namespace) -> int:
    host, port = _host_port("--master", args.master)
    from bench.load.worker import run_worker  # imports locust (gevent): only for `worker`

    try:
        run_worker(host, port)
    except KeyboardInterrupt as exc:
        return _stopped(exc, "this worker left the run (the master reports it lost)")
    return 0


def _write_suite_index(name: str, version: int, out: Path) -> Path:
    from bench.report.suite_index import render_suite_index
    from bench.results.summary import read_summary

    runs = []
    for run_dir in sorted(p for p in out.iterdir() if p.is_dir()):
        summary_path = run_dir / "summary.json"
        runs.append((run_dir, read_summary(summary_path) if summary_path.is_file() else None))
    index = out / "index.html"
    index.write_text(render_suite_index(name, version, runs, out), encoding="utf-8")
    return index


def _report(args: argparse.Namespace) -> int:
    from bench.errors import ResultsError
    from bench.report.outputs import write_outputs
    from bench.report.terminal import format_summary
    from bench.results.full_disk import release_leftover_reserve
    from bench.results.liveness import died
    from bench.results.store import RunStore

    path = args.run_dir / "results.sqlite"
    try:
        store = RunStore(path)
    except FileNotFoundError as exc:
        raise ResultsError(f"no results.sqlite in {args.run_dir}", path=str(args.run_dir)) from exc
    try:
        if died(store.meta()):  # still `running`, but its process is gone: SIGKILL, OOM, power loss
            store.set_meta(status="died", error="the run's process ended without recording how")
            release_leftover_reserve(args.run_dir)
        summary = write_outputs(store, args.run_dir)
    finally:
        store.close()
    print(format_summary(_printable_labels(summary)))
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

    from bench.core.markdown import format_targets

    try:
        run_dir = run_core(quick=args.quick, threads=args.threads, out_dir=args.out, progress=progress)
    except ValueError as exc:  # a thread count this machine cannot run
        raise WorkloadError(f"--threads: {exc}") from exc
    print(file=sys.stderr)
    print(format_targets(json.loads((run_dir / "core.json").read_text(encoding="utf-8"))))
    print(f"report: {run_dir / 'core.html'}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from bench.report.compare import compare_runs
    from bench.results.run_labels import split_run_args

    run_dirs, labels = split_run_args(args.run_dirs, args.labels)
    result = compare_runs(
        run_dirs,
        args.out,
        labels=labels,
        force=args.force,
        allow_invalid=args.allow_invalid,
        gates=args.fail_if,
    )
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"comparison: {result.out_dir / 'index.html'}")
    for line in result.failed_gates:
        print(f"gate failed: {line}", file=sys.stderr)
    return 3 if result.failed_gates else 0


if __name__ == "__main__":
    sys.exit(main())
