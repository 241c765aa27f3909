"""The rate controller seam: a toy controller registered in-process is validated, planned, dispatched and
stored with no other edit, and every built-in controller answers its protocol consistently."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import jsonschema
import numpy as np
import pytest
import yaml

from bench.errors import WorkloadError
from bench.load.dispatch import Backlog, OpenLoop, make_dispatcher
from bench.plan.presign import closed_loop_count
from bench.plan.schedule import arrival_offsets
from bench.plan.size import estimate_plan
from bench.workload import parse_workload
from bench.workload.rates import RATES, Keys, Length, Loop, Pacing, TxCount, describe_round, loop_of
from bench.workload.rates.base import BY_THE_ROUND, OPEN_LOOP, fields_json, scheduled
from bench.workload.reader import Reader
from bench.workload.schema import workload_schema
from bench.workload.schema_parts import DURATION
from bench.workload.spec import Round

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class Burst:
    """Open loop: `size` transactions due together every `every` seconds from the round's start."""

    size: int
    every: float
    kind: str = "burst"

    keys: ClassVar[Keys] = Keys(required={"size": {"type": "integer", "minimum": 1}, "every": DURATION})
    loop: ClassVar[Loop] = OPEN_LOOP

    @classmethod
    def read(cls, fields: dict[str, Reader]) -> Burst:
        return cls(size=fields["size"].integer(1, 1_000), every=fields["every"].duration(3_600.0))

    def length(self) -> Length:
        return BY_THE_ROUND

    def count(self, rnd: Round) -> TxCount:
        if rnd.tx_count is not None:
            return TxCount(rnd.tx_count, fixed=True)
        assert rnd.duration is not None
        return TxCount(math.ceil(rnd.duration / self.every) * self.size, fixed=True)

    def offsets(self, rnd: Round, seed: int) -> np.ndarray:
        return (np.arange(self.count(rnd).n) // self.size) * self.every

    def pacing(self, rnd: Round, count: int) -> Pacing:
        return scheduled(rnd, count)

    def describe(self) -> dict[str, Any]:
        return fields_json(self)


BURSTS = "name: t\nrounds:\n  - {label: a, duration: 2s, rate: {type: burst, size: 3, every: 500ms}}\n"


@pytest.fixture
def burst() -> Iterator[None]:
    """`burst` registered for the test: one registry line, taken out again after."""
    RATES["burst"] = Burst
    try:
        yield
    finally:
        del RATES["burst"]


class FakeClock:
    def __init__(self, t: float) -> None:
        self.t = t

    def now(self) -> float:
        return self.t


def test_a_registered_controller_is_validated(burst: None) -> None:
    rnd = parse_workload(BURSTS, "w.yaml").rounds[0]
    assert rnd.rate == Burst(size=3, every=0.5)
    assert rnd.planned_tx_count() == 12


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        ("{type: burst, size: 0, every: 1s}", "w.yaml:3: rounds[0].rate.size: must be >= 1, got 0"),
        ("{type: burst, size: 2}", "w.yaml:3: rounds[0].rate: every: required for burst"),
        (
            "{type: burst, size: 2, every: 1s, tps: 5}",
            "w.yaml:3: rounds[0].rate.tps: unknown key for burst, expected one of type, size, every, got 'tps'",
        ),
    ],
)
def test_a_registered_controller_fails_at_file_and_line(burst: None, rate: str, message: str) -> None:
    with pytest.raises(WorkloadError) as info:
        parse_workload(f"name: t\nrounds:\n  - {{label: a, duration: 2s, rate: {rate}}}\n", "w.yaml")
    assert str(info.value) == message


def test_a_registered_controller_is_in_the_schema(burst: None) -> None:
    schema = workload_schema()
    variants = schema["properties"]["rounds"]["items"]["properties"]["rate"]["oneOf"]
    assert variants[-1]["required"] == ["type", "size", "every"]
    jsonschema.validate(yaml.safe_load(BURSTS), schema)


def test_a_registered_controller_is_planned(burst: None) -> None:
    workload = parse_workload(BURSTS, "w.yaml")
    offsets = arrival_offsets(workload.rounds[0], seed=1)
    assert offsets is not None
    np.testing.assert_array_equal(offsets, np.repeat([0.0, 0.5, 1.0, 1.5], 3))
    assert estimate_plan(workload).round_txs == (12,)


def test_a_registered_controller_is_dispatched_at_its_times(burst: None) -> None:
    rnd = parse_workload(BURSTS, "w.yaml").rounds[0]
    offsets = arrival_offsets(rnd, seed=1)
    assert offsets is not None
    dispatcher, users = make_dispatcher(rnd, offsets, len(offsets), t0=100.0)
    assert isinstance(dispatcher, OpenLoop) and users == 12
    clock = FakeClock(0.0)
    taken = [dispatcher.take(clock) for _ in range(13)]
    assert taken[:4] == [(0, 100.0), (1, 100.0), (2, 100.0), (3, 100.5)]
    assert taken[11:] == [(11, 101.5), None]


def test_a_registered_controller_is_described_for_the_store(burst: None) -> None:
    rnd = parse_workload(BURSTS, "w.yaml").rounds[0]
    assert describe_round(rnd) == {
        "type": "burst",
        "tx": "transfer",
        "size": 3,
        "every": 0.5,
        "duration_s": 2.0,
    }
    assert loop_of("burst").open


def test_an_unregistered_controller_is_unknown() -> None:
    assert "burst" not in RATES
    with pytest.raises(WorkloadError) as info:
        parse_workload(BURSTS, "w.yaml")
    assert str(info.value).startswith(
        "w.yaml:3: rounds[0].rate.type: unknown rate controller, expected one of"
    )
    assert loop_of("burst") == Loop(open=False)


def _round(name: str) -> Round:
    rate = {
        "fixed-rate": "{type: fixed-rate, tps: 5}",
        "linear-rate": "{type: linear-rate, start_tps: 1, end_tps: 9}",
        "step-rate": "{type: step-rate, steps: [{duration: 2s, tps: 4}]}",
        "poisson": "{type: poisson, tps: 5}",
        "trace": "{type: trace, file: workloads/traces/burst.csv}",
        "fixed-backlog": "{type: fixed-backlog, in_flight: 4}",
        "fixed-concurrency": "{type: fixed-concurrency, clients: 3}",
        "maximum-rate": "{type: maximum-rate, max_outstanding: 6}",
    }[name]
    text = f"name: t\nrounds:\n  - {{label: a, duration: 2s, senders: 5, rate: {rate}}}\n"
    return parse_workload(text, str(ROOT / "w.yaml")).rounds[0]


@pytest.mark.parametrize("name", list(RATES))
def test_every_built_in_controller_answers_its_protocol_consistently(name: str) -> None:
    """Registered under its own `kind`; open loop exactly when it draws offsets and paces by them; every key
    it reads has a schema; its pool, offsets and users agree with what the dispatcher is given."""
    rnd = _round(name)
    assert rnd.rate.kind == name and type(rnd.rate) is RATES[name]
    offsets = arrival_offsets(rnd, seed=1)
    count = len(offsets) if offsets is not None else closed_loop_count(rnd)
    pacing = rnd.rate.pacing(rnd, count)
    assert rnd.rate.loop.open is (offsets is not None) is (pacing.slots is None)
    dispatcher, users = make_dispatcher(rnd, offsets, count, t0=0.0)
    assert isinstance(dispatcher, OpenLoop if rnd.rate.loop.open else Backlog)
    assert users == pacing.users <= count
    description = describe_round(rnd)
    assert description["type"] == name
    assert not rnd.rate.loop.bound or description[rnd.rate.loop.bound] > 0


def test_validating_a_workload_does_not_import_numpy() -> None:
    """Checked in a fresh interpreter: `chainmark validate` and `--help` stay quick (numpy only for planning)."""
    code = "import sys, bench.cli, bench.workload.schema; print('numpy' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True, timeout=60
    )
    assert done.stdout.strip() == "False"
