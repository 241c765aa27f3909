"""`chainmark compare` of saturation folders: one row per run (maximum, knees, finding), the curves overlaid,
a run folder among them refused in one line, `chainmark report` rebuilding nothing it should not."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from bench.cli import main
from bench.results.saturation import read_saturation, write_saturation
from tests.saturate.synthetic import HOSTILE, saturation

TAGGED = "<i>edr</i>"  # a label (one with no "=": RUN_DIR=LABEL splits at the last one) with HTML in it


def _folder(path: Path, client: str, max_tps: float) -> Path:
    path.mkdir(parents=True)
    sat = dataclasses.replace(saturation("transfer"), max_tps=max_tps, target={"client": client})
    write_saturation(sat, path)
    return path


def test_compare_overlays_saturation_folders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = _folder(tmp_path / "a", "anvil/v1.7.1", 400.0)
    b = _folder(tmp_path / "b", "anvil/v1.7.1", 250.0)
    out = tmp_path / "cmp"
    assert main(["compare", str(a), f"{b}=hardhat {TAGGED}", "-o", str(out)]) == 0
    assert capsys.readouterr().out == f"comparison: {out / 'index.html'}\n"
    doc = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert [(e["name"], e["max_tps"]) for e in doc["saturations"]] == [
        ("a", 400.0),  # the same client: the others are named by folder
        (f"hardhat {TAGGED}", 250.0),
    ]
    assert doc["saturations"][0]["knee_p50"] == {"offered_tps": 400.0, "latency_s": 0.9}
    md = (out / "comparison.md").read_text(encoding="utf-8").splitlines()
    assert md[0].startswith("| run | workload / round | SLOs | max sustainable tx/s | knee p50 |")
    assert md[3].startswith("| hardhat &lt;i&gt;edr&lt;/i&gt; | transfer / ")
    assert "| 250.0 | 400.0 tx/s at 0.900 s | - | 4 |" in md[3]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert HOSTILE not in page and TAGGED not in page and page.count('class="steps"') == 2


def test_compare_names_saturations_by_client(tmp_path: Path) -> None:
    a = _folder(tmp_path / "a", "anvil/v1.7.1", 400.0)
    b = _folder(tmp_path / "b", "Ganache/v7.9.2/EthereumJS TestRPC/v7.9.2/ethereum-js", 100.0)
    assert main(["compare", str(a), str(b), "-o", str(tmp_path / "cmp")]) == 0
    doc = json.loads((tmp_path / "cmp" / "comparison.json").read_text(encoding="utf-8"))
    assert [e["name"] for e in doc["saturations"]] == ["anvil/v1.7.1", "Ganache/v7.9.2"]


def test_compare_refuses_a_run_among_saturations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = _folder(tmp_path / "a", "anvil/v1.7.1", 400.0)
    plain = tmp_path / "run"
    plain.mkdir()
    assert main(["compare", str(a), str(plain), "-o", str(tmp_path / "cmp")]) == 2
    assert capsys.readouterr().err == (
        f"error: compare: {plain}: not a saturation folder (no saturation.json); compare saturation folders "
        "with saturation folders, runs with runs\n"
    )
    assert (
        main(["compare", str(a), str(a), "--fail-if", "throughput_tps<-5%", "-o", str(tmp_path / "c")]) == 2
    )
    assert (
        capsys.readouterr().err
        == "error: compare: --fail-if gates the rounds of runs, not saturation folders\n"
    )


def test_saturation_json_reads_back_as_written(tmp_path: Path) -> None:
    sat = saturation("transfer")
    write_saturation(sat, tmp_path)
    assert read_saturation(tmp_path) == sat
    (tmp_path / "saturation.json").write_text("{}", encoding="utf-8")
    with pytest.raises(Exception, match=r"saturation\.json is not a saturation document"):
        read_saturation(tmp_path)
