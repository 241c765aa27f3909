"""Run the `chainmark core` matrix and write core.json and core.html into a new run folder."""

import datetime as dt
import json
import os
import platform
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from bench import kernels
from bench.core import baselines, measure, openssl
from bench.core.compile_times import CompileTime, measure_compile
from bench.core.config import FULL, QUICK, CoreConfig
from bench.core.targets import Target, compile_targets, kernel_targets, merkle_targets
from bench.report.core_report import render_core_report

# core.json: 1 = first version (kernels, baselines, merkle, openssl, compile, targets);
# 2 = merkle points carry list_seconds (the root from a list of bytes), compile has the full-size Merkle call
SCHEMA_VERSION = 2


@dataclass(slots=True)
class _Results:
    """What the tasks collect (mutable while the run goes; frozen records inside)."""

    kernels: list[measure.KernelPoint] = field(default_factory=list)
    baselines: list[measure.BaselinePoint] = field(default_factory=list)
    merkle: list[measure.MerklePoint] = field(default_factory=list)
    merkle_baselines: list[measure.MerkleBaseline] = field(default_factory=list)
    speeds: list[openssl.OpensslSpeed] = field(default_factory=list)
    compile: list[CompileTime] = field(default_factory=list)


def thread_counts(threads: int | None) -> list[int]:
    """None: 1 and all cores; N: 1 and N (just 1 if N == 1)."""
    top = kernels.max_threads() if threads is None else threads
    if not 1 <= top <= kernels.max_threads():
        raise ValueError(f"threads must be in 1..{kernels.max_threads()}, got {top}")
    return sorted({1, top})


def _kernel_tasks(
    config: CoreConfig, counts: list[int], out: _Results
) -> list[tuple[str, Callable[[], None]]]:
    tasks = []
    paths = [("sha-ni", True), ("portable", False)] if kernels.SHA_NI else [("portable", False)]
    for algorithm in kernels.ALGORITHMS:
        for size in config.message_sizes:
            rows = measure.random_rows(max(config.kernel_bytes // size, 64), size)
            for t in counts:
                # OpenSSL runs right before the kernel it is compared with: the machine's load drifts.
                tasks += _openssl_tasks(_openssl_runs(algorithm, size, t), config, out)
                for path, sha_ni in paths if algorithm.startswith("sha256") else [("vectorised", False)]:
                    tasks.append(
                        (
                            f"{algorithm} {size} B x{t} {path}",
                            _kernel_task(algorithm, rows, t, path, sha_ni, config, out),
                        )
                    )
            tasks.append(
                (
                    f"{algorithm} {size} B baseline",
                    _baseline_task(algorithm, rows[: config.baseline_messages], config, out),
                )
            )
    return tasks


def _kernel_task(algorithm, rows, threads, path, sha_ni, config, out) -> Callable[[], None]:
    def task() -> None:
        kernels.set_threads(threads)
        seconds = measure.best_of(config.repeats, lambda: kernels.hash_rows(algorithm, rows, sha_ni=sha_ni))
        n, size = rows.shape
        out.kernels.append(
            measure.KernelPoint(
                algorithm, size, threads, path, n, seconds, measure.blocks_per_message(algorithm, size)
            )
        )

    return task


def _baseline_task(algorithm, rows, config, out) -> Callable[[], None]:
    return lambda: out.baselines.append(measure.time_baseline(algorithm, rows, config.repeats))


def _merkle_tasks(
    config: CoreConfig, counts: list[int], out: _Results
) -> list[tuple[str, Callable[[], None]]]:
    tasks = []
    for scheme in kernels.SCHEMES:
        for t in counts:
            tasks.append((f"merkle {scheme} x{t}", _merkle_task(scheme, t, config, out)))
        for leaves in config.merkle_leaves:
            if leaves > config.baseline_max_leaves:
                continue
            for library, build in baselines.baselines_for(scheme):
                tasks.append(
                    (
                        f"merkle {scheme} {leaves} {library}",
                        _merkle_baseline_task(scheme, library, build, leaves, out),
                    )
                )
    return tasks


def _merkle_task(scheme, threads, config, out) -> Callable[[], None]:
    def task() -> None:
        kernels.set_threads(threads)
        per_hash = measure.per_hash_seconds(scheme, config.repeats, max(config.merkle_leaves) // 2)
        for leaves in config.merkle_leaves:
            out.merkle.append(measure.time_merkle(scheme, leaves, threads, config.repeats, per_hash))

    return task


def _merkle_baseline_task(scheme, library, build, leaves, out) -> Callable[[], None]:
    def task() -> None:
        rows = measure.random_rows(leaves, 32, seed=leaves)
        out.merkle_baselines.append(
            baselines.time_merkle_baseline(scheme, library, build, [r.tobytes() for r in rows])
        )

    return task


def _openssl_runs(algorithm: str, size: int, threads: int) -> list[tuple[str, int, int]]:
    """The `openssl speed` runs (evp, bytes, processes) a kernel measurement is compared with."""
    if algorithm == "sha256" and (threads == 1 or size == 64):
        return [("sha256", size, threads)]
    if algorithm in ("keccak256", "sm3") and size == 64 and threads == 1:
        evp = openssl.EVP_NAMES[algorithm]
        return [(evp, 64, 1), (evp, 16320 if evp == "sha3-256" else 16384, 1)]
    return []


def _openssl_tasks(
    runs: list[tuple[str, int, int]], config: CoreConfig, out: _Results
) -> list[tuple[str, Callable[[], None]]]:
    executable = openssl.openssl_path()
    if executable is None:
        return []

    def task(evp: str, size: int, processes: int) -> Callable[[], None]:
        return lambda: out.speeds.append(
            openssl.run_speed(executable, evp, size, seconds=config.openssl_seconds, processes=processes)
        )

    return [(f"openssl {evp} {size} B x{p}", task(evp, size, p)) for evp, size, p in runs]


def _compile_tasks(config: CoreConfig, out: _Results) -> list[tuple[str, Callable[[], None]]]:
    def task(algorithm: str) -> Callable[[], None]:
        return lambda: out.compile.append(measure_compile(algorithm))

    return [(f"compile {a}", task(a)) for a in config.compile_algorithms]


def _machine() -> dict[str, object]:
    features = kernels.cpu_features()
    executable = openssl.openssl_path()
    return {
        "cpu": features.name,
        "sha_ni": features.sha_ni,
        "avx2": features.avx2,
        "avx512f": features.avx512f,
        "sha256_path": "sha-ni" if kernels.SHA_NI else "portable",
        "max_threads": kernels.max_threads(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "platform": platform.platform(),
        "openssl": openssl.openssl_version(executable) if executable else None,
        "load_average_1m": os.getloadavg()[0],
    }


def _records(items: list) -> list[dict[str, object]]:
    """asdict plus the derived properties (ns per message, ratio to ideal, met, ...)."""
    rows = []
    for item in items:
        row = asdict(item)
        for name in dir(type(item)):
            if isinstance(getattr(type(item), name), property):
                row[name] = getattr(item, name)
        rows.append(row)
    return rows


def build_document(
    quick: bool, counts: list[int], results: _Results, targets: list[Target], started: str
) -> dict:
    """The core.json document (schema_version 1)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "chainmark-core",
        "started_utc": started,
        "quick": quick,
        "threads": counts,
        "machine": _machine(),
        "kernels": _records(results.kernels),
        "baselines": _records(results.baselines),
        "merkle": _records(results.merkle),
        "merkle_baselines": _records(results.merkle_baselines),
        "openssl": _records(results.speeds),
        "compile": _records(results.compile),
        "targets": _records(targets),
    }


def run_core(
    *,
    quick: bool,
    threads: int | None,
    out_dir: Path,
    progress: Callable[[int, int, str], None] | None = None,
) -> Path:
    """Measure kernels and Merkle schemes (and OpenSSL), write core.json and core.html; return the folder.

    The folder is out_dir / "core-<UTC time>"; progress(done, total, label) is called before each step.
    """
    config = QUICK if quick else FULL
    counts = thread_counts(threads)
    now = dt.datetime.now(dt.UTC)
    folder = out_dir / f"core-{now:%Y%m%dT%H%M%SZ}"
    results = _Results()
    tasks = _compile_tasks(config, results) + _kernel_tasks(config, counts, results)
    tasks += _merkle_tasks(config, counts, results)
    previous = kernels.get_threads()
    try:
        for done, (label, task) in enumerate(tasks):
            if progress:
                progress(done, len(tasks), label)
            task()
    finally:
        kernels.set_threads(previous)
    if progress:
        progress(len(tasks), len(tasks), "report")
    targets = kernel_targets(results.kernels, results.speeds, counts[-1])
    targets += merkle_targets(results.merkle, results.merkle_baselines, counts[-1])
    targets += compile_targets(results.compile)
    document = build_document(quick, counts, results, targets, now.isoformat())
    folder.mkdir(parents=True, exist_ok=False)
    (folder / "core.json").write_text(json.dumps(document, indent=2) + "\n")
    (folder / "core.html").write_text(render_core_report(document))
    return folder
