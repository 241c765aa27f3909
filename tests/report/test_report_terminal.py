"""bench.report.terminal: the progress line and the summary table, checked against expected text."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from bench.report.terminal import format_progress, format_summary
from bench.results.summary import RunSummary


def _round(
    label: str,
    *,
    warmup: bool = False,
    sent: int = 0,
    confirmed: int = 0,
    failed: dict[str, int] | None = None,
    timed_out: int = 0,
    send: float = 0.0,
    throughput: float = 0.0,
    latency: tuple[float | None, float | None, float | None] = (None, None, None),
    lag_p99: float | None = None,
    **v2: Any,
) -> dict[str, Any]:
    """One round as `summary.json` has it (only what the table reads, plus the unread neighbours);
    `v2` adds what schema 2 has (success_rate, valid, invalid_reasons, flags, timed_out_by_reason ...)."""
    p50, p99, top = latency
    return {
        "label": label,
        "warmup": warmup,
        **v2,
        "sent": sent,
        "confirmed": confirmed,
        "failed": failed or {},
        "timed_out": timed_out,
        "pending": 0,
        "send_rate_tps": send,
        "throughput_tps": throughput,
        "latency_s": {"p50": p50, "p90": None, "p99": p99, "p999": None, "max": top, "mean": None},
        "window_s": None,
        "schedule_lag_s": {"p50": None, "p90": None, "p99": lag_p99, "p999": None, "max": None, "mean": None},
    }


SUMMARY = {
    "schema_version": 2,
    "workload": "transfer",
    "rounds": [
        _round(
            "warmup",
            warmup=True,
            sent=250,
            confirmed=250,
            send=50.04,
            throughput=49.87,
            latency=(0.5123, 0.98, 1.0004),
            lag_p99=0.0012,
            success_rate=1.0,
            valid=True,
        ),
        _round(
            "steady",
            sent=6000,
            confirmed=5990,
            failed={"txpool-full": 2, "nonce": 3},
            timed_out=5,
            send=199.96,
            throughput=1234.5,
            latency=(0.6, 1.2, 1.5),
            lag_p99=0.00049,
            success_rate=5990 / 6000,
            valid=True,
            timed_out_by_reason={"dropped": 2, "nonce-gap": 3},
        ),
        _round("idle"),
    ],
}

EXPECTED = textwrap.dedent(
    """\
    round             success   sent  confirmed  failed  timed out  send tx/s  throughput tx/s  p50 ms   p99 ms   max ms  lag p99 ms  verdict
    ----------------  -------  -----  ---------  ------  ---------  ---------  ---------------  ------  -------  -------  ----------  -------
    warmup (warm-up)  100.0 %    250        250       0          0       50.0             49.9   512.3    980.0  1,000.4         1.2  valid
    steady             99.8 %  6,000      5,990       5          5      200.0          1,234.5   600.0  1,200.0  1,500.0         0.5  valid
    idle                    -      0          0       0          0        0.0              0.0       -        -        -           -  -
    steady: 5 of 5,995 accepted transactions were never included: 2 dropped (the node no longer knows them); 3 behind a nonce gap (an earlier nonce of the sender was dropped or rejected).
    failures by reason: nonce 3, txpool-full 2"""
)


def test_format_summary() -> None:
    assert format_summary(RunSummary.from_json(SUMMARY)) == EXPECTED


def test_format_summary_without_failures_has_no_reason_line() -> None:
    text = format_summary(
        RunSummary.from_json(
            {"rounds": [_round("only", sent=1, confirmed=1, send=0.0, latency=(0.001, 0.001, 0.001))]}
        )
    )
    assert text == textwrap.dedent(
        """\
        round  success  sent  confirmed  failed  timed out  send tx/s  throughput tx/s  p50 ms  p99 ms  max ms  lag p99 ms  verdict
        -----  -------  ----  ---------  ------  ---------  ---------  ---------------  ------  ------  ------  ----------  -------
        only         -     1          1       0          0        0.0              0.0     1.0     1.0     1.0           -  -"""
    )


def test_format_summary_no_rounds() -> None:
    assert format_summary(RunSummary.from_json({"rounds": []})) == (
        "round  success  sent  confirmed  failed  timed out  send tx/s  throughput tx/s  p50 ms  p99 ms  max ms  lag p99 ms  verdict\n"
        "-----  -------  ----  ---------  ------  ---------  ---------  ---------------  ------  ------  ------  ----------  -------"
    )


def test_a_lost_round_shows_censored_latency_its_timeouts_and_verdict() -> None:
    """857 of 6,000 confirmed: the latency shown is over all 6,000, not the 857 survivors."""
    lost = _round(
        "steady",
        sent=6000,
        confirmed=857,
        timed_out=5143,
        send=200.0,
        throughput=28.6,
        lag_p99=0.25,
        success_rate=857 / 6000,
        valid=False,
        invalid_reasons=[
            {"code": "generator-cpu-bound", "detail": "schedule lag p99 250 ms (bound 100 ms): ..."}
        ],
        flags=[{"code": "pool-ran-out", "detail": "the pre-signed pool ran out"}],
        timed_out_by_reason={"queued": 5143},
        queued_next_nonce=100,
    )
    lost["latency_s"] = {
        **dict.fromkeys(("p50", "p90", "p99", "p999", "max", "mean")),
        "confirmed_fraction": 0.142833,
        "censored_above_s": 31.04,
    }
    plain = format_summary(RunSummary.from_json({"rounds": [lost]}))
    assert plain.splitlines()[2] == (
        "steady   14.3 %  6,000        857       0      5,143      200.0             28.6  > 31.0 s  > 31.0 s  "
        "> 31.0 s       250.0  INVALID: generator-cpu-bound"
    )
    assert plain.splitlines()[3:] == [
        "steady: 5,143 of 6,000 accepted transactions were never included; the node still holds all of them, "
        "as queued, with the next nonce of 100 of their senders among the queued.",
        "steady: invalid (generator-cpu-bound): schedule lag p99 250 ms (bound 100 ms): ...",
        "steady: pool-ran-out: the pre-signed pool ran out",
    ]
    colored = format_summary(RunSummary.from_json({"rounds": [lost]}), color=True).splitlines()
    assert colored[2] == f"\033[31m{plain.splitlines()[2]}\033[0m"
    assert colored[4].startswith("\033[31msteady: invalid") and not colored[5].startswith("\033[31m")


def test_format_summary_lines_have_no_trailing_space() -> None:
    assert all(line == line.rstrip() for line in format_summary(RunSummary.from_json(SUMMARY)).splitlines())


def test_failures_by_reason_are_summed_over_rounds() -> None:
    summary = {
        "rounds": [
            _round("a", sent=5, failed={"nonce": 2}),
            _round("b", sent=5, failed={"nonce": 3, "gas": 1}),
        ]
    }
    assert (
        format_summary(RunSummary.from_json(summary)).splitlines()[-1] == "failures by reason: gas 1, nonce 5"
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("steady", 12.345, 30.0, 2469, 2000, 3, 1234.6),
            "[steady]  12.3/30s  sent 2,469  confirmed 2,000  1,235 tx/s  failed 3",
        ),
        (("closed", 3.0, None, 10, 5, 0, 0.0), "[closed]   3.0s  sent 10  confirmed 5  0 tx/s  failed 0"),
        (
            ("x", 123.456, 0.0, 1234567, 0, 1000, 1e6),
            "[x] 123.5s  sent 1,234,567  confirmed 0  1,000,000 tx/s  failed 1,000",
        ),
        (("warmup", 0.0, 5.0, 0, 0, 0, 0.0), "[warmup]   0.0/5s  sent 0  confirmed 0  0 tx/s  failed 0"),
    ],
)
def test_format_progress(args: tuple[Any, ...], expected: str) -> None:
    assert format_progress(*args) == expected


def test_writes_in_blocks_without_send_records_are_said() -> None:
    r = _round("steady", sent=100, confirmed=100, included_unrecorded=3, success_rate=1.0, valid=False)
    assert format_summary(RunSummary.from_json({"rounds": [r]})).splitlines()[-1] == (
        "steady: 3 transactions were found in blocks although their send records were lost with a worker; "
        "their send times are unknown, so no figure of the round counts them."
    )
