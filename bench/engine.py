"""Runs one workload end to end: target up, plan, funding, rounds through Locust, verification, results.

The order is the one DESIGN.md draws: everything that can happen before the clock starts does (keys,
nonces, signing, funding); the measured phase only sends bytes; receipts are fetched after it. The
run store is written as the run goes, and summary.json and report.html are written however the run
ends (completed, failed, or interrupted with Ctrl-C), from what the store holds.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench import __version__
from bench.chains.base import ChainFamily, ConnectOptions, Connector, Managed, ManagedOptions
from bench.chains.registry import chain_family
from bench.clock import Clock, WallClock
from bench.errors import ChainmarkError, DiskFullError, Terminated, WorkloadError
from bench.load.cluster import ClusterMaster
from bench.load.local_workers import start_local_workers, stop_local_workers
from bench.report.outputs import write_outputs
from bench.results.full_disk import Reserve
from bench.results.liveness import owner
from bench.results.machine import machine_info, package_versions
from bench.results.names import safe_name
from bench.results.store import RunStore
from bench.session import Progress, RunnerFactory, Session, Target
from bench.targets.managed import free_port
from bench.targets.url import Endpoint, parse_endpoint, redact_text
from bench.workers import Cluster
from bench.workload.spec import RESTART_ACTIONS, Workload

__all__ = ["ClusterOptions", "Progress", "RunOptions", "RunResult", "run_workload"]


@dataclass(frozen=True, slots=True)
class ClusterOptions:
    """Scale-out on Locust's master/worker cluster: start `local_workers` worker processes here and wait
    for `expect` workers in all (others join with `chainmark worker --master HOST:PORT`) before round 1."""

    expect: int
    local_workers: int = 0
    bind_host: str = "127.0.0.1"
    bind_port: int = 0  # 0: a free port (for local workers)
    timeout: float = 60.0


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How to run a workload: where results go and which target (a URL overrides the workload's)."""

    out_dir: Path
    target_url: str | None = None
    funder_key: bytes | None = field(default=None, repr=False)
    anvil_binary: str | None = None
    node: str | None = None  # a managed node by name, overriding the workload's target.node
    processes: int | None = None
    use_websocket: bool = True
    cluster: ClusterOptions | None = None


@dataclass(frozen=True, slots=True)
class RunResult:
    run_dir: Path
    status: str


def run_workload(
    workload: Workload,
    options: RunOptions,
    on_progress: Callable[[Progress], None] | None = None,
    clock: Clock | None = None,
    runner: RunnerFactory | None = None,
    session: Callable[..., Session] = Session,
) -> RunResult:
    """Run `workload`; the run folder and its files exist whatever happens (errors propagate after).

    `runner` replaces the local or cluster round runner (see `RunnerFactory`); `session` the stages run
    against the target (`Session`'s arguments; `chainmark saturate` runs its steps as one)."""
    clock = clock or WallClock()
    report = on_progress or (lambda _p: None)
    run_dir = _make_run_dir(options.out_dir, workload.name)
    # given back when the run ends or the disk fills: room to record how it ended
    reserve = Reserve(run_dir)
    store = RunStore(run_dir / "results.sqlite", create=True)
    store.set_meta(
        workload=workload.name,
        workload_path=workload.path,
        workload_text=redact_text(workload.text, workload.urls),
        owner=owner(),
        seed=workload.accounts.seed,
        status="running",
        started=clock.now(),
        chainmark=__version__,
        machine=machine_info(),
        versions=package_versions(),
    )
    status = "failed"
    try:
        family = chain_family(workload.target.chain)
        with (
            _target(family, workload, options, run_dir) as (nodes, managed),
            _connected(family, nodes[0], options, managed) as connector,
            _cluster(options, run_dir, clock) as cluster,
        ):
            target = Target(nodes[0], managed, connector, nodes)
            session(
                workload,
                target,
                store,
                clock,
                report,
                processes=options.processes,
                cluster=cluster,
                make_runner=runner,
            ).run()
        status = "completed"
    except KeyboardInterrupt as exc:
        status = "terminated" if isinstance(exc, Terminated) else "interrupted"
        raise
    except ChainmarkError as exc:
        reserve.release()
        store.set_meta(error=str(exc))
        raise
    finally:
        reserve.release()
        _close_run(store, run_dir, status, clock.now(), raise_errors=status == "completed")
    return RunResult(run_dir, status)


def _close_run(store: RunStore, run_dir: Path, status: str, ended: float, *, raise_errors: bool) -> None:
    """Record how the run ended and write its outputs; a full disk here does not hide the run's own error."""
    try:
        store.set_meta(status=status, ended=ended)
        write_outputs(store, run_dir)
    except DiskFullError:
        if raise_errors:
            raise
    finally:
        store.close()


def _make_run_dir(out_dir: Path, name: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    safe = safe_name(name)
    for suffix in ["", *[f"-{i}" for i in range(2, 100)]]:
        run_dir = out_dir / f"{stamp}-{safe}{suffix}"
        try:
            run_dir.mkdir(parents=True)
            return run_dir
        except FileExistsError:
            continue
        except OSError as exc:  # --out is a file, not writable, ...: bad input, nothing started
            raise WorkloadError(f"--out: cannot create a run folder under {out_dir}: {exc.strerror}") from exc
    raise ChainmarkError(f"cannot create a run folder under {out_dir}")


@contextlib.contextmanager
def _target(
    family: ChainFamily, workload: Workload, options: RunOptions, run_dir: Path
) -> Iterator[tuple[tuple[Endpoint, ...], Managed | None]]:
    """The target's nodes, the primary first: `--target-url`'s, the workload's URL or its remote network's
    (`target.nodes`), or the family's managed node or network started for the run (and always stopped)."""
    if options.target_url is not None:
        yield (parse_endpoint(options.target_url),), None
        return
    if workload.target.url is not None and options.node is None:
        yield tuple(parse_endpoint(u) for u in workload.target.nodes or (workload.target.url,)), None
        return
    name = options.node or workload.target.node or family.default_node
    restartable = any(f.action in RESTART_ACTIONS for f in workload.faults)
    node = family.managed(name, ManagedOptions(run_dir, workload.target, options.anvil_binary, restartable))
    with node:
        yield tuple(parse_endpoint(u) for u in node.node_urls), node


@contextlib.contextmanager
def _connected(
    family: ChainFamily, endpoint: Endpoint, options: RunOptions, managed: Managed | None
) -> Iterator[Connector]:
    about = managed.metadata() if managed is not None else None
    connector = family.connect(endpoint, ConnectOptions(options.funder_key, options.use_websocket, about))
    try:
        yield connector
    finally:
        connector.close()


@contextlib.contextmanager
def _cluster(options: RunOptions, run_dir: Path, clock: Clock) -> Iterator[Cluster | None]:
    """The Locust master of a distributed run, with its local worker processes; stopped however the run ends."""
    if options.cluster is None:
        yield None
        return
    port = options.cluster.bind_port or free_port()
    master = ClusterMaster(options.cluster.bind_host, port, clock)
    workers = []
    try:
        workers = start_local_workers(options.cluster.local_workers, port, run_dir)
        yield Cluster(master, options.cluster.expect, options.cluster.timeout)
    finally:
        master.close()
        stop_local_workers(workers)
