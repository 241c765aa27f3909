"""bench.results.run_labels: RUN_DIR[=LABEL] and --labels parsed, automatic labels (client, folder), duplicates."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.errors import WorkloadError
from bench.results.run_folder import RunFolder
from bench.results.run_labels import assign_labels, automatic_labels, folder_labels, split_run_args
from bench.results.summary import RunSummary


@pytest.mark.parametrize(
    ("args", "labels", "paths", "given"),
    [
        (["a", "b"], None, ["a", "b"], [None, None]),
        (["a=x", "b"], None, ["a", "b"], ["x", None]),
        (["a/b=c=d"], None, ["a/b=c"], ["d"]),  # split at the last '='
        (["a= spaced "], None, ["a"], ["spaced"]),
        (["a", "b"], "x, y", ["a", "b"], ["x", "y"]),
    ],
)
def test_split_run_args(
    args: list[str], labels: str | None, paths: list[str], given: list[str | None]
) -> None:
    assert split_run_args(args, labels) == ([Path(p) for p in paths], given)


def test_an_existing_folder_with_an_equals_sign_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "rate=100").mkdir()
    assert split_run_args([str(tmp_path / "rate=100")], None) == ([tmp_path / "rate=100"], [None])
    assert split_run_args([f"{tmp_path / 'rate=100'}=fast"], None) == ([tmp_path / "rate=100"], ["fast"])


@pytest.mark.parametrize(
    ("args", "labels", "message"),
    [
        (["a", "b"], "x", "--labels: 1 label(s) 'x' for 2 run folders"),
        (["a", "b"], "x,,", "--labels: 3 label(s)"),
        (["a", "b"], "x, ", "--labels: label 2 of 'x, ' is empty"),
        (["a=x", "b"], "x,y", "not both"),
        (["a="], None, "'a=': empty label after '='"),
    ],
)
def test_split_run_args_refuses(args: list[str], labels: str | None, message: str) -> None:
    with pytest.raises(WorkloadError, match=message.replace("(", r"\(").replace(")", r"\)")):
        split_run_args(args, labels)


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        (["/r/x", "/r/y"], ["x", "y"]),
        (["/r/a/run", "/r/b/run"], ["a/run", "b/run"]),
        (["/r/a/run", "/s/a/run", "/r/z"], ["r/a/run", "s/a/run", "z"]),
        (["/r/x", "/r/x"], ["x #1", "x #2"]),
    ],
)
def test_folder_labels(paths: list[str], expected: list[str]) -> None:
    assert folder_labels([Path(p) for p in paths]) == expected


def _run(path: str, client: str | None) -> RunFolder:
    summary = RunSummary.from_json({"target": {"client": client} if client else {}})
    return RunFolder(Path(path), Path(path).name, summary)


@pytest.mark.parametrize(
    ("clients", "expected"),
    [
        (("anvil/v1.7.1", "hardhat/2.22.1"), ["anvil/v1.7.1", "hardhat/2.22.1"]),
        (("Geth/v1.14.8-stable/linux-amd64/go1.22", "anvil/v1.7.1"), ["Geth/v1.14.8-stable", "anvil/v1.7.1"]),
        (("anvil/v1.7.1", "anvil/v1.7.1"), ["one", "two"]),
        (("Geth/v1/linux", "Geth/v1/darwin"), ["one", "two"]),  # name and version alike: folders
        (("anvil/v1.7.1", None), ["one", "two"]),
    ],
)
def test_automatic_labels(clients: tuple[str | None, str | None], expected: list[str]) -> None:
    runs = [_run("/r/one", clients[0]), _run("/r/two", clients[1])]
    assert automatic_labels(runs) == expected


def test_assign_labels_given_automatic_and_duplicates() -> None:
    runs = [_run("/r/one", "a/1"), _run("/r/two", "a/1"), _run("/s/two", "a/1")]
    assert assign_labels(runs, ["mine", None, None]) == ["mine", "r/two", "s/two"]
    with pytest.raises(WorkloadError, match="label 'x' names both /r/one and /s/two"):
        assign_labels(runs, ["x", None, "x"])
    with pytest.raises(WorkloadError, match="label 'one' names both"):
        assign_labels(runs[:2], [None, "one"])  # a given label may not repeat an automatic one
