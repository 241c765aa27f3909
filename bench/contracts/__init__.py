"""The benchmark contracts: their committed compiled artifacts, loaded by name.

Sources are `bench/contracts/<Name>.sol`; `python -m bench.contracts.build` (or `make contracts`)
rebuilds `bench/contracts/artifacts/<Name>.json` with the pinned solc. Calldata builders are in
`bench.contracts.calls`, the YCSB operation mixes in `bench.contracts.ycsb`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"
CONTRACT_NAMES = (
    "AMM",
    "Burner",
    "CPUHeavy",
    "DoNothing",
    "ERC20",
    "Evidence",
    "IOHeavy",
    "KVStore",
    "NFT",
    "Reverter",
    "SmallBank",
    "Storage",
    "Traceability",
)


@dataclass(frozen=True, slots=True)
class Artifact:
    """One compiled contract: its name, ABI (solc's JSON list) and creation bytecode."""

    name: str
    abi: tuple[dict[str, Any], ...]
    bytecode: bytes


def load_artifact(name: str) -> Artifact:
    """Return the committed artifact of contract `name`; ValueError lists the valid names."""
    if name not in CONTRACT_NAMES:
        raise ValueError(f"unknown contract {name!r}: expected one of {', '.join(CONTRACT_NAMES)}")
    data = json.loads((ARTIFACTS_DIR / f"{name}.json").read_text())
    return Artifact(name=name, abi=tuple(data["abi"]), bytecode=bytes.fromhex(data["bytecode"][2:]))


__all__ = ["ARTIFACTS_DIR", "CONTRACT_NAMES", "Artifact", "load_artifact"]
