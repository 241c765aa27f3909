"""Loads a suite manifest: a named, versioned, ordered list of workload files run one after another.

    suite: standard
    version: 1
    workloads: [transfer.yaml, erc20.yaml, ...]   # relative to the manifest

`--suite standard` names `workloads/standard/manifest.yaml`, `--suite bitcoin` the Bitcoin family's
`workloads/bitcoin/manifest.yaml` and `--suite reliability` the faults of `workloads/reliability/`; any other
value is a manifest path.
Every workload of the suite is validated before the first one runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.errors import WorkloadError
from bench.workload.files import read_limited
from bench.workload.loader import load_workload
from bench.workload.reader import Reader
from bench.workload.spec import Workload
from bench.workload.yamltree import compose_yaml

MAX_MANIFEST_BYTES = 1_000_000
BUILT_IN = {
    "standard": Path("workloads/standard/manifest.yaml"),
    "bitcoin": Path("workloads/bitcoin/manifest.yaml"),
    "reliability": Path("workloads/reliability/manifest.yaml"),
}


@dataclass(frozen=True, slots=True)
class Suite:
    """A validated suite: its name, version and workloads in run order."""

    name: str
    version: int
    workloads: tuple[Workload, ...]
    path: str


def resolve_suite(name_or_path: str, root: Path | None = None) -> Path:
    """The manifest path for a built-in suite name (from the working folder or the project) or a path."""
    if name_or_path in BUILT_IN:
        relative = BUILT_IN[name_or_path]
        for base in (Path.cwd(), root or Path(__file__).resolve().parents[2]):
            if (base / relative).is_file():
                return base / relative
        raise WorkloadError(f"suite {name_or_path!r}: {relative} not found here or in the chainmark project")
    return Path(name_or_path)


def load_suite(path: Path) -> Suite:
    """Read the manifest at `path` and load (validate) every workload it lists."""
    shown = str(path)
    try:
        text = read_limited(path, MAX_MANIFEST_BYTES, "suite manifest").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WorkloadError("file is not UTF-8 text", path=shown) from exc
    root = compose_yaml(text, shown)
    if root is None:
        raise WorkloadError("the manifest is empty, expected suite, version and workloads", path=shown)
    top = Reader(root, shown, "")
    fields = top.mapping(("suite", "version", "workloads", "description"))
    for key in ("suite", "version", "workloads"):
        if key not in fields:
            raise top.fail(f"{key}: required", shown=False)
    entries = fields["workloads"].sequence()
    if not entries:
        raise fields["workloads"].fail("expected at least one workload file", shown=False)
    workloads = []
    for entry in entries:
        workload_path = path.parent / entry.string()
        if not workload_path.is_file():
            raise entry.fail(f"no workload file at {workload_path}")
        workloads.append(load_workload(workload_path))
    names = [w.name for w in workloads]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise fields["workloads"].fail(f"workload name {duplicate!r} appears twice", shown=False)
    return Suite(fields["suite"].string(), fields["version"].integer(1, 1_000_000), tuple(workloads), shown)
