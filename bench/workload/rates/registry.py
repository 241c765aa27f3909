"""The rate controllers by name, the one place a controller is registered, and the reading of a round's `rate:`.

A new controller is one module implementing `bench.workload.rates.base.RateController` and one line
below; validation, `chainmark schema`, planning, dispatch, the run store and the verdict all find it here.
"""

from __future__ import annotations

from bench.workload.rates.base import Loop, RateController
from bench.workload.rates.fixed_backlog import FixedBacklog
from bench.workload.rates.fixed_concurrency import FixedConcurrency
from bench.workload.rates.fixed_rate import FixedRate
from bench.workload.rates.linear_rate import LinearRate
from bench.workload.rates.maximum_rate import MaximumRate
from bench.workload.rates.poisson import Poisson
from bench.workload.rates.step_rate import StepRate
from bench.workload.rates.trace import Trace
from bench.workload.reader import Reader

# name (the YAML `type:`, each record's `kind`) -> controller; this order is the order errors list them in
RATES: dict[str, type[RateController]] = {
    "fixed-rate": FixedRate,
    "linear-rate": LinearRate,
    "step-rate": StepRate,
    "poisson": Poisson,
    "trace": Trace,
    "fixed-backlog": FixedBacklog,
    "fixed-concurrency": FixedConcurrency,
    "maximum-rate": MaximumRate,
}

UNKNOWN_LOOP = Loop(open=False)  # a stored round whose controller is not registered here (any more)


def read_rate(reader: Reader) -> RateController:
    """The rate controller a round's `rate:` mapping describes: its `type`, then that controller's keys."""
    names = ", ".join(RATES)
    type_reader = reader.peek("type")
    if type_reader is None:
        raise reader.fail(f"type: required, one of {names}", shown=False)
    kind = type_reader.scalar()
    if kind not in RATES:
        raise type_reader.fail(f"unknown rate controller, expected one of {names}")
    controller = RATES[kind]
    fields = reader.mapping(("type", *controller.keys.names), owner=kind)
    missing = [key for key in controller.keys.required if key not in fields]
    if missing:
        raise reader.fail(f"{missing[0]}: required for {kind}", shown=False)
    return controller.read(fields)


def loop_of(kind: str) -> Loop:
    """The loop of a stored round's controller, by its stored `type`."""
    controller = RATES.get(kind)
    return controller.loop if controller is not None else UNKNOWN_LOOP
