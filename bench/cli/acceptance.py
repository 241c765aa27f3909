"""`chainmark run --suite acceptance`: the stress, spike and stability tests at a saturation's maximum.

The maximum comes from `--from-saturation DIR`, or else from the newest folder under `--out` that holds a
saturation.json. Every criterion is printed pass or fail; the exit status is 0 only if all passed, 3 if one
failed (as a comparison gate does).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from bench.cli.common import max_plan_of, printable, stopped, write_suite_index
from bench.cli.saturate import duration_option
from bench.errors import WorkloadError

EXIT_CRITERION_FAILED = 3


def run_acceptance_suite(args: argparse.Namespace) -> int:
    from bench.cli.run import _check_target_url, _cluster_options, _ProgressLine, run_options
    from bench.plan.size import check_plan_size
    from bench.results.saturation import read_saturation
    from bench.saturate.acceptance import acceptance_tests, find_saturation, saturation_workload

    if args.target_url is not None and args.node is not None:
        raise WorkloadError("run: give --target-url (your node) or --node (a managed one), not both")
    _check_target_url(args.target_url)
    stress_s = duration_option("--stress-duration", args.stress_duration, minimum=1.0)
    stability_s = duration_option("--stability-duration", args.stability_duration, minimum=10.0)
    sat_dir = find_saturation(args.from_saturation, args.out)
    sat = read_saturation(sat_dir)
    tests = acceptance_tests(sat, saturation_workload(sat, sat_dir), stress_s, stability_s)
    for test in tests:
        check_plan_size(test.workload, max_plan_of(args))
    from bench.saturate.acceptance_run import REPORT, run_acceptance

    out = args.out / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-suite-acceptance"
    options = run_options(args, out, _cluster_options(args))
    progress = _ProgressLine(args.quiet)
    if not args.quiet:
        print(printable(f"acceptance at {sat.max_tps:,.1f} tx/s, the maximum of {sat_dir}"), file=sys.stderr)
    try:
        result = run_acceptance(sat, sat_dir, tests, options, progress)
    except KeyboardInterrupt as exc:
        return stopped(exc, f"the finished tests are kept in {out}")
    finally:
        progress.close()
        if out.is_dir():
            print(f"suite index: {write_suite_index('acceptance', 1, out)}")
    for c in result.criteria:
        print(printable(f"{'PASS' if c.passed else 'FAIL'} {c.test}: {c.name}: {c.detail}"))
    print(f"acceptance: {out / REPORT}")
    return 0 if result.passed else EXIT_CRITERION_FAILED
