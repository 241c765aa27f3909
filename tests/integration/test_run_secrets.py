"""Secrets written into a workload (a URL's password, a path key, a short `?apikey=`, the Prometheus URL's too)
appear in no file of the run folder and in no output: the stored and shown workload text is redacted (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.chains.ethereum.anvil import ManagedAnvil
from tests.runhelpers import chainmark, only_run_dir, write_workload

pytestmark = pytest.mark.anvil

PASSWORD, KEY, TOKEN = "s3cr3t-rpc-pw", "0123456789abcdef0123456789abcdef", "k9q"
PROM_PASSWORD, PROM_TOKEN = "prom-pw-77", "t0k"


def test_no_secret_of_the_workload_text_is_published(
    tmp_path: Path, anvil: ManagedAnvil, metrics_server: str
) -> None:
    url = anvil.url.replace("http://", f"http://bench:{PASSWORD}@") + f"/?apikey={TOKEN}"
    prometheus = (
        metrics_server.replace("http://", f"http://scrape:{PROM_PASSWORD}@") + f"/{KEY}?token={PROM_TOKEN}"
    )
    workload = write_workload(
        tmp_path / "w.yaml",
        f"""name: secrets
target:
  url: "{url}"
  prometheus: {{url: '{prometheus}', metrics: [chainmark_test_counter], interval: 0.5s}}
accounts: {{count: 5, seed: 3}}
rounds:
  - label: a
    tx_count: 20
    rate: {{type: fixed-rate, tps: 20}}
""",
    )
    result = chainmark("run", str(workload), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    run_dir = only_run_dir(tmp_path / "out")
    rebuilt = chainmark("report", str(run_dir))  # the report rebuilt from the store shows the stored text
    assert rebuilt.returncode == 0, rebuilt.stderr
    files = {p.name: p.read_bytes().decode("latin-1") for p in run_dir.iterdir() if p.is_file()}
    assert {"results.sqlite", "summary.json", "report.html"} <= set(files)
    outputs = {"stdout": result.stdout, "stderr": result.stderr, "report stdout": rebuilt.stdout}
    for secret in (PASSWORD, KEY, f"apikey={TOKEN}", PROM_PASSWORD, f"token={PROM_TOKEN}"):
        for name, text in {**files, **outputs}.items():
            assert secret not in text, f"{secret!r} is in {name}"
    assert "apikey=***" in files["report.html"] and "token=***" in files["report.html"]
