"""A choice distribution at the YAML edge (which account, key or customer a call picks): read, and described.

The reader and its JSON Schema sit together because they state the same bounds (theta, the hotspot fractions).
"""

from __future__ import annotations

import math
from typing import Any

from bench.workload.reader import Reader, given
from bench.workload.spec import Choice

DISTRIBUTIONS = ("uniform", "zipfian", "hotspot")

CHOICE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "distribution": {"enum": list(DISTRIBUTIONS)},
        "theta": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10},
        "hot_fraction": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        "hot_traffic": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
    },
}


def read_choice(reader: Reader) -> Choice:
    """A choice distribution: {distribution: uniform|zipfian|hotspot, theta, hot_fraction, hot_traffic}."""
    f = reader.mapping(("distribution", "theta", "hot_fraction", "hot_traffic"), owner="a choice")
    kind = f["distribution"].string() if "distribution" in f else "uniform"
    if kind not in DISTRIBUTIONS:
        raise f["distribution"].fail(f"unknown distribution, expected one of {', '.join(DISTRIBUTIONS)}")
    for key, allowed in (("theta", "zipfian"), ("hot_fraction", "hotspot"), ("hot_traffic", "hotspot")):
        if key in f and kind != allowed:
            raise f[key].fail(f"only for distribution {allowed}", shown=False)
    choice = Choice(
        distribution=kind,
        **given(f, {"theta": _unbounded, "hot_fraction": _unbounded, "hot_traffic": _unbounded}),
    )
    if "theta" in f and not 0 < choice.theta < 10:
        raise f["theta"].fail("must be between 0 and 10 (YCSB uses 0.99)")
    for key in ("hot_fraction", "hot_traffic"):
        if key in f and not 0 < getattr(choice, key) < 1:
            raise f[key].fail("must be between 0 and 1 (exclusive)")
    return choice


def _unbounded(reader: Reader) -> float:
    """A number > 0; its range is checked by the caller (theta, hot_fraction, hot_traffic)."""
    return reader.positive(math.inf)
