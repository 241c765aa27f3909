"""JSON Schema fragments of values the workload format uses in many places (durations, rates, slots, seeds).

Shared by the workload schema and the rate controllers, which publish their own keys' schemas; kept
apart from `bench.workload.schema`, which imports the controllers, so a controller can use them too.
"""

from __future__ import annotations

from typing import Any

from bench.workload import limits

JsonSchema = dict[str, Any]  # a JSON Schema fragment: JSON, as `chainmark schema` prints it

DURATION: JsonSchema = {
    "oneOf": [
        {"type": "number", "exclusiveMinimum": 0, "maximum": limits.MAX_DURATION_S},
        {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*(ms|s|m|h)?\s*$"},
    ],
    "description": "seconds, or a string such as 500ms, 30s, 2m, 1h",
}
TPS: JsonSchema = {"type": "number", "exclusiveMinimum": 0, "maximum": limits.MAX_TPS}
TPS_OR_ZERO: JsonSchema = {"type": "number", "minimum": 0, "maximum": limits.MAX_TPS}
SLOTS: JsonSchema = {"type": "integer", "minimum": 1, "maximum": limits.MAX_SLOTS}
SEED: JsonSchema = {"type": "integer", "minimum": 0, "maximum": limits.MAX_SEED}
