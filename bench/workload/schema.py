"""The JSON Schema (draft 2020-12) of the workload format, for editor completion and CI checks.

Built from the same registries the loader uses (rate controllers, transaction kinds), so a key the
loader accepts cannot be missing here; `chainmark validate` stays the authority on values (file:line).
"""

from __future__ import annotations

from typing import Any

from bench.workload import limits
from bench.workload.choice import CHOICE_SCHEMA as CHOICE
from bench.workload.contract_kinds import CONTRACT_KINDS, Param
from bench.workload.faults import MAX_EXEC_TIMEOUT_S
from bench.workload.kinds import KIND_KEYS, MAX_BTC_OUTPUTS, MAX_SATOSHIS, SHORTCUT_PARAMS
from bench.workload.rates import RATES
from bench.workload.schema_parts import DURATION, SEED, JsonSchema
from bench.workload.spec import (
    CHAIN_NAMES,
    CONFIRM_LEVELS,
    FAULT_ACTIONS,
    FAULT_ENDS,
    MAX_CHAIN_LIMIT,
    MAX_FAULTS,
    MAX_NETWORK_NODES,
    MAX_TARGET_NODES,
    MIN_CHAIN_LIMIT,
    NODE_NAMES,
    SUBMIT_POLICIES,
    TOPOLOGY_NAMES,
)

MAX_FEE_RATE = limits.MAX_FEE_RATE
HTTP_URL = {"type": "string", "pattern": "^https?://"}
FAULT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["at", "node", "action"],
    "properties": {
        "at": {**DURATION, "description": "after the load starts (the first round's start)"},
        "node": {"type": "integer", "minimum": 0, "maximum": MAX_TARGET_NODES - 1},
        "action": {"enum": list(FAULT_ACTIONS)},
        "for": {
            **DURATION,
            "description": "then the action's end: "
            + ", ".join(f"{a} -> {b}" for a, b in FAULT_ENDS.items()),
        },
        "command": {
            "type": "string",
            "pattern": r"\S",
            "description": "exec: split like a shell, run without one",
        },
        "timeout": {
            "oneOf": [
                {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_EXEC_TIMEOUT_S},
                {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*(ms|s|m|h)?\s*$"},
            ],
            "description": f"exec: at most {MAX_EXEC_TIMEOUT_S:g} s",
        },
    },
}

# Every key a transfer or a balance read accepts, and its schema (a rate controller publishes its own: `Keys`;
# a contract kind's keys are described by its record, bench.workload.contract_kinds).
PROPERTIES: dict[str, Any] = {
    "value_wei": {"type": "integer", "minimum": 0, "maximum": limits.UINT256_MAX},
    "gas": {"type": "integer", "minimum": 21_000, "maximum": limits.UINT64_MAX},
    "to": CHOICE,
    "of": CHOICE,
    "amount": {"type": "integer", "minimum": 1, "maximum": MAX_SATOSHIS, "description": "satoshis"},
    "outputs": {"type": "integer", "minimum": 1, "maximum": MAX_BTC_OUTPUTS},
    "documents": {"type": "integer", "minimum": 1, "maximum": MAX_BTC_OUTPUTS},
    "inputs": {"type": "integer", "minimum": 2, "maximum": MAX_BTC_OUTPUTS},
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


def _object(name: str, params: tuple[Param, ...], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A `kind: NAME` mapping taking `params` (each described by its record) and any `extra` keys."""
    props = {"kind": {"const": name}} | (extra or {}) | {p.name: p.schema() for p in params}
    return {"type": "object", "additionalProperties": False, "required": ["kind"], "properties": props}


def _contract_variants() -> list[Any]:
    """One variant per contract kind, and one per shortcut (ycsb, smallbank) standing for a mix of them."""
    kinds = [_object(name, kind.params) for name, kind in CONTRACT_KINDS.items()]
    ycsb = _object("ycsb", SHORTCUT_PARAMS["ycsb"], {"workload": PROPERTIES["workload"]})
    return [*kinds, ycsb, _object("smallbank", SHORTCUT_PARAMS["smallbank"])]


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
    tx = {"oneOf": [*_variants(KIND_KEYS, "kind", default="transfer"), *_contract_variants()]}
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
            "chain": {"enum": list(CHAIN_NAMES)},
            "url": HTTP_URL,
            "nodes": {
                "description": "a remote network's node URLs, the primary (which the observer follows) first",
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_TARGET_NODES,
                "uniqueItems": True,
                "items": HTTP_URL,
            },
            "submit": {
                "enum": list(SUBMIT_POLICIES),
                "description": "where writes go on several nodes: node 0, each node in turn, or by sender",
            },
            "confirm_at": {
                "enum": [1, *CONFIRM_LEVELS],
                "description": "several nodes: the headline latency is a write's block held by 1, a majority or all",
            },
            "node": {"enum": list(NODE_NAMES)},
            "block_time": DURATION,
            "gas_limit": {"type": "integer", "minimum": 21_000, "maximum": limits.UINT64_MAX},
            "gas_price_gwei": {"type": "number", "exclusiveMinimum": 0, "maximum": limits.MAX_GAS_PRICE_GWEI},
            "tx_type": {"enum": [0, 1, 2], "description": "0 legacy, 1 EIP-2930, 2 EIP-1559"},
            "priority_fee_gwei": {
                "type": "number",
                "exclusiveMinimum": 0,
                "maximum": limits.MAX_GAS_PRICE_GWEI,
            },
            "max_fee_gwei": {"type": "number", "exclusiveMinimum": 0, "maximum": limits.MAX_GAS_PRICE_GWEI},
            "confirm_grace": DURATION,
            "confirmations": {"type": "integer", "minimum": 1, "maximum": limits.MAX_CONFIRMATIONS},
            "poll_interval": DURATION,
            "fee_rate": {"type": "integer", "minimum": 1, "maximum": MAX_FEE_RATE, "description": "sat/vB"},
            "batch": {
                "description": "open-loop submissions per JSON-RPC batch request: auto (default), off or N",
                "oneOf": [
                    {"enum": ["auto", "off", False]},
                    {"type": "integer", "minimum": 1, "maximum": limits.MAX_BATCH},
                ],
            },
            "batch_window": DURATION,
            "network": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "nodes": {"type": "integer", "minimum": 1, "maximum": MAX_NETWORK_NODES},
                    "topology": {"enum": list(TOPOLOGY_NAMES)},
                    "block_time": DURATION,
                    "producer": {"type": "string", "pattern": "^(node-[0-7]|round-robin)$"},
                    "mempool_chain_limit": {
                        "type": "integer",
                        "minimum": MIN_CHAIN_LIMIT,
                        "maximum": MAX_CHAIN_LIMIT,
                        "description": "-limitancestorcount and -limitdescendantcount of every managed node",
                    },
                },
            },
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
            "faults": {"type": "array", "maxItems": MAX_FAULTS, "items": FAULT},
        },
    }
