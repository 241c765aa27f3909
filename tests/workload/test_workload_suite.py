"""Suite manifests: every shipped manifest loads (all its workloads validated); bad manifests get one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.errors import WorkloadError
from bench.workload.suite import load_suite, resolve_suite

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = sorted((ROOT / "workloads").rglob("manifest.yaml"))


@pytest.mark.parametrize("path", MANIFESTS, ids=[str(p.relative_to(ROOT)) for p in MANIFESTS])
def test_shipped_manifests_load(path: Path) -> None:
    suite = load_suite(path)
    listed = {w.path for w in suite.workloads}
    assert suite.version >= 1
    assert listed == {str(p) for p in path.parent.glob("*.yaml") if p.name != "manifest.yaml"}, (
        "every workload in a suite folder is in its manifest"
    )


def test_bitcoin_suite_resolves_and_is_versioned() -> None:
    suite = load_suite(resolve_suite("bitcoin", ROOT))
    assert (suite.name, suite.version) == ("bitcoin", 1)
    assert [w.name for w in suite.workloads] == [
        "bitcoin-transfer",
        "bitcoin-payout",
        "bitcoin-evidence",
        "bitcoin-consolidate",
    ]
    assert all(w.target.chain == "bitcoin" for w in suite.workloads)


def test_standard_suite_resolves_and_is_versioned() -> None:
    suite = load_suite(resolve_suite("standard", ROOT))
    assert (suite.name, suite.version) == ("standard", 2)
    assert len(suite.workloads) >= 3


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ("suite: s\nversion: 1\n", "m.yaml:1: workloads: required"),
        ("suite: s\nversion: 1\nworkloads: []\n", "m.yaml:3: workloads: expected at least one workload file"),
        ("suite: s\nversion: 0\nworkloads: [a.yaml]\n", "m.yaml:3: workloads[0]: no workload file at"),
        (
            "suite: s\nversion: 1\nworkloads: [w.yaml, w.yaml]\n",
            "m.yaml:3: workloads: workload name 't' appears twice",
        ),
        ("suite: s\nversion: 1\nworkloads: [w.yaml]\nextra: 1\n", "m.yaml:4: extra: unknown key"),
        ("", "m.yaml: the manifest is empty"),
    ],
)
def test_bad_manifests(tmp_path: Path, manifest: str, message: str) -> None:
    (tmp_path / "w.yaml").write_text(
        "name: t\nrounds: [{label: a, tx_count: 1, rate: {type: fixed-rate, tps: 1}}]\n"
    )
    (tmp_path / "m.yaml").write_text(manifest)
    with pytest.raises(WorkloadError) as info:
        load_suite(tmp_path / "m.yaml")
    assert str(info.value).startswith(f"{tmp_path}/{message}")
