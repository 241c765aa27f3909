"""`chainmark report`, `core` and `compare`: outputs rebuilt from run folders, the core benchmark, comparisons and their gates."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench.cli.common import printable_labels
from bench.errors import WorkloadError


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
        saturation = store.meta().get("saturation") is not None
    finally:
        store.close()
    print(format_summary(printable_labels(summary)))
    print(f"report: {args.run_dir / 'report.html'}")
    if saturation:  # a `chainmark saturate` run folder: its saturation.json and report too
        from bench.saturate.run import REPORT, write_saturation_outputs

        write_saturation_outputs(args.run_dir)
        print(f"saturation: {args.run_dir / REPORT}")
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
    from bench.results.saturation import is_saturation

    run_dirs, labels = split_run_args(args.run_dirs, args.labels)
    if any(is_saturation(d) for d in run_dirs):
        return _compare_saturations(args, run_dirs, labels)
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


def _compare_saturations(args: argparse.Namespace, run_dirs: list[Path], labels: list[str | None]) -> int:
    """`chainmark compare` of saturation folders (every one has a saturation.json): their curves overlaid."""
    from bench.report.saturation_compare import compare_saturations
    from bench.results.saturation import is_saturation

    plain = [str(d) for d in run_dirs if not is_saturation(d)]
    if plain:
        raise WorkloadError(
            f"compare: {', '.join(plain)}: not a saturation folder (no saturation.json); compare saturation "
            "folders with saturation folders, runs with runs"
        )
    if args.fail_if:
        raise WorkloadError("compare: --fail-if gates the rounds of runs, not saturation folders")
    result = compare_saturations(run_dirs, args.out, labels)
    print(f"comparison: {result.out_dir / 'index.html'}")
    return 0
