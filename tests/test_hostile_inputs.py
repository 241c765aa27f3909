"""A corpus of hostile inputs given to the real `chainmark` command: each is one `error:` line, exit status 2,
no traceback, nothing started, within seconds and bounded memory (issue 16)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.runhelpers import ROOT

ROUND = "  - {label: a, duration: 10s, rate: {type: fixed-rate, tps: 10}}\n"
MEMORY_LIMIT = 1 << 30  # address space: far above what validating a 1 MB workload needs
TIME_LIMIT_S = 10.0


def workload(*, top: str = "", target: str = "", accounts: str = "", rounds: str = ROUND) -> str:
    text = "name: w\n" + top
    if target:
        text += f"target: {{{target}}}\n"
    if accounts:
        text += f"accounts: {{{accounts}}}\n"
    return text + "rounds:\n" + rounds


def one_round(rate: str = "{type: fixed-rate, tps: 10}", extra: str = "duration: 10s") -> str:
    return workload(rounds=f"  - {{label: a, {extra}, rate: {rate}}}\n")


@dataclass(frozen=True)
class Case:
    """Files to write (a value of `fifo` makes a FIFO, `symlink:PATH` a symlink), argv, the expected line."""

    files: dict[str, str]
    args: tuple[str, ...]
    error: str  # the stderr line, exactly; {d} is the test's folder


def validate(text: str, error: str, **extra: str) -> Case:
    return Case({"w.yaml": text, **extra}, ("validate", "w.yaml"), error)


def trace(content: str, error: str, name: str = "t.csv") -> Case:
    return validate(one_round(f"{{type: trace, file: {name}}}", "warmup: false"), error, **{name: content})


NESTED = "[" * 50_000 + "]" * 50_000
ALIAS_BOMB_TRACE = "- &a [0, 1]\n" + "".join(
    f"- &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(9)
)

CASES: dict[str, Case] = {
    # ---- files read whole before their size was checked (5) ------------------------------------
    "workload-fifo": Case(
        {"w.yaml": "fifo"},
        ("validate", "w.yaml"),
        "w.yaml: cannot read workload: not a regular file (a FIFO)",
    ),
    "workload-dev-zero": Case(
        {"w.yaml": "symlink:/dev/zero"},
        ("validate", "w.yaml"),
        "w.yaml: cannot read workload: not a regular file (a character device)",
    ),
    "workload-nested-50k": validate(NESTED, "w.yaml:1: invalid YAML: nested deeper than 64 levels"),
    "workload-nul-byte": validate(
        "name: w\x00\nrounds: []\n", "w.yaml:1: invalid YAML: character #x0000 is not allowed"
    ),
    "workload-over-1mb": validate(
        workload() + "#" * 1_000_000, "w.yaml: file is 1000081 bytes, the limit is 1000000"
    ),
    "trace-dev-urandom": trace(
        "symlink:/dev/urandom",
        "w.yaml:3: rounds[0].rate.file: cannot read trace file t.csv: not a regular file (a character device), got 't.csv'",
    ),
    "trace-fifo": trace(
        "fifo",
        "w.yaml:3: rounds[0].rate.file: cannot read trace file t.csv: not a regular file (a FIFO), got 't.csv'",
    ),
    "trace-nested-50k": trace(NESTED, "t.yaml:1: invalid YAML: nested deeper than 64 levels", "t.yaml"),
    "trace-alias-bomb": trace(
        ALIAS_BOMB_TRACE, "t.yaml:2: [1]: expected a [t_s, tps] pair, got a list", "t.yaml"
    ),
    "trace-csv-field-over-128k": trace(
        "0,1\n1," + "9" * 200_000 + "\n", "t.csv:3: not a CSV trace: field larger than field limit (131072)"
    ),
    "trace-csv-nul": trace("0,1\n1,\x002\n", "t.csv:2: expected two numbers (t_s, tps), got ['1', '\\x002']"),
    "trace-binary": trace(
        "0,1\n\udcff\n", "w.yaml:3: rounds[0].rate.file: t.csv: trace file is not UTF-8 text, got 't.csv'"
    ),
    "suite-yaml-error": Case(
        {"s.yaml": "suite: x\nversion: 1\nworkloads: [w.yaml\n"},
        ("run", "--suite", "s.yaml", "--out", "out"),
        "s.yaml:4: invalid YAML: expected ',' or ']', but got '<stream end>'",
    ),
    "suite-nested-50k": Case(
        {"s.yaml": NESTED},
        ("run", "--suite", "s.yaml", "--out", "out"),
        "s.yaml:1: invalid YAML: nested deeper than 64 levels",
    ),
    "suite-fifo": Case(
        {"s.yaml": "fifo"},
        ("run", "--suite", "s.yaml", "--out", "out"),
        "s.yaml: cannot read suite manifest: not a regular file (a FIFO)",
    ),
    # ---- no bound on what a workload asks for (3) -----------------------------------------------
    "tps-1e12": validate(
        one_round("{type: fixed-rate, tps: 1000000000000}"),
        "w.yaml:3: rounds[0].rate.tps: must be <= 1000000, got 1000000000000",
    ),
    "duration-1e9s": validate(
        one_round(extra="duration: 1000000000s"),
        "w.yaml:3: rounds[0].duration: must be <= 604800 s, got '1000000000s'",
    ),
    "tx-count-1e9": validate(
        one_round(extra="tx_count: 1000000000"),
        "w.yaml:3: rounds[0].tx_count: must be <= 100000000, got 1000000000",
    ),
    "accounts-1e8": validate(
        workload(accounts="count: 100000000"), "w.yaml:2: accounts.count: must be <= 1000000, got 100000000"
    ),
    "step-1e9s": validate(
        one_round("{type: step-rate, steps: [{duration: 1000000000s, tps: 5}]}", "warmup: false"),
        "w.yaml:3: rounds[0].rate.steps[0].duration: must be <= 604800 s, got '1000000000s'",
    ),
    "trace-1e9s": trace(
        "0,1\n1000000000,1\n", "t.csv:2: t_s must be <= 604800 and tps <= 1e+06, got ['1000000000', '1']"
    ),
    "trace-scaled-to-1e9": validate(
        one_round("{type: trace, file: t.csv, scale: 1000000}", "warmup: false"),
        "w.yaml:3: rounds[0].rate.scale: the scaled trace peaks at 1e+09 tps, over the limit of 1e+06, got 1000000",
        **{"t.csv": "0,1000\n10,1000\n"},
    ),
    "in-flight-1e9": validate(
        one_round("{type: fixed-backlog, in_flight: 1000000000}"),
        "w.yaml:3: rounds[0].rate.in_flight: must be <= 1000000, got 1000000000",
    ),
    "max-tps-1e15": validate(
        one_round("{type: maximum-rate, max_tps: 1000000000000000}"),
        "w.yaml:3: rounds[0].rate.max_tps: must be <= 1000000, got 1000000000000000",
    ),
    "ramp-to-1e9": validate(
        one_round("{type: linear-rate, start_tps: 1, end_tps: 1000000000}"),
        "w.yaml:3: rounds[0].rate.end_tps: must be <= 1000000, got 1000000000",
    ),
    "seed-2-256": validate(
        workload(accounts=f"seed: {2**256}"),
        "w.yaml:2: accounts.seed: must be <= 2^64-1, got 115792089237316195423570985008687907853269984665640564039...",
    ),
    "gas-price-1e300": validate(
        workload(target="gas_price_gwei: 1.0e+300"),
        "w.yaml:2: target.gas_price_gwei: must be <= 1000000, got 1.0e+300",
    ),
    "funding-1e30": validate(
        workload(accounts="funding_eth: 1.0e+30"),
        "w.yaml:2: accounts.funding_eth: must be <= 1000000000, got 1.0e+30",
    ),
    "gas-1e30": validate(
        one_round(extra=f"duration: 1s, tx: {{kind: transfer, gas: {10**30}}}"),
        f"w.yaml:3: rounds[0].tx.gas: must be <= 2^64-1, got {10**30}",
    ),
    "gas-over-the-block": validate(
        one_round(extra="duration: 1s, tx: {kind: transfer, gas: 200000000}"),
        "w.yaml:3: rounds[0].tx.gas: must be <= target.gas_limit 100000000 (a managed node's block), got 200000000",
    ),
    "value-1e80": validate(
        one_round(extra=f"duration: 1s, tx: {{kind: transfer, value_wei: {10**80}}}"),
        "w.yaml:3: rounds[0].tx.value_wei: must be <= 2^256-1, got 100000000000000000000000000000000000000000000000000000000...",
    ),
    "gas-limit-2-64": validate(
        workload(target=f"gas_limit: {2**64}"), f"w.yaml:2: target.gas_limit: must be <= 2^64-1, got {2**64}"
    ),
    "block-time-1ns": validate(
        workload(target="block_time: 0.000000001"),
        "w.yaml:2: target.block_time: must be >= 0.1 s, got 0.000000001",
    ),
    "duration-in-days": Case(
        {"w.yaml": one_round("{type: fixed-rate, tps: 1000000}", "duration: 7d")},
        ("validate", "w.yaml"),
        "w.yaml:3: rounds[0].duration: expected a duration such as 30, 30s, 500ms, 2m or 1h, got '7d'",
    ),
    "plan-of-6e11-transactions": validate(
        one_round("{type: fixed-rate, tps: 1000000}", "duration: 168h"),
        "w.yaml:3: rounds[0]: the plan is 604,800,000,000 transactions and 100 accounts, about 660.1 TiB of memory "
        "at its peak, over --max-plan 100.0 MiB; lower this round's rate, duration or tx_count (or raise "
        "--max-plan), got 604,800,000,000 transactions in this round",
    ),
    "max-plan-not-a-size": Case(
        {"w.yaml": workload()},
        ("validate", "w.yaml", "--max-plan", "lots"),
        "--max-plan: expected a size such as 500MB, 4GiB or 2000000000, got 'lots'",
    ),
    # ---- malformed URLs (7) ----------------------------------------------------------------------
    "url-unclosed-ipv6": validate(
        workload(target="url: 'http://[::1'"),
        "w.yaml:2: target.url: the host is not a valid [IPv6] address (a missing ']'?), got http://[::1",
    ),
    "url-port-99999": validate(
        workload(target="url: 'http://127.0.0.1:99999'"),
        "w.yaml:2: target.url: the port must be 1-65535, got http://127.0.0.1:99999",
    ),
    "url-slash-in-password": validate(
        workload(target="url: 'http://bob:pa/ss@127.0.0.1:8545'"),
        "w.yaml:2: target.url: the port is not a number (a ':' or '/' in the password? percent-encode it: %3A, %2F), "
        "got http://***@127.0.0.1:8545",
    ),
    "url-empty-host": validate(
        workload(target="url: 'http://:8545'"), "w.yaml:2: target.url: the host is empty, got http://:8545"
    ),
    "url-fragment-with-at": validate(
        workload(target="url: 'http://127.0.0.1:8545/#x@evil.example'"),
        "w.yaml:2: target.url: '@' after the host '127.0.0.1:8545' (a '/', '?' or '#' in the password? percent-encode it: %2F, %3F, %23), got http://***@evil.example",
    ),
    "prometheus-url-bad-port": validate(
        workload(target="prometheus: {url: 'http://u:pw@127.0.0.1:70000/metrics', metrics: [a]}"),
        "w.yaml:2: target.prometheus.url: the port must be 1-65535, got http://***@127.0.0.1:70000/metrics",
    ),
    "run-url-unclosed-ipv6": Case(
        {"w.yaml": workload(target="url: 'http://[::1'")},
        ("run", "w.yaml", "--out", "out"),
        "w.yaml:2: target.url: the host is not a valid [IPv6] address (a missing ']'?), got http://[::1",
    ),
    "run-target-url-port": Case(
        {"w.yaml": workload()},
        ("run", "w.yaml", "--target-url", "http://alice:s3cret@127.0.0.1:99999", "--out", "out"),
        "--target-url: the port must be 1-65535, got http://***@127.0.0.1:99999",
    ),
    "run-plan-too-big": Case(
        {"w.yaml": one_round("{type: fixed-rate, tps: 100000}", "duration: 100s")},
        ("run", "w.yaml", "--out", "out"),
        "w.yaml:3: rounds[0]: the plan is 10,000,000 transactions and 100 accounts, about 11.2 GiB of memory at its "
        "peak, over --max-plan 100.0 MiB; lower this round's rate, duration or tx_count (or raise --max-plan), "
        "got 10,000,000 transactions in this round",
    ),
    # ---- options -----------------------------------------------------------------------------------
    "option-not-an-int": Case(
        {"w.yaml": workload()},
        ("run", "w.yaml", "--processes", "many", "--out", "out"),
        "chainmark run: argument --processes: invalid int value: 'many' (see chainmark run --help)",
    ),
    "option-negative-processes": Case(
        {"w.yaml": workload()},
        ("run", "w.yaml", "--processes", "-3", "--out", "out"),
        "--processes: must be between 1 and 256, got -3",
    ),
    "option-nan-timeout": Case(
        {"w.yaml": workload()},
        ("run", "w.yaml", "--workers", "2", "--expect-timeout", "nan", "--out", "out"),
        "--expect-timeout: must be between 0.1 and 86400, got nan",
    ),
    "option-out-is-a-file": Case(
        {"w.yaml": workload(target="url: 'http://127.0.0.1:9'"), "taken": "a file"},
        ("run", "w.yaml", "--out", "taken/out"),
        "--out: cannot create a run folder under taken/out: Not a directory",
    ),
    # ---- what reaches the terminal (9) -----------------------------------------------------------
    "url-slash-in-password-before-digits": validate(
        workload(target="url: 'http://bob:12/ss@127.0.0.1:8545'"),
        "w.yaml:2: target.url: '@' after the host 'bob:12' (a '/', '?' or '#' in the password? percent-encode it: "
        "%2F, %3F, %23), got http://***@127.0.0.1:8545",
    ),
    # ---- what reaches the terminal (9) -----------------------------------------------------------
    "control-characters-in-a-value": validate(
        'name: w\nrounds:\n  - {label: a, duration: "\\e[2J\\e]0;pwned\\a", rate: {type: fixed-rate, tps: 1}}\n',
        "w.yaml:3: rounds[0].duration: expected a duration such as 30, 30s, 500ms, 2m or 1h, got '\\x1b[2J\\x1b]0;pwned\\x07'",
    ),
    "control-characters-in-a-file-name": Case(
        {}, ("validate", "w\x1b[2J.yaml"), "w\\x1b[2J.yaml: cannot read workload: No such file or directory"
    ),
}
# The corpus runs with a --max-plan of 100 MiB, so a plan size error does not depend on this machine's memory.
MAX_PLAN = "100MiB"


def _write(folder: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = folder / name
        if content == "fifo":
            os.mkfifo(path)
        elif content.startswith("symlink:"):
            path.symlink_to(content.removeprefix("symlink:"))
        else:
            path.write_text(content, encoding="utf-8", errors="surrogateescape")


def _bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_hostile_input_is_one_line_exit_2_nothing_started(case: Case, tmp_path: Path) -> None:
    _write(tmp_path, case.files)
    args = case.args if "--max-plan" in case.args else (*case.args, "--max-plan", MAX_PLAN)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "bench.cli", *args],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT_S * 3,
        preexec_fn=_bounded,
        check=False,
    )
    assert time.monotonic() - started < TIME_LIMIT_S
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [f"error: {case.error}"]
    assert result.returncode == 2
    assert result.stdout == ""
    assert not (tmp_path / "out").exists(), "nothing was started"
    assert "\x1b" not in result.stderr


def test_validate_escapes_control_characters_of_what_it_echoes(tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_text('name: "w\\e[2J\\e]0;title\\a"\nrounds:\n' + ROUND, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bench.cli", "validate", "w.yaml"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("w.yaml: ok (w\\x1b[2J\\x1b]0;title\\x07, 1 rounds, 100 transactions")
    assert not any(ord(c) < 32 for c in result.stdout.rstrip("\n"))
