"""`chainmark saturate`: its options checked (one line, exit 2), the search run, what it found printed."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from bench.cli.common import max_plan_of, printable, stopped
from bench.errors import WorkloadError
from bench.saturate.search import SearchConfig

MAX_STEPS = 100


def add_saturate(sub: Any) -> None:
    """The `saturate` command's parser, beside `run`'s (it takes the same target and load options)."""
    from pathlib import Path

    from bench.cli.common import add_max_plan
    from bench.workload.spec import NODE_NAMES

    cmd = sub.add_parser(
        "saturate",
        help="find the highest rate the target sustains under SLOs: geometric steps, then bisection to 5 %%",
    )
    cmd.add_argument("workload", type=Path, help="the workload YAML (its target, accounts and rounds)")
    cmd.add_argument(
        "--slo",
        action="append",
        default=[],
        metavar="EXPR",
        help="a bound every step must keep, e.g. 'latency_s.p99<2s' (repeatable; any summary metric)",
    )
    cmd.add_argument(
        "--min-success",
        type=float,
        default=0.95,
        help="a step holds at this success rate or more (default 0.95)",
    )
    cmd.add_argument(
        "--round",
        metavar="LABEL",
        help="the round whose kind and shape are scaled (default: the first not a warm-up)",
    )
    cmd.add_argument(
        "--step-duration", default="10s", metavar="DURATION", help="each step's measured round (default 10s)"
    )
    cmd.add_argument(
        "--warmup",
        default="3s",
        metavar="DURATION",
        help="each step's warm-up round at its rate (default 3s; 0: none)",
    )
    cmd.add_argument(
        "--start-tps", type=float, help="the first step's rate (default: the round's own rate, else 100)"
    )
    cmd.add_argument("--max-tps", type=float, help="never offer more than this (the search stops there)")
    cmd.add_argument("--factor", type=float, default=2.0, help="the geometric steps' ratio (default 2)")
    cmd.add_argument(
        "--tolerance", type=float, default=0.05, help="bisect until within this fraction (default 0.05)"
    )
    cmd.add_argument(
        "--follow",
        type=float,
        default=0.90,
        help="a step holds when confirmed >= this x offered (default 0.9)",
    )
    cmd.add_argument(
        "--max-steps",
        type=int,
        default=20,
        help=f"give up after this many steps (default 20, at most {MAX_STEPS})",
    )
    cmd.add_argument("--target-url", help="any Ethereum JSON-RPC endpoint instead of the managed node")
    cmd.add_argument("--node", choices=NODE_NAMES, help="the managed node to start and measure")
    cmd.add_argument(
        "--out", type=Path, default=Path("reports"), help="folder for the run folder (default reports/)"
    )
    cmd.add_argument("-q", "--quiet", action="store_true", help="no progress on the terminal")
    cmd.add_argument("--processes", type=int, help="signing processes (default: one per core)")
    cmd.add_argument(
        "--workers", metavar="N", help="send from N local Locust worker processes (`auto`: one per core)"
    )
    cmd.add_argument("--no-websocket", action="store_true", help="poll for new blocks instead of newHeads")
    add_max_plan(cmd)
    cmd.set_defaults(handler=_saturate, master=False, expect_workers=None, suite=None, expect_timeout=60.0)


def _saturate(args: argparse.Namespace) -> int:
    from bench.cli.run import _check_target_url, _cluster_options, _ProgressLine, _run_dirs, run_options
    from bench.plan.size import check_plan_size
    from bench.saturate.slo import parse_slo
    from bench.saturate.steps import StepPlan, start_rate, step_rounds, template_round
    from bench.workload import load_workload

    if args.target_url is not None and args.node is not None:
        raise WorkloadError("saturate: give --target-url (your node) or --node (a managed one), not both")
    _check_target_url(args.target_url)
    slos = tuple(parse_slo(e) for e in args.slo)
    config = _search_config(args)
    step_s = duration_option("--step-duration", args.step_duration, minimum=1.0)
    warmup_s = duration_option("--warmup", args.warmup, minimum=0.0)
    workload = load_workload(args.workload)
    template = template_round(workload, args.round)
    config = dataclasses.replace(config, start_tps=config.start_tps or start_rate(template))
    steps = StepPlan(template, config, slos, step_s, warmup_s)
    first = step_rounds(
        template, min(config.start_tps, config.max_tps or config.start_tps), 1, step_s, warmup_s
    )
    check_plan_size(dataclasses.replace(workload, rounds=first), max_plan_of(args))
    from bench.saturate.run import REPORT, run_saturation

    options = run_options(args, args.out, _cluster_options(args))
    progress = _ProgressLine(args.quiet)
    before = _run_dirs(args.out)
    try:
        result = run_saturation(workload, options, steps, progress)
    except KeyboardInterrupt as exc:
        progress.close()
        started = sorted(_run_dirs(args.out) - before)
        return stopped(
            exc, f"the steps so far are kept in {started[-1]}" if started else "no run folder was created"
        )
    finally:
        progress.close()
    sat = result.saturation
    print(printable(sat.finding))
    for knee, pct in ((sat.knee_p50, "p50"), (sat.knee_p99, "p99")):
        if knee is not None:
            print(
                f"knee ({pct}, Kneedle): {knee.offered_tps:,.1f} tx/s offered, latency {knee.latency_s:.3f} s"
            )
    print(f"saturation: {result.run_dir / 'saturation.json'}")
    print(f"report: {result.run_dir / REPORT}")
    return 0 if sat.max_tps is not None and sat.stop != "invalid" else 1


def _search_config(args: argparse.Namespace) -> SearchConfig:
    """The search's settings from the options (start_tps 0: the round's own rate, decided later)."""
    return SearchConfig(
        start_tps=_positive("--start-tps", args.start_tps) if args.start_tps is not None else 0.0,
        max_tps=_positive("--max-tps", args.max_tps) if args.max_tps is not None else None,
        factor=_between("--factor", args.factor, 1.05, 100.0),
        tolerance=_between("--tolerance", args.tolerance, 0.001, 0.5),
        min_success=_between("--min-success", args.min_success, 0.0, 1.0),
        follow=_between("--follow", args.follow, 0.0, 1.0),
        max_steps=int(_between("--max-steps", args.max_steps, 1, MAX_STEPS)),
    )


def _positive(option: str, value: float) -> float:
    if not value > 0:  # also NaN
        raise WorkloadError(f"{option}: must be > 0 tx/s, got {value:g}")
    return float(value)


def _between(option: str, value: float, low: float, high: float) -> float:
    if not low <= value <= high:
        raise WorkloadError(f"{option}: must be between {low:g} and {high:g}, got {value:g}")
    return float(value)


def duration_option(option: str, value: str, minimum: float) -> float:
    from bench.workload.duration import parse_duration

    try:
        seconds = parse_duration(value)
    except ValueError as exc:
        raise WorkloadError(f"{option}: {exc}, got {value!r}") from None
    if seconds < minimum:
        raise WorkloadError(f"{option}: must be at least {minimum:g} s, got {value!r}")
    return seconds
