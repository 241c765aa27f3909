"""bench.contracts.build: the committed artifacts are what the pinned solc makes of the committed sources."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.contracts import ARTIFACTS_DIR, CONTRACT_NAMES, load_artifact
from bench.contracts.build import CONTRACTS_DIR, PROJECT_ROOT, SETTINGS, SOLC_VERSION, differences, find_solc
from bench.errors import ChainmarkError


def _solc_missing() -> str:
    try:
        find_solc()
    except ChainmarkError as exc:
        return str(exc)
    return ""


def test_the_check_recompiles_to_the_committed_artifacts() -> None:
    missing = _solc_missing()
    if missing:
        pytest.skip(f"cannot recompile the contracts: {missing}")
    result = subprocess.run(
        [sys.executable, "-m", "bench.contracts.build", "--check"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_every_source_has_its_artifact_and_nothing_else() -> None:
    sources = sorted(p.stem for p in CONTRACTS_DIR.glob("*.sol"))
    artifacts = sorted(p.stem for p in ARTIFACTS_DIR.glob("*.json"))
    assert sources == artifacts == sorted(CONTRACT_NAMES)


@pytest.mark.parametrize("name", CONTRACT_NAMES)
def test_artifact_records_the_pinned_compiler_and_source_pragma(name: str) -> None:
    data = json.loads((ARTIFACTS_DIR / f"{name}.json").read_text())
    assert data["compiler"]["version"].startswith(SOLC_VERSION + "+")
    assert data["compiler"]["settings"] == SETTINGS
    assert data["deployedBytecode"].startswith("0x6080") and len(data["deployedBytecode"]) > 10
    assert re.search(
        rf"^pragma solidity {re.escape(SOLC_VERSION)};$", (CONTRACTS_DIR / f"{name}.sol").read_text(), re.M
    )
    artifact = load_artifact(name)
    assert artifact.name == name and artifact.bytecode.hex() == data["bytecode"][2:]
    assert list(artifact.abi) == data["abi"]


def test_load_artifact_names_the_valid_contracts() -> None:
    with pytest.raises(
        ValueError, match="unknown contract 'Nope': expected one of AMM, Burner, CPUHeavy, DoNothing"
    ):
        load_artifact("Nope")


def test_differences_lists_changed_missing_and_extra_artifacts(tmp_path: Path) -> None:
    built, committed = tmp_path / "built", tmp_path / "committed"
    built.mkdir()
    committed.mkdir()
    for name in ("A", "B", "C"):
        (built / f"{name}.json").write_text("{}\n")
        (committed / f"{name}.json").write_text("{}\n")
    assert differences(built, committed) == []
    (committed / "A.json").write_text('{"abi": []}\n')
    (committed / "B.json").unlink()
    (committed / "D.json").write_text("{}\n")
    assert differences(built, committed) == ["A.json", "B.json", "D.json"]
