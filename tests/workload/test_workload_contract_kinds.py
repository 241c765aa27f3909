"""Contract kinds as records: the loader reads, and the schema describes, each parameter by its record's bounds."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from bench.errors import WorkloadError
from bench.workload import parse_workload
from bench.workload.contract_kinds import CONTRACT_KINDS, Bounded, choice, number
from bench.workload.schema import workload_schema
from bench.workload.spec import Choice, ContractTx

SCHEMA = workload_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
BOUNDED = [(name, p) for name, kind in CONTRACT_KINDS.items() for p in kind.params if isinstance(p, Bounded)]


def _workload(tx: str) -> str:
    return f"name: t\nrounds:\n  - label: a\n    tx_count: 1\n    rate: {{type: fixed-rate, tps: 1}}\n    tx: {tx}\n"


def _variant(kind: str) -> dict[str, object]:
    rnd = SCHEMA["properties"]["rounds"]["items"]["properties"]["tx"]["oneOf"]
    (variant,) = [v for v in rnd if v["properties"]["kind"] == {"const": kind}]
    return dict(variant)


@pytest.mark.parametrize(("kind", "param"), BOUNDED, ids=[f"{k}.{p.name}" for k, p in BOUNDED])
def test_a_bound_is_where_the_loader_and_the_schema_stop(kind: str, param: Bounded) -> None:
    for value in (param.low, param.high):
        text = _workload(f"{{kind: {kind}, {param.name}: {value}}}")
        (entry,) = parse_workload(text, "w.yaml").rounds[0].mix
        assert isinstance(entry.tx, ContractTx) and number(entry.tx, param.name) == value
        VALIDATOR.validate(yaml.safe_load(text))
    for value, problem in ((param.low - 1, f">= {param.low}"), (param.high + 1, f"<= {param.high}")):
        text = _workload(f"{{kind: {kind}, {param.name}: {value}}}")
        with pytest.raises(WorkloadError) as info:
            parse_workload(text, "w.yaml")
        assert str(info.value) == f"w.yaml:6: rounds[0].tx.{param.name}: must be {problem}, got {value}"
        with pytest.raises(jsonschema.ValidationError):
            VALIDATOR.validate(yaml.safe_load(text))


@pytest.mark.parametrize("kind", CONTRACT_KINDS)
def test_the_schema_lists_a_kinds_keys_from_its_record(kind: str) -> None:
    properties = _variant(kind)["properties"]
    assert isinstance(properties, dict)
    assert tuple(properties) == ("kind", *CONTRACT_KINDS[kind].keys)


@pytest.mark.parametrize("kind", CONTRACT_KINDS)
def test_a_kind_left_bare_takes_its_records_defaults(kind: str) -> None:
    (entry,) = parse_workload(_workload(f"{{kind: {kind}}}"), "w.yaml").rounds[0].mix
    tx = entry.tx
    record = CONTRACT_KINDS[kind]
    assert isinstance(tx, ContractTx) and (tx.contract, tx.read, tx.params) == (
        record.contract,
        record.read,
        (),
    )
    for p in record.params:
        if isinstance(p, Bounded):
            assert number(tx, p.name) == p.default
        else:
            assert choice(tx, p.name) == Choice(), "a pick left out is uniform"


def test_kinds_of_one_contract_agree_on_a_shared_parameter() -> None:
    """The setup sizes a contract by its first kind, which may not take the parameter (then the contract's)."""
    seen: dict[tuple[str, str], Bounded] = {}
    for kind, p in BOUNDED:
        first = seen.setdefault((CONTRACT_KINDS[kind].contract, p.name), p)
        assert first == p, f"{kind}.{p.name}"


@pytest.mark.parametrize(
    ("kind", "name", "default"), [("trace-register", "products", 1000), ("evidence-store", "k", 64)]
)
def test_a_kind_without_a_setup_parameter_takes_its_contracts_default(
    kind: str, name: str, default: int
) -> None:
    (entry,) = parse_workload(_workload(f"{{kind: {kind}}}"), "w.yaml").rounds[0].mix
    assert isinstance(entry.tx, ContractTx) and number(entry.tx, name) == default


def test_a_shortcut_passes_its_parameters_to_every_kind_it_stands_for() -> None:
    mix = parse_workload(_workload("{kind: smallbank, customers: 7}"), "w.yaml").rounds[0].mix
    assert {e.tx.kind for e in mix} == {k for k in CONTRACT_KINDS if k.startswith("smallbank-")}
    assert all(isinstance(e.tx, ContractTx) and number(e.tx, "customers") == 7 for e in mix)
    with pytest.raises(WorkloadError, match=r"rounds\[0\].tx.record_count: must be <= 1000000, got 1000001"):
        parse_workload(_workload("{kind: ycsb, workload: A, record_count: 1000001}"), "w.yaml")
