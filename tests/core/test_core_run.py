"""run_core end to end on a tiny matrix (OpenSSL faked), its thread choices, JSON and HTML report."""

import json
import re
from pathlib import Path

import pytest

from bench.core import run, run_core
from bench.core.config import CoreConfig
from bench.core.openssl import OpensslSpeed
from bench.kernels import max_threads

TINY = CoreConfig(
    message_sizes=(64,),
    kernel_bytes=64 * 512,
    repeats=1,
    merkle_leaves=(16, 64),
    baseline_messages=64,
    baseline_max_leaves=16,
    openssl_seconds=1,
    compile_algorithms=(),
)


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run, "QUICK", TINY)
    monkeypatch.setattr(run.openssl, "openssl_path", lambda: "openssl")
    monkeypatch.setattr(run.openssl, "openssl_version", lambda executable: "OpenSSL <fake> & co")

    def fake_speed(executable: str, evp: str, size: int, *, seconds: int, processes: int = 1) -> OpensslSpeed:
        return OpensslSpeed(evp, size, processes, processes * 200e6)

    monkeypatch.setattr(run.openssl, "run_speed", fake_speed)


def test_thread_counts() -> None:
    assert run.thread_counts(1) == [1]
    assert run.thread_counts(None) == sorted({1, max_threads()})
    with pytest.raises(ValueError, match="threads must be in 1"):
        run.thread_counts(0)
    with pytest.raises(ValueError, match="threads must be in 1"):
        run.thread_counts(max_threads() + 1)


@pytest.mark.usefixtures("tiny")
def test_run_core_writes_json_and_html(tmp_path: Path) -> None:
    calls: list[tuple[int, int, str]] = []
    folder = run_core(
        quick=True, threads=1, out_dir=tmp_path, progress=lambda d, t, label: calls.append((d, t, label))
    )
    assert re.fullmatch(r"core-\d{8}T\d{6}Z", folder.name) and folder.parent == tmp_path
    doc = json.loads((folder / "core.json").read_text())
    assert doc["schema_version"] == 2 and doc["threads"] == [1] and doc["quick"] is True
    assert all(m["list_seconds"] > 0 for m in doc["merkle"])  # version 2: the list-of-bytes path beside
    assert {k["algorithm"] for k in doc["kernels"]} == {"sha256", "sha256d", "keccak256", "sm3"}
    assert {m["scheme"] for m in doc["merkle"]} == {"bitcoin", "rfc6962", "sm3", "openzeppelin"}
    assert {(b["scheme"], b["leaves"]) for b in doc["merkle_baselines"]} >= {
        ("bitcoin", 16),
        ("openzeppelin", 16),
    }
    assert any(t["name"].startswith("SHA-256, 64-byte") for t in doc["targets"])
    assert calls[0][0] == 0 and calls[-1] == (calls[-1][1], calls[-1][1], "report")
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)
    page = (folder / "core.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "plotly" in page.lower()
    assert "OpenSSL &lt;fake&gt; &amp; co" in page and "<fake>" not in page


@pytest.mark.usefixtures("tiny")
def test_cli_core_prints_the_targets_and_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench.cli import main

    assert main(["core", "--quick", "--threads", "1", "-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("| target | measured | limit | result | how |")
    assert any(line.startswith("| SHA-256, 64-byte messages, 1 thread") for line in out)
    assert out[-1].startswith("report: ") and out[-1].endswith("core.html")


def test_cli_core_refuses_an_impossible_thread_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench.cli import main

    assert main(["core", "--threads", "0", "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --threads: threads must be in 1")
