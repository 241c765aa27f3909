"""`chainmark schema`: a valid JSON Schema that every shipped workload satisfies and that refuses what the loader refuses."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from bench.cli import main
from bench.workload.schema import workload_schema

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(p for p in (ROOT / "workloads").rglob("*.yaml") if p.name != "manifest.yaml")


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(workload_schema())


def test_cli_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == workload_schema()


@pytest.mark.parametrize("path", SHIPPED, ids=[str(p.relative_to(ROOT)) for p in SHIPPED])
def test_every_shipped_workload_validates(path: Path) -> None:
    assert SHIPPED
    jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), workload_schema())


@pytest.mark.parametrize(
    "document",
    [
        {"name": "x"},
        {"name": "x", "rounds": []},
        {"name": "x", "rounds": [{"label": "a", "duration": 5, "rate": {"type": "fixed-rate", "tps": -5}}]},
        {
            "name": "x",
            "rounds": [{"label": "a", "duration": 5, "rate": {"type": "fixed-rate", "in_flight": 3}}],
        },
        {"name": "x", "rounds": [{"label": "a", "duration": 5, "rate": {"type": "warp", "tps": 1}}]},
        {
            "name": "x",
            "rounds": [{"label": "a", "duration": "5 minutes", "rate": {"type": "fixed-rate", "tps": 1}}],
        },
        {
            "name": "x",
            "rounds": [
                {
                    "label": "a",
                    "tx_count": 5,
                    "rate": {"type": "fixed-rate", "tps": 1},
                    "tx": {"kind": "balance-read", "value_wei": 1},
                }
            ],
        },
        {
            "name": "x",
            "rounds": [{"label": "a", "duration": 5, "rate": {"type": "fixed-rate", "tps": 10**12}}],
        },
        {
            "name": "x",
            "accounts": {"seed": 2**256},
            "rounds": [{"label": "a", "tx_count": 1, "rate": {"type": "fixed-rate", "tps": 1}}],
        },
        {
            "name": "x",
            "rounds": [
                {"label": "a", "tx_count": 1, "rate": {"type": "fixed-rate", "tps": 1}, "tx": {"gas": 2**64}}
            ],
        },
        {
            "name": "x",
            "colour": 1,
            "rounds": [{"label": "a", "tx_count": 5, "rate": {"type": "fixed-rate", "tps": 1}}],
        },
    ],
)
def test_schema_refuses_bad_documents(document: dict[str, object]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, workload_schema())
