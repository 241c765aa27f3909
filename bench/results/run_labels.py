"""Names the runs of a comparison: the labels the user gave, or the shortest automatic name that tells them apart.

A label is given either all at once, `--labels anvil,hardhat,ganache` (one per RUN_DIR, in order),
or per folder, `RUN_DIR=LABEL` (split at the last `=`; an argument that is an existing directory
as a whole is a folder, never a folder and a label). Without a label a run is named by its node
client's name and version (`anvil/v1.7.1`) when every run's client differs, otherwise by its folder
name (with as many parent folders as it takes to tell the runs without a label apart).
Two runs never share a label.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bench.errors import WorkloadError
from bench.results.run_folder import RunFolder


def split_run_args(args: Sequence[str], labels: str | None) -> tuple[list[Path], list[str | None]]:
    """The run folders and their given labels (None where none was given) from RUN_DIR[=LABEL] and --labels."""
    pairs = [_split(arg) for arg in args]
    paths = [path for path, _ in pairs]
    given = [label for _, label in pairs]
    if labels is None:
        return paths, given
    if any(label is not None for label in given):
        raise WorkloadError("compare: give labels with --labels or as RUN_DIR=LABEL, not both")
    listed = [label.strip() for label in labels.split(",")]
    if len(listed) != len(paths):
        raise WorkloadError(
            f"--labels: {len(listed)} label(s) {labels!r} for {len(paths)} run folders; give one per RUN_DIR"
        )
    for i, label in enumerate(listed):
        if not label:
            raise WorkloadError(f"--labels: label {i + 1} of {labels!r} is empty")
    return paths, list(listed)


def _split(arg: str) -> tuple[Path, str | None]:
    if "=" not in arg or Path(arg).is_dir():
        return Path(arg), None
    folder, _, label = arg.rpartition("=")
    if not label.strip():
        raise WorkloadError(f"{arg!r}: empty label after '='; write RUN_DIR=LABEL")
    return Path(folder), label.strip()


def assign_labels(runs: Sequence[RunFolder], given: Sequence[str | None]) -> list[str]:
    """Every run's label: the given one, or an automatic one; WorkloadError when two runs would share one."""
    if len(given) != len(runs):
        raise WorkloadError(f"compare: {len(given)} label(s) for {len(runs)} run folders; give one per run")
    auto = iter(automatic_labels(runs, [label is None for label in given]))
    labels = [label if label is not None else next(auto) for label in given]
    seen: dict[str, Path] = {}
    for label, run in zip(labels, runs, strict=True):
        if label in seen:
            raise WorkloadError(
                f"compare: label {label!r} names both {seen[label]} and {run.path}; give every run its own label"
            )
        seen[label] = run.path
    return labels


def automatic_labels(runs: Sequence[RunFolder], wanted: Sequence[bool] | None = None) -> list[str]:
    """Labels for the `wanted` runs (default all): the client name and version when every run's client
    differs, else the shortest folder names that tell the wanted runs apart."""
    chosen = [run for i, run in enumerate(runs) if wanted is None or wanted[i]]
    clients = [_client(run) for run in runs]
    if all(clients) and len(set(clients)) == len(clients):
        return [str(_client(run)) for run in chosen]
    return folder_labels([run.path for run in chosen])


def _client(run: RunFolder) -> str | None:
    client = run.summary.target.get("client")
    if not isinstance(client, str) or not client.strip():
        return None
    return "/".join(client.strip().split("/")[:2])  # "Geth/v1.14.8-stable/linux-amd64/go1.22" -> name/version


def folder_labels(paths: Sequence[Path]) -> list[str]:
    """Each folder's shortest trailing path that no other folder shares ("#N" added for the same folder twice)."""
    parts = [path.resolve().parts for path in paths]
    labels = []
    for i, mine in enumerate(parts):
        others = [p for j, p in enumerate(parts) if j != i and p != mine]
        depth = 1
        while depth < len(mine) and any(p[-depth:] == mine[-depth:] for p in others):
            depth += 1
        label = "/".join(mine[-depth:]) or str(paths[i])
        labels.append(label if parts.count(mine) == 1 else f"{label} #{i + 1}")
    return labels
