"""bench.workload.loader and duration: every malformed workload gives one exact `FILE:LINE: field: problem` line."""

from __future__ import annotations

import signal
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.errors import WorkloadError
from bench.workload import FixedBacklog, FixedRate, TransferTx, load_workload, parse_workload
from bench.workload.duration import parse_duration
from bench.workload.loader import MAX_FILE_BYTES
from bench.workload.spec import MixEntry

ROOT = Path(__file__).resolve().parents[2]
WORKLOADS = ROOT / "workloads"
MANIFESTS = sorted(
    WORKLOADS.glob("**/manifest.yaml")
)  # suite manifests, loaded by tests/workload/test_workload_suite.py
WORKLOAD_FILES = sorted(
    p for p in [*WORKLOADS.glob("**/*.yaml"), *WORKLOADS.glob("**/*.yml")] if p not in MANIFESTS
)

RATE = "{type: fixed-rate, tps: 10}"


def _yaml(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def _one_round(**fields: str | None) -> str:
    """A valid workload whose single round has `fields` (line 3 is `- label: a`, then one field a line)."""
    body: dict[str, str | None] = {"label": "a", "duration": "10s", "rate": RATE, **fields}
    lines = ["name: t", "rounds:"]
    for i, (key, value) in enumerate((k, v) for k, v in body.items() if v is not None):
        lines.append(f"  {'-' if i == 0 else ' '} {key}: {value}")
    return "\n".join(lines) + "\n"


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Fail the test with TimeoutError instead of hanging (pure-Python loops see the signal)."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _billion_laughs(depth: int = 10) -> str:
    """Ten levels of nine aliases each: 9**10 (about 3.5e9) scalars if anything expanded the aliases."""
    levels = ["&l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"&l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, depth)]
    return f"name: t\ndescription: [{', '.join(levels)}]\nrounds: *l{depth - 1}\n"


MALFORMED = [
    pytest.param(
        "name: [unclosed\nrounds: []\n",
        "w.yaml:2: invalid YAML: expected ',' or ']', but got ':'",
        id="yaml-syntax",
    ),
    pytest.param(
        "name: t\n  rounds: []\n",
        "w.yaml:2: invalid YAML: mapping values are not allowed here",
        id="yaml-bad-indent",
    ),
    pytest.param(
        "- name: t\n",
        "w.yaml:1: expected a mapping, got a list",
        id="top-not-mapping",
    ),
    pytest.param(
        _one_round() + "color: red\n",
        "w.yaml:6: color: unknown key, expected one of name, description, target, accounts, rounds, faults, got 'color'",
        id="unknown-key-top",
    ),
    pytest.param(
        _one_round(speed="3"),
        "w.yaml:6: rounds[0].speed: unknown key, expected one of label, duration, tx_count, rate, tx, mix, from,"
        " warmup, senders, got 'speed'",
        id="unknown-key-round",
    ),
    pytest.param(
        _one_round(rate="{type: fixed-rate, tps: 10, burst: 2}"),
        "w.yaml:5: rounds[0].rate.burst: unknown key for fixed-rate, expected one of type, tps, got 'burst'",
        id="unknown-key-rate",
    ),
    pytest.param(
        _one_round(tx="{kind: transfer, memo: hi}"),
        "w.yaml:6: rounds[0].tx.memo: unknown key for transfer, expected one of kind, value_wei, gas, to, got 'memo'",
        id="unknown-key-tx",
    ),
    pytest.param(
        _one_round() + "target: {confirmations: 0}\n",
        "w.yaml:6: target.confirmations: must be >= 1, got 0",
        id="confirmations-zero",
    ),
    pytest.param(
        _one_round() + "target: {confirmations: 1001}\n",
        "w.yaml:6: target.confirmations: must be <= 1000, got 1001",
        id="confirmations-too-deep",
    ),
    pytest.param(
        _one_round() + "target: {confirmations: 2.5}\n",
        "w.yaml:6: target.confirmations: expected an integer, got 2.5",
        id="confirmations-not-integer",
    ),
    pytest.param(
        _one_round() + "target: {url: 'http://x', color: red}\n",
        "w.yaml:6: target.color: unknown key, expected one of chain, url, nodes, submit, confirm_at, node, block_time, gas_limit, gas_price_gwei,"
        " tx_type, priority_fee_gwei, max_fee_gwei, confirm_grace, confirmations, poll_interval, prometheus,"
        " network, fee_rate, batch, batch_window, got 'color'",
        id="unknown-key-target",
    ),
    pytest.param(
        _one_round() + "accounts: {count: 2, keys: 3}\n",
        "w.yaml:6: accounts.keys: unknown key, expected one of count, seed, funding_eth, got 'keys'",
        id="unknown-key-accounts",
    ),
    pytest.param(
        _one_round() + "name: u\n",
        "w.yaml:6: name: duplicate key",
        id="duplicate-key",
    ),
    pytest.param(
        _one_round(rate="{type: fixed-rate, tps: fast}"),
        "w.yaml:5: rounds[0].rate.tps: expected a number, got 'fast'",
        id="wrong-type-tps",
    ),
    pytest.param(
        _one_round() + "accounts: {count: many}\n",
        "w.yaml:6: accounts.count: expected an integer, got 'many'",
        id="wrong-type-count",
    ),
    pytest.param(
        _one_round() + "accounts: {count: true}\n",
        "w.yaml:6: accounts.count: expected an integer, got true",
        id="wrong-type-count-bool",
    ),
    pytest.param(
        _one_round(warmup="1"),
        "w.yaml:6: rounds[0].warmup: expected true or false, got 1",
        id="wrong-type-warmup",
    ),
    pytest.param(
        _one_round(label="[a, b]"),
        "w.yaml:3: rounds[0].label: expected a single value, got a list",
        id="wrong-type-label",
    ),
    pytest.param(
        "name: ''\nrounds: [{label: a, tx_count: 1, rate: " + RATE + "}]\n",
        "w.yaml:1: name: expected a non-empty string, got ''",
        id="empty-name",
    ),
    pytest.param(
        "name: t\nrounds: {label: a}\n",
        "w.yaml:2: rounds: expected a list, got a mapping",
        id="rounds-not-list",
    ),
    pytest.param(
        _one_round(rate="{type: fixed-rate, tps: -5}"),
        "w.yaml:5: rounds[0].rate.tps: must be > 0, got -5",
        id="tps-negative",
    ),
    pytest.param(
        _one_round(rate="{type: fixed-rate, tps: 0}"),
        "w.yaml:5: rounds[0].rate.tps: must be > 0, got 0",
        id="tps-zero",
    ),
    pytest.param(
        _one_round(rate="{type: fixed-rate, tps: .inf}"),
        "w.yaml:5: rounds[0].rate.tps: expected a number, got .inf",
        id="tps-infinite",
    ),
    pytest.param(
        _one_round(rate="{type: fixed-rate}"),
        "w.yaml:5: rounds[0].rate: tps: required for fixed-rate",
        id="tps-missing",
    ),
    pytest.param(
        _one_round(rate="{type: fixed-rate, tps: 5, in_flight: 3}"),
        "w.yaml:5: rounds[0].rate.in_flight: unknown key for fixed-rate, expected one of type, tps, got 'in_flight'",
        id="in-flight-on-fixed-rate",
    ),
    pytest.param(
        _one_round(rate="{type: fixed-backlog, in_flight: 0}"),
        "w.yaml:5: rounds[0].rate.in_flight: must be >= 1, got 0",
        id="in-flight-zero",
    ),
    pytest.param(
        _one_round(rate="{type: fixed-backlog, in_flight: 2, tps: 5}"),
        "w.yaml:5: rounds[0].rate.tps: unknown key for fixed-backlog, expected one of type, in_flight, got 'tps'",
        id="tps-on-fixed-backlog",
    ),
    pytest.param(
        _one_round(rate="{type: fixed-backlog}"),
        "w.yaml:5: rounds[0].rate: in_flight: required for fixed-backlog",
        id="in-flight-missing",
    ),
    pytest.param(
        _one_round(rate="{tps: 5}"),
        "w.yaml:5: rounds[0].rate: type: required, one of fixed-rate, linear-rate, step-rate, poisson, trace, fixed-backlog, fixed-concurrency, maximum-rate",
        id="rate-type-missing",
    ),
    pytest.param(
        _one_round(rate="{type: sinusoid, tps: 5}"),
        "w.yaml:5: rounds[0].rate.type: unknown rate controller, expected one of fixed-rate, linear-rate, step-rate, poisson, trace, fixed-backlog, fixed-concurrency, maximum-rate,"
        " got 'sinusoid'",
        id="rate-type-unknown",
    ),
    pytest.param(
        _one_round(rate=None),
        "w.yaml:3: rounds[0]: rate: required (e.g. {type: fixed-rate, tps: 100})",
        id="rate-missing",
    ),
    pytest.param(
        _one_round(tx="{kind: erc20}"),
        "w.yaml:6: rounds[0].tx.kind: unknown transaction kind, expected one of transfer, balance-read, btc-transfer, btc-payout, btc-evidence, btc-consolidate, erc20-transfer,"
        " erc20-balance, donothing, cpuheavy, ioheavy-write, ioheavy-scan, kv-read, kv-update, kv-insert, kv-scan,"
        " kv-rmw, smallbank-amalgamate, smallbank-balance, smallbank-deposit-checking, smallbank-send-payment,"
        " smallbank-transact-savings, smallbank-write-check, evidence-store, evidence-batch, evidence-verify,"
        " trace-register, trace-transfer, trace-history, storage-write, fill-block, revert, erc721-mint,"
        " erc721-transfer, amm-swap, amm-add-liquidity, logs-read, estimate-gas, ycsb, smallbank, got 'erc20'",
        id="tx-kind-unknown",
    ),
    pytest.param(
        _one_round(tx="{gas: 20000}"),
        "w.yaml:6: rounds[0].tx.gas: must be >= 21000, got 20000",
        id="tx-gas-too-low",
    ),
    pytest.param(
        _one_round(tx="{value_wei: -1}"),
        "w.yaml:6: rounds[0].tx.value_wei: must be >= 0, got -1",
        id="tx-value-negative",
    ),
    pytest.param(
        "name: t\n",
        "w.yaml:1: rounds: required (a list of rounds)",
        id="no-rounds",
    ),
    pytest.param(
        "rounds: [{label: a, tx_count: 1, rate: " + RATE + "}]\n",
        "w.yaml:1: name: required",
        id="no-name",
    ),
    pytest.param(
        "name: t\nrounds: []\n",
        "w.yaml:2: rounds: expected at least one round",
        id="empty-rounds",
    ),
    pytest.param(
        _one_round(label=None),
        "w.yaml:3: rounds[0].label: required",
        id="round-without-label",
    ),
    pytest.param(
        _yaml(
            f"""
            name: t
            rounds:
              - {{label: a, tx_count: 1, rate: {RATE}}}
              - {{label: b, tx_count: 1, rate: {RATE}}}
              - {{label: a, tx_count: 1, rate: {RATE}}}
            """
        ),
        "w.yaml:5: rounds[2]: round label 'a' is used more than once (first at line 3)",
        id="duplicate-label",
    ),
    pytest.param(
        _one_round(tx_count="5"),
        "w.yaml:3: rounds[0]: give exactly one of duration or tx_count",
        id="duration-and-tx-count",
    ),
    pytest.param(
        _one_round(duration=None),
        "w.yaml:3: rounds[0]: give exactly one of duration or tx_count",
        id="neither-duration-nor-tx-count",
    ),
    pytest.param(
        _one_round(duration="10 minutes"),
        "w.yaml:4: rounds[0].duration: expected a duration such as 30, 30s, 500ms, 2m or 1h, got '10 minutes'",
        id="duration-bad-string",
    ),
    pytest.param(
        _one_round(duration="0s"),
        "w.yaml:4: rounds[0].duration: must be > 0, got '0s'",
        id="duration-zero",
    ),
    pytest.param(
        _one_round(duration="-3"),
        "w.yaml:4: rounds[0].duration: must be > 0, got -3",
        id="duration-negative",
    ),
    pytest.param(
        _one_round(duration="true"),
        "w.yaml:4: rounds[0].duration: expected a duration such as 30, 30s, 500ms, 2m or 1h, got true",
        id="duration-bool",
    ),
    pytest.param(
        _one_round() + "target: {url: 'ws://node:8546'}\n",
        "w.yaml:6: target.url: expected an http:// or https:// URL, got scheme 'ws'",
        id="url-bad-scheme",
    ),
    pytest.param(
        _one_round() + "target: {block_time: soon}\n",
        "w.yaml:6: target.block_time: expected a duration such as 30, 30s, 500ms, 2m or 1h, got 'soon'",
        id="target-block-time-bad",
    ),
    pytest.param(
        _one_round() + "target: {gas_price_gwei: 0}\n",
        "w.yaml:6: target.gas_price_gwei: must be > 0, got 0",
        id="gas-price-zero",
    ),
    pytest.param(
        _one_round() + "accounts: {count: 0}\n",
        "w.yaml:6: accounts.count: must be >= 1, got 0",
        id="accounts-zero",
    ),
    pytest.param(
        _one_round(label="'" + "x" * 100 + "'"),
        None,  # accepted: a long label is fine; the long-value case is the next one
        id="long-label-ok",
    ),
    pytest.param(
        _one_round(rate="{type: fixed-rate, tps: '" + "9" * 100 + "'}"),
        "w.yaml:5: rounds[0].rate.tps: expected a number, got '" + "9" * 56 + "...",
        id="long-value-truncated",
    ),
    pytest.param(
        "name: t\nrounds: [{label: a, tx_count: 1, rate: !!python/object:builtins.dict {type: x}}]\n",
        "w.yaml:2: rounds[0].rate.type: unknown rate controller, expected one of fixed-rate, linear-rate, step-rate, poisson, trace, fixed-backlog, fixed-concurrency, maximum-rate,"
        " got 'x'",
        id="python-object-tag-on-mapping-not-constructed",
    ),
    pytest.param(
        "name: !!python/object/apply:os.system ['echo pwned']\nrounds: [{label: a, tx_count: 1, rate: "
        + RATE
        + "}]\n",
        "w.yaml:1: name: expected a single value, got a list",
        id="python-object-apply-tag",
    ),
]


@pytest.mark.parametrize(("text", "expected"), MALFORMED)
def test_malformed_workload_gives_one_exact_line(
    text: str, expected: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("w.yaml").write_text(text, encoding="utf-8")
    if expected is None:
        load_workload("w.yaml")
        return
    with pytest.raises(WorkloadError) as info:
        load_workload("w.yaml")
    assert str(info.value) == expected
    assert "\n" not in str(info.value)
    assert info.value.exit_status == 2


def test_file_over_the_limit_is_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("w.yaml").write_bytes(_one_round().encode() + b"#" * MAX_FILE_BYTES)
    size = Path("w.yaml").stat().st_size
    with pytest.raises(WorkloadError) as info:
        load_workload("w.yaml")
    assert str(info.value) == f"w.yaml: file is {size} bytes, the limit is 1000000"
    assert info.value.exit_status == 2


def test_file_at_the_limit_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = _one_round().encode()
    Path("w.yaml").write_bytes(text + b"#" * (MAX_FILE_BYTES - len(text)))
    assert load_workload("w.yaml").name == "t"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(b"name: t\xff\xfe\n", "w.yaml: file is not UTF-8 text", id="not-utf8"),
        pytest.param(
            b"", "w.yaml: the workload is empty, expected a mapping with name and rounds", id="empty"
        ),
        pytest.param(
            b"# only a comment\n\n",
            "w.yaml: the workload is empty, expected a mapping with name and rounds",
            id="only-comments",
        ),
    ],
)
def test_unreadable_content(
    content: bytes, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("w.yaml").write_bytes(content)
    with pytest.raises(WorkloadError) as info:
        load_workload("w.yaml")
    assert str(info.value) == expected
    assert info.value.exit_status == 2


def test_missing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(WorkloadError) as info:
        load_workload("missing.yaml")
    assert str(info.value) == "missing.yaml: cannot read workload: No such file or directory"
    assert info.value.exit_status == 2


def test_directory_instead_of_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("d.yaml").mkdir()
    with pytest.raises(WorkloadError) as info:
        load_workload("d.yaml")
    assert str(info.value) == "d.yaml: cannot read workload: Is a directory"


def test_alias_bomb_fails_fast(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("w.yaml").write_text(_billion_laughs(), encoding="utf-8")
    with _deadline(5.0), pytest.raises(WorkloadError) as info:
        load_workload("w.yaml")
    assert str(info.value) == "w.yaml:2: rounds[0]: expected a mapping, got a list"
    assert info.value.exit_status == 2


def test_alias_bomb_in_a_read_string_field_fails_fast() -> None:
    text = _billion_laughs().replace("description:", "name: x\ndescription:", 1).replace("name: t\n", "", 1)
    text = text.replace("rounds: *l9", "rounds: [{label: a, tx_count: 1, rate: " + RATE + "}]")
    with _deadline(5.0), pytest.raises(WorkloadError) as info:
        parse_workload(text, "w.yaml")
    assert str(info.value) == "w.yaml:2: description: expected a single value, got a list"


def test_aliases_of_a_round_are_duplicate_labels() -> None:
    text = "name: t\nrounds: [&r {label: a, tx_count: 1, rate: " + RATE + "}, *r, *r]\n"
    with pytest.raises(WorkloadError) as info:
        parse_workload(text, "w.yaml")
    assert str(info.value) == "w.yaml:2: rounds[1]: round label 'a' is used more than once (first at line 2)"


def test_alias_amplified_rounds_fail_fast() -> None:
    text = "name: t\nrounds: [&r {label: a, tx_count: 1, rate: " + RATE + "}" + ", *r" * 20_000 + "]\n"
    assert len(text) < MAX_FILE_BYTES // 10
    with _deadline(5.0), pytest.raises(WorkloadError):
        parse_workload(text, "w.yaml")


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("!!python/name:os.system ''", id="python-name"),
        pytest.param("!!python/object:os.system ''", id="python-object-scalar"),
        pytest.param("!custom x", id="local-tag"),
        pytest.param("!!int abc", id="bad-int"),
        pytest.param("!!float abc", id="bad-float"),
        pytest.param("!!timestamp abc", id="bad-timestamp"),
    ],
)
def test_tagged_scalar_is_a_workload_error(value: str) -> None:
    text = f"name: {value}\nrounds: [{{label: a, tx_count: 1, rate: {RATE}}}]\n"
    try:
        parse_workload(text, "w.yaml")
    except WorkloadError as exc:
        assert str(exc).startswith("w.yaml:1: name: ")
        assert "\n" not in str(exc)
    except Exception as exc:
        raise AssertionError(f"{type(exc).__name__} escaped instead of WorkloadError: {exc}") from exc
    else:
        raise AssertionError("a tagged scalar was accepted")


def test_python_tags_are_never_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "constructed"
    text = (
        f"name: !!python/object/apply:pathlib.Path.touch [!!python/object/apply:pathlib.Path ['{marker}']]\n"
        f"rounds: [{{label: a, tx_count: 1, rate: {RATE}}}]\n"
    )
    with pytest.raises(WorkloadError):
        parse_workload(text, "w.yaml")
    assert not marker.exists()


@pytest.mark.parametrize("value", [".inf", ".nan"])
def test_non_finite_duration_is_refused(value: str) -> None:
    try:
        workload = parse_workload(_one_round(duration=value), "w.yaml")
    except WorkloadError as exc:
        assert str(exc).startswith("w.yaml:4: rounds[0].duration: ")
        assert str(exc).endswith(f", got {value}")
    else:
        raise AssertionError(f"duration {value} accepted as {workload.rounds[0].duration}")


def test_bad_url_error_does_not_show_credentials() -> None:
    text = _one_round() + "target: {url: 'ftp://alice:s3cret-pw@node:21'}\n"
    with pytest.raises(WorkloadError) as info:
        parse_workload(text, "w.yaml")
    assert str(info.value).startswith("w.yaml:6: target.url: expected an http:// or https:// URL")
    assert "s3cret-pw" not in str(info.value)


# ---- happy path ----------------------------------------------------------------------------------------


def test_workload_folder_is_not_empty() -> None:
    """Guard: the parametrized test below must see every workload file (psf/pyperf test_examples)."""
    assert WORKLOAD_FILES, f"no *.yaml under {WORKLOADS}"
    on_disk = {p for p in WORKLOADS.rglob("*") if p.suffix in (".yaml", ".yml") and p.name != "manifest.yaml"}
    assert on_disk == set(WORKLOAD_FILES)


@pytest.mark.parametrize("path", WORKLOAD_FILES, ids=[str(p.relative_to(WORKLOADS)) for p in WORKLOAD_FILES])
def test_every_shipped_workload_loads(path: Path) -> None:
    workload = load_workload(path)
    assert workload.name
    assert workload.rounds
    assert workload.path == str(path)
    assert workload.text == path.read_text(encoding="utf-8")
    for rnd in workload.rounds:
        assert rnd.line > 0
        assert (rnd.duration is None) != (rnd.tx_count is None)


def test_shipped_transfer_workload() -> None:
    workload = load_workload(WORKLOADS / "transfer.yaml")
    assert [r.label for r in workload.rounds] == ["warmup", "steady"]
    assert [r.warmup for r in workload.rounds] == [True, False]
    assert [r.planned_tx_count() for r in workload.rounds] == [250, 6000]
    assert workload.accounts.seed == 42


def test_defaults_are_applied() -> None:
    workload = parse_workload(
        "name: t\nrounds: [{label: a, tx_count: 7, rate: {type: fixed-backlog, in_flight: 4}}]\n"
    )
    assert workload.path == "<workload>"
    assert workload.description == ""
    accounts, target, (rnd,) = workload.accounts, workload.target, workload.rounds
    assert (accounts.count, accounts.seed, accounts.funding_wei) == (100, 1, None)
    assert target.url is None
    assert (target.block_time, target.gas_limit, target.gas_price_wei) == (1.0, 100_000_000, None)
    assert (target.confirm_grace, target.poll_interval, target.confirmations) == (30.0, 0.1, 1)
    assert rnd.senders == 256
    assert rnd.warmup is False
    assert rnd.mix == (MixEntry(TransferTx(value_wei=1, gas=21_000)),)
    assert rnd.rate == FixedBacklog(in_flight=4)
    assert (rnd.duration, rnd.tx_count, rnd.line) == (None, 7, 2)
    assert rnd.planned_tx_count() == 7


def test_every_field_is_read() -> None:
    text = _yaml(
        """
        name: full
        description: all fields
        target:
          url: https://user:pw@rpc.example:8545/v1
          block_time: 500ms
          gas_limit: 30000000
          gas_price_gwei: 2.5
          confirm_grace: 2m
          poll_interval: 0.25
        accounts: {count: 3, seed: 0, funding_eth: 0.5}
        rounds:
          - label: one
            warmup: true
            senders: 8
            duration: 1h
            rate: {type: fixed-rate, tps: 2.5}
            tx: {kind: transfer, value_wei: 0, gas: 30000}
          - label: two
            tx_count: 12
            rate: {type: fixed-backlog, in_flight: 3}
        """
    )
    workload = parse_workload(text, "w.yaml")
    assert workload.description == "all fields"
    target = workload.target
    assert target.url == "https://user:pw@rpc.example:8545/v1"
    assert (target.block_time, target.gas_limit, target.gas_price_wei) == (0.5, 30_000_000, 2_500_000_000)
    assert (target.confirm_grace, target.poll_interval) == (120.0, 0.25)
    assert (workload.accounts.count, workload.accounts.seed, workload.accounts.funding_wei) == (
        3,
        0,
        5 * 10**17,
    )
    one, two = workload.rounds
    assert (one.label, one.warmup, one.senders, one.duration, one.line) == ("one", True, 8, 3600.0, 12)
    assert one.rate == FixedRate(tps=2.5)
    assert one.mix == (MixEntry(TransferTx(value_wei=0, gas=30_000)),)
    assert one.planned_tx_count() == 9000
    assert (two.label, two.tx_count, two.rate, two.line) == ("two", 12, FixedBacklog(in_flight=3), 18)


def test_confirmations_is_read() -> None:
    text = "name: t\ntarget: {confirmations: 6}\nrounds: [{label: a, tx_count: 7, rate: {type: fixed-backlog, in_flight: 4}}]\n"
    assert parse_workload(text).target.confirmations == 6


def test_backlog_round_by_duration_has_no_fixed_count() -> None:
    workload = parse_workload(
        "name: t\nrounds: [{label: a, duration: 3s, rate: {type: fixed-backlog, in_flight: 2}}]\n"
    )
    assert workload.rounds[0].planned_tx_count() is None


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (30, 30.0),
        (0.5, 0.5),
        ("30", 30.0),
        ("30s", 30.0),
        ("1.5s", 1.5),
        ("500ms", 0.5),
        ("2m", 120.0),
        ("1h", 3600.0),
        (" 10 s ", 10.0),
        ("0", 0.0),
    ],
)
def test_parse_duration(value: object, seconds: float) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize(
    "value", [True, False, None, "", "s", "5d", "1e3", "-1s", "1.s", "ms", "1 h 2 m", [1]]
)
def test_parse_duration_rejects(value: object) -> None:
    with pytest.raises(ValueError, match=r"^expected a duration such as 30, 30s, 500ms, 2m or 1h$"):
        parse_duration(value)


def test_prometheus_target_is_read() -> None:
    text = (
        _one_round()
        + "target: {prometheus: {url: 'http://127.0.0.1:6060/metrics', metrics: [a, b], interval: 2s}}\n"
    )
    prometheus = parse_workload(text, "w.yaml").target.prometheus
    assert prometheus is not None
    assert (prometheus.url, prometheus.metrics, prometheus.interval) == (
        "http://127.0.0.1:6060/metrics",
        ("a", "b"),
        2.0,
    )


@pytest.mark.parametrize(
    ("prometheus", "message"),
    [
        (
            "{url: 'http://h/m'}",
            "w.yaml:6: target.prometheus: url and metrics: required (the endpoint and a list of metric names)",
        ),
        (
            "{url: 'http://h/m', metrics: []}",
            "w.yaml:6: target.prometheus.metrics: expected at least one metric name",
        ),
        (
            "{url: 'udp://h', metrics: [a]}",
            "w.yaml:6: target.prometheus.url: expected an http:// or https:// URL, got scheme 'udp'",
        ),
        (
            "{url: 'http://h/m', metrics: [a], job: x}",
            "w.yaml:6: target.prometheus.job: unknown key, expected one of url, metrics, interval, got 'job'",
        ),
    ],
)
def test_bad_prometheus_target(prometheus: str, message: str) -> None:
    with pytest.raises(WorkloadError) as info:
        parse_workload(_one_round() + f"target: {{prometheus: {prometheus}}}\n", "w.yaml")
    assert str(info.value) == message
