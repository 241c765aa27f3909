"""What the `chainmark` commands share: exit statuses, environment names, printing user text, option checks."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.errors import Terminated, WorkloadError

if TYPE_CHECKING:  # the summary record comes with numpy: imported by the commands that read one
    from bench.results.summary import RunSummary


FUNDER_KEY_ENV = "CHAINMARK_FUNDER_KEY"
CLEAR_LINE = "\r\033[K" if sys.stderr.isatty() else ""
ANVIL_ENV = "CHAINMARK_ANVIL"
DEFAULT_MASTER_PORT = 5557  # Locust's own default master port
MAX_PROCESSES, MAX_EXPECT_TIMEOUT_S = 256, 24 * 3600.0
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143  # 128 + SIGINT, 128 + SIGTERM: the shells' convention


def stopped(exc: KeyboardInterrupt, what: str = "") -> int:
    terminated = isinstance(exc, Terminated)
    word = "terminated" if terminated else "interrupted"
    print(f"{CLEAR_LINE}{word}: {what}" if what else f"{CLEAR_LINE}{word}", file=sys.stderr)
    return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED


def printable(text: str) -> str:
    """`text` with control and other non-printable characters escaped (\\x1b), so a terminal shows it as is."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def add_max_plan(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--max-plan",
        metavar="SIZE",
        help="refuse a workload whose plan needs more memory than SIZE, e.g. 4GiB (default: half of this "
        "machine's memory)",
    )


def max_plan_of(args: argparse.Namespace) -> int:
    from bench.plan.size import default_max_plan, parse_bytes

    if args.max_plan is None:
        return default_max_plan()
    try:
        return parse_bytes(args.max_plan)
    except ValueError as exc:
        raise WorkloadError(f"--max-plan: {exc}") from exc


def bounded(option: str, value: float | None, low: float, high: float) -> Any:
    """`value` when it is None or a number within [low, high]; WorkloadError otherwise."""
    if value is not None and not low <= value <= high:  # also NaN
        raise WorkloadError(f"{option}: must be between {low:g} and {high:g}, got {value:g}")
    return value


def positive(option: str, value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise WorkloadError(
            f"{option}: expected a whole number >= 1 (or `auto` for --workers), got {value!r}"
        )
    return int(value)


def host_port(option: str, value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise WorkloadError(
            f"{option}: expected HOST:PORT, e.g. 10.0.0.5:{DEFAULT_MASTER_PORT}, got {value!r}"
        )
    return host, int(port)


def printable_labels(summary: RunSummary) -> RunSummary:
    """`summary` with its round labels escaped for the terminal (the table's own colours are kept)."""
    rounds = tuple(dataclasses.replace(r, label=printable(r.label)) for r in summary.rounds)
    return dataclasses.replace(summary, rounds=rounds)


def write_suite_index(name: str, version: int, out: Path) -> Path:
    from bench.report.suite_index import render_suite_index
    from bench.results.summary import read_summary

    runs = []
    for run_dir in sorted(p for p in out.iterdir() if p.is_dir()):
        summary_path = run_dir / "summary.json"
        runs.append((run_dir, read_summary(summary_path) if summary_path.is_file() else None))
    index = out / "index.html"
    index.write_text(render_suite_index(name, version, runs, out), encoding="utf-8")
    return index
