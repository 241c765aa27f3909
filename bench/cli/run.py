"""`chainmark run` and `chainmark worker`: the progress line, the funder key, the cluster options, the run's terminal summary and exit status."""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.errors import WorkloadError

if TYPE_CHECKING:  # the summary record comes with numpy, the engine with Locust: imported when used
    from bench.engine import RunOptions
    from bench.results.summary import RunSummary
    from bench.workload.spec import Workload

from bench.cli.common import (
    ANVIL_ENV,
    FUNDER_KEY_ENV,
    MAX_EXPECT_TIMEOUT_S,
    MAX_PROCESSES,
    bounded,
    host_port,
    max_plan_of,
    positive,
    printable,
    printable_labels,
    stopped,
    write_suite_index,
)


def _funder_key() -> bytes | None:
    """The funder's private key from the environment: 64 hex digits (0x optional) or WIF (compressed, any
    network's version byte). Errors say what is wrong, never the value."""
    value = os.environ.get(FUNDER_KEY_ENV)
    if not value:
        return None
    from bench.keytext import read_private_key

    try:
        return read_private_key(value)
    except ValueError as exc:
        raise WorkloadError(
            f"{FUNDER_KEY_ENV}: expected 32 bytes of hex or a WIF key ({exc}; the value is not shown)"
        ) from None


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
    if args.suite == "acceptance":
        from bench.cli.acceptance import run_acceptance_suite

        return run_acceptance_suite(args)
    if args.from_saturation is not None:
        raise WorkloadError("run: --from-saturation goes with --suite acceptance")
    if args.target_url is not None and args.node is not None:
        raise WorkloadError("run: give --target-url (your node) or --node (a managed one), not both")
    _check_target_url(args.target_url)
    max_plan = max_plan_of(args)
    suite = load_suite(resolve_suite(args.suite)) if args.suite else None
    workloads = list(suite.workloads) if suite else [load_workload(args.workload)]
    from bench.plan.size import check_plan_size
    from bench.workload.faults import check_faults_on_node, check_faults_remote

    for workload in workloads:
        check_plan_size(workload, max_plan)
        if args.target_url is not None:
            check_faults_remote(workload.faults, workload.path)
            _check_one_node(workload, "--target-url names one node")
        if args.node is not None and workload.target.chain == "ethereum":
            check_faults_on_node(workload.faults, args.node, workload.path)
        if args.node is not None and len(workload.target.nodes) > 1:
            raise WorkloadError(
                f"--node {args.node} starts one managed node, and the workload names a remote network "
                "(target.nodes): give one or the other",
                path=workload.path,
                field="target.nodes",
            )
    cluster = _cluster_options(args)
    from bench.engine import run_workload  # imports locust (gevent): only for `run`
    from bench.report.terminal import format_summary
    from bench.report.unconfirmed import format_unconfirmed
    from bench.results.names import safe_name
    from bench.results.summary import read_summary

    out = args.out
    if suite is not None:
        out = args.out / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-suite-{safe_name(suite.name)}"
    options = run_options(args, out, cluster)
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
                print(format_summary(printable_labels(summary), color=sys.stdout.isatty()))
                for line in format_unconfirmed(summary):
                    print(printable(line))
                print(f"report: {result.run_dir / 'report.html'}")
    except KeyboardInterrupt as exc:
        progress.close()
        started = sorted(_run_dirs(out) - before)
        kept = (
            f"records collected so far are kept in {started[-1]}" if started else "no run folder was created"
        )
        return stopped(exc, kept)
    finally:
        progress.close()
        if suite is not None and out.is_dir():  # also when a workload failed: the index shows how far it got
            print(f"suite index: {write_suite_index(suite.name, suite.version, out)}")
    if args.strict and invalid:
        for line in invalid:
            print(printable(f"strict: {line}"), file=sys.stderr)
        return 4
    return 0


def run_options(args: argparse.Namespace, out: Path, cluster: Any) -> RunOptions:
    """The engine's options from the command line's (run, saturate and the acceptance suite share them)."""
    from bench.engine import RunOptions

    return RunOptions(
        out_dir=out,
        target_url=args.target_url,
        funder_key=_funder_key(),
        anvil_binary=_anvil_binary(),
        node=args.node,
        processes=bounded("--processes", args.processes, 1, MAX_PROCESSES),
        use_websocket=not args.no_websocket,
        cluster=cluster,
    )


def _anvil_binary() -> str | None:
    binary = os.environ.get(ANVIL_ENV)
    if binary and not Path(binary).is_file():
        raise WorkloadError(f"{ANVIL_ENV}: no file at {binary}")
    return binary


def _run_dirs(out: Path) -> set[Path]:
    return {p for p in out.iterdir() if p.is_dir()} if out.is_dir() else set()


def _check_one_node(workload: Workload, why: str) -> None:
    """A workload of several nodes' settings, run against one node: each setting that needs several is an error."""
    target = workload.target
    if target.submit != "primary":
        raise WorkloadError(
            f"{target.submit} spreads writes over the workload's nodes, and {why}",
            path=workload.path,
            field="target.submit",
        )
    if target.confirm_at is not None:
        raise WorkloadError(
            f"counts the nodes holding a write's block, and {why}",
            path=workload.path,
            field="target.confirm_at",
        )


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
        count = (os.cpu_count() or 1) if args.workers == "auto" else positive("--workers", args.workers)
        return ClusterOptions(expect=count, local_workers=count, timeout=_expect_timeout(args))
    if args.master:
        if args.suite is not None:
            raise WorkloadError(
                "run: --master runs one workload (its workers leave with it); use --workers N for a suite"
            )
        if args.expect_workers is None:
            raise WorkloadError("run: --master needs --expect-workers N")
        host, port = host_port("--master-bind", args.master_bind)
        if host not in ("127.0.0.1", "localhost", "::1", "[::1]"):
            print(
                f"warning: --master-bind {host}: workers anywhere that reaches port {port} can join, unauthenticated, "
                "and receive this run's signed transactions; bind only on a trusted network",
                file=sys.stderr,
            )
        return ClusterOptions(
            expect=positive("--expect-workers", str(args.expect_workers)),
            bind_host=host,
            bind_port=port,
            timeout=_expect_timeout(args),
        )
    return None


def _expect_timeout(args: argparse.Namespace) -> float:
    return float(bounded("--expect-timeout", args.expect_timeout, 0.1, MAX_EXPECT_TIMEOUT_S))


def _worker(args: argparse.Namespace) -> int:
    host, port = host_port("--master", args.master)
    from bench.load.worker import run_worker  # imports locust (gevent): only for `worker`

    try:
        run_worker(host, port)
    except KeyboardInterrupt as exc:
        return stopped(exc, "this worker left the run (the master reports it lost)")
    return 0
