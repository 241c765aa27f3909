"""The JSON Schema (draft 2020-12) of the workload format, for editor completion and CI checks.

Built from the same registries the loader uses (rate controllers, transaction kinds), so a key the
loader accepts cannot be missing here; `chainmark validate` stays the authority on values (file:line).
"""

from __future__ import annotations

from typing import Any

from bench.workload import limits
from bench.workload.kinds import DISTRIBUTIONS, KIND_KEYS, SHORTCUT_KEYS
from bench.workload.rates import RATES
from bench.workload.schema_parts import DURATION, SEED, JsonSchema
from bench.workload.spec import NODE_NAMES

HTTP_URL = {"type": "string", "pattern": "^https?://"}

CHOICE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "distribution": {"enum": list(DISTRIBUTIONS)},
        "theta": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10},
        "hot_fraction": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        "hot_traffic": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
    },
}

# Every key a transaction kind accepts, and its schema (a rate controller publishes its own: `Keys`).
PROPERTIES: dict[str, Any] = {
    "value_wei": {"type": "integer", "minimum": 0, "maximum": limits.UINT256_MAX},
    "gas": {"type": "integer", "minimum": 21_000, "maximum": limits.UINT64_MAX},
    "to": CHOICE,
    "of": CHOICE,
    "key": CHOICE,
    "customer": CHOICE,
    "amount": {"type": "integer", "minimum": 1},
    "n": {"type": "integer", "minimum": 1},
    "keys": {"type": "integer", "minimum": 1},
    "record_count": {"type": "integer", "minimum": 1},
    "field_length": {"type": "integer", "minimum": 1, "maximum": 4096},
    "max_scan": {"type": "integer", "minimum": 1},
    "customers": {"type": "integer", "minimum": 2},
    "k": {"type": "integer", "minimum": 1, "maximum": 4096},
    "products": {"type": "integer", "minimum": 1, "maximum": 100_000},
    "workload": {"enum": ["A", "B", "C", "D", "E", "F", "a", "b", "c", "d", "e", "f"]},
}


def _variants(
    registry: dict[str, tuple[tuple[str, ...], tuple[str, ...]]], tag: str, default: str = ""
) -> list[Any]:
    out = []
    for name, (required, optional) in registry.items():
        properties = {key: PROPERTIES[key] for key in (*required, *optional)}
        out.append(_variant(tag, name, required, properties, required_tag=default != name))
    return out


def _rate_variants() -> list[Any]:
    """One variant per registered rate controller, from its own `keys`."""
    return [
        _variant("type", name, tuple(rate.keys.required), rate.keys.required | rate.keys.optional)
        for name, rate in RATES.items()
    ]


def _variant(
    tag: str,
    name: str,
    required: tuple[str, ...],
    properties: dict[str, JsonSchema],
    required_tag: bool = True,
) -> JsonSchema:
    must = [tag, *required] if required_tag else [*required]
    props = {tag: {"const": name}} | properties
    return {"type": "object", "additionalProperties": False, "required": must, "properties": props}


def workload_schema() -> dict[str, Any]:
    """The schema of a workload YAML file."""
    shortcuts = {name: ((), keys) for name, keys in SHORTCUT_KEYS.items()}
    tx = {"oneOf": _variants({**KIND_KEYS, **shortcuts}, "kind", default="transfer")}
    rnd = {
        "type": "object",
        "additionalProperties": False,
        "required": ["label", "rate"],
        "properties": {
            "label": {"type": "string", "minLength": 1},
            "duration": DURATION,
            "tx_count": {"type": "integer", "minimum": 1, "maximum": limits.MAX_TX_COUNT},
            "rate": {"oneOf": _rate_variants()},
            "tx": tx,
            "mix": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["tx"],
                    "properties": {
                        "weight": {"type": "number", "exclusiveMinimum": 0, "maximum": limits.MAX_WEIGHT},
                        "tx": tx,
                    },
                },
            },
            "from": CHOICE,
            "warmup": {"type": "boolean"},
            "senders": {"type": "integer", "minimum": 1, "maximum": limits.MAX_SENDERS},
        },
    }
    target = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "url": HTTP_URL,
            "node": {"enum": list(NODE_NAMES)},
            "block_time": DURATION,
            "gas_limit": {"type": "integer", "minimum": 21_000, "maximum": limits.UINT64_MAX},
            "gas_price_gwei": {"type": "number", "exclusiveMinimum": 0, "maximum": limits.MAX_GAS_PRICE_GWEI},
            "confirm_grace": DURATION,
            "poll_interval": DURATION,
            "prometheus": {
                "type": "object",
                "additionalProperties": False,
                "required": ["url", "metrics"],
                "properties": {
                    "url": HTTP_URL,
                    "metrics": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
                    "interval": DURATION,
                },
            },
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://chainmark.invalid/schema/workload-1.json",
        "title": "chainmark workload",
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "rounds"],
        "properties": {
            "name": {"type": "string", "minLength": 1},
            "description": {"type": "string"},
            "target": target,
            "accounts": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "count": {"type": "integer", "minimum": 1, "maximum": limits.MAX_ACCOUNTS},
                    "seed": SEED,
                    "funding_eth": {
                        "type": "number",
                        "exclusiveMinimum": 0,
                        "maximum": limits.MAX_FUNDING_ETH,
                    },
                },
            },
            "rounds": {"type": "array", "minItems": 1, "items": rnd},
        },
    }
