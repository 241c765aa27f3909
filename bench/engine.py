"""Runs one workload end to end: target up, plan, funding, rounds through Locust, verification, results.

The order is the one DESIGN.md draws: everything that can happen before the clock starts does (keys,
nonces, signing, funding); the measured phase only sends bytes; receipts are fetched after it. The
run store is written as the run goes, and summary.json and report.html are written however the run
ends (completed, failed, or interrupted with Ctrl-C), from what the store holds.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from bench import __version__
from bench.chains.base import (
    ChainFamily,
    ChainInfo,
    ChainPlan,
    ConnectOptions,
    Connector,
    ManagedOptions,
    Write,
)
from bench.chains.registry import chain_family
from bench.clock import Clock, WallClock
from bench.errors import ChainmarkError, DiskFullError, TargetError, Terminated, WorkloadError
from bench.load.clocksync import OFFSET_WARN_S
from bench.load.cluster import ClusterMaster
from bench.load.local_workers import start_local_workers, stop_local_workers
from bench.observe.blocks import BlockObserver, ObservedBlock
from bench.observe.prometheus import PrometheusScraper
from bench.observe.resources import ResourceMonitor, loopback_listener
from bench.plan.round import PlannedRound
from bench.report.outputs import write_outputs
from bench.results.full_disk import Reserve, quiet_when_full
from bench.results.liveness import owner
from bench.results.machine import machine_info, package_versions
from bench.results.names import safe_name
from bench.results.store import RunStore
from bench.rounds import ClusterRunner, LocalRunner, RoundContext, RoundProgress, RoundRunner
from bench.targets.managed import ManagedNode, free_port
from bench.targets.url import Endpoint, parse_endpoint, redact_text, redact_url
from bench.workload.spec import Workload

IDENTITY_TIMEOUT_S = (
    10.0  # the run's first call: a silent endpoint fails in 10 s, not after the 30 s RPC timeout
)

# Makes the session's round runner from what it shares with runners; by default the local (Locust in this
# process) or cluster runner. Tests pass one that sends on an in-process fake chain.
RunnerFactory = Callable[[RoundContext], RoundRunner]


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
class Progress:
    """A progress event for the terminal: a stage message, or a round's live counts."""

    message: str = ""
    label: str = ""
    elapsed: float = 0.0
    planned_s: float | None = None
    sent: int = 0
    confirmed: int = 0
    failed: int = 0
    tps: float = 0.0


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
) -> RunResult:
    """Run `workload`; the run folder and its files exist whatever happens (errors propagate after).

    `runner` replaces the local or cluster round runner (see `RunnerFactory`)."""
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
            _target(family, workload, options, run_dir) as (endpoint, managed),
            _connected(family, endpoint, options) as connector,
            _cluster(options, run_dir, clock) as cluster,
        ):
            target = _Target(endpoint, managed, connector)
            _Session(workload, options, target, store, clock, report, cluster, runner).run()
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


@dataclass(frozen=True, slots=True)
class _Target:
    """The reachable target: its endpoint, the managed node behind it (if chainmark started it), and
    the chain's connector to it."""

    endpoint: Endpoint
    managed: ManagedNode | None
    chain: Connector


@contextlib.contextmanager
def _target(
    family: ChainFamily, workload: Workload, options: RunOptions, run_dir: Path
) -> Iterator[tuple[Endpoint, ManagedNode | None]]:
    """The target URL, or the family's managed node started for the run (and always stopped)."""
    url = options.target_url or (workload.target.url if options.node is None else None)
    if url is not None:
        yield parse_endpoint(url), None
        return
    name = options.node or workload.target.node or family.default_node
    node = family.managed(name, ManagedOptions(run_dir, workload.target, options.anvil_binary))
    with node:
        yield parse_endpoint(node.url), node


@contextlib.contextmanager
def _connected(family: ChainFamily, endpoint: Endpoint, options: RunOptions) -> Iterator[Connector]:
    connector = family.connect(endpoint, ConnectOptions(options.funder_key, options.use_websocket))
    try:
        yield connector
    finally:
        connector.close()


@contextlib.contextmanager
def _cluster(options: RunOptions, run_dir: Path, clock: Clock) -> Iterator[ClusterMaster | None]:
    """The Locust master of a distributed run, with its local worker processes; stopped however the run ends."""
    if options.cluster is None:
        yield None
        return
    port = options.cluster.bind_port or free_port()
    master = ClusterMaster(options.cluster.bind_host, port, clock)
    workers = []
    try:
        workers = start_local_workers(options.cluster.local_workers, port, run_dir)
        yield master
    finally:
        master.close()
        stop_local_workers(workers)


class _Session:
    """The stages of one run against a reachable target."""

    def __init__(
        self,
        workload: Workload,
        options: RunOptions,
        target: _Target,
        store: RunStore,
        clock: Clock,
        report: Callable[[Progress], None],
        cluster: ClusterMaster | None = None,
        make_runner: RunnerFactory | None = None,
    ) -> None:
        self.workload, self.options, self.target = workload, options, target
        self.endpoint, self.managed, self.chain = target.endpoint, target.managed, target.chain
        self.cluster = cluster
        self.store, self.clock, self.report = store, clock, report
        self.observer = BlockObserver(
            self.chain.heads(),
            clock,
            self._on_block,
            target=self.endpoint.redacted,
            poll_interval=workload.target.poll_interval,
        )
        context = RoundContext(
            self.endpoint, self.chain.wire, clock, store, self.observer, self._check_observer, self._progress
        )
        self.runner: RoundRunner = (make_runner or self._locust_runner)(context)
        self.first_ids: list[int] = []  # the first tx id of each round, once planned

    def _locust_runner(self, context: RoundContext) -> RoundRunner:
        """The default runner: Locust users in this process, or the cluster's workers."""
        if self.cluster is None:
            return LocalRunner(context)
        return ClusterRunner(context, self.cluster, self._record_workers)

    def run(self) -> None:
        """The stages: identify the target, plan, prepare it (fund, set up contracts), join workers, then
        observe the rounds and the drain, then ask about unseen writes and verify receipts."""
        info = self._identify()
        plan = self._plan(info)
        self._prepare(plan, info)
        if self.cluster is not None:
            self._join_workers()
        with self._observing():
            self._await_first_block()
            self._rounds(plan)
            self._drain()
        self._check_unseen(plan)
        self._verify()

    def _identify(self) -> ChainInfo:
        """Who the target is (client, chain id, the family's parameters), recorded before anything else."""
        self.report(Progress(f"connecting to {self.endpoint.redacted}"))
        info = self.chain.identity.identify(IDENTITY_TIMEOUT_S)
        target: dict[str, Any] = {
            "url": self.endpoint.redacted,
            "client": info.client,
            "chain_id": info.chain_id,
            **info.params,
            "managed": self.managed is not None,
        }
        if self.workload.target.chain != "ethereum":
            target["chain"] = self.workload.target.chain
        if self.managed is not None:
            target["block_time_s"] = self.managed.block_time
            target["node"] = {"name": self.managed.name, "version": self.managed.version}
        self.store.set_meta(target=target)
        return info

    def _prepare(self, plan: ChainPlan, info: ChainInfo) -> None:
        """Fund every workload account and set up its contracts, confirmed by the chain, before the clock."""
        meta = self.chain.preparer.prepare(plan, info, lambda message: self.report(Progress(message)))
        if meta:
            self.store.set_meta(**meta)

    @contextlib.contextmanager
    def _observing(self) -> Iterator[None]:
        """The observer, the resource monitor and the Prometheus scraper run while the body does; what they
        saw is recorded however it ends."""
        sources = {"chainmark": os.getpid()}
        node_pid = self.managed.pid if self.managed is not None else _local_node_pid(self.endpoint)
        if node_pid is not None:
            sources["node"] = node_pid
        monitor = ResourceMonitor(sources, self.clock, quiet_when_full(self.store.add_resources))
        monitor.start()
        prometheus = self.workload.target.prometheus
        scraper = None
        if prometheus is not None:
            scraper = PrometheusScraper(
                prometheus.url,
                prometheus.metrics,
                self.clock,
                quiet_when_full(self.store.add_metrics),
                prometheus.interval,
            )
            scraper.start()
        self.observer.start()
        try:
            yield
        finally:
            self.observer.stop()
            monitor.stop()
            if scraper is not None:
                scraper.stop()
                self.store.set_meta(
                    prometheus={
                        "url": redact_url(scraper.url),
                        "scrapes": scraper.scrapes,
                        "last_error": scraper.error,
                    }
                )
            self.store.set_meta(observer=self.observer.mode)
            if self.cluster is not None:
                self._record_workers()

    def _join_workers(self) -> None:
        """Wait for the cluster's workers and estimate their clock offsets, before the clock starts."""
        assert self.cluster is not None and self.options.cluster is not None
        expect = self.options.cluster.expect
        self.report(Progress(f"waiting for {expect} workers (Locust master on port {self.cluster.port})"))
        self.cluster.wait_for_workers(expect, self.options.cluster.timeout)
        self.cluster.sync_clocks()
        self._record_workers()
        worst = max(self.cluster.live, key=lambda n: abs(n.offset))
        self.report(
            Progress(
                f"{expect} workers connected; largest clock offset {worst.offset * 1000:+.3f} ms "
                f"(worker {worst.index}, round trip {worst.rtt * 1000:.3f} ms)"
            )
        )
        for node in self.cluster.live:
            if abs(node.offset) > OFFSET_WARN_S:
                self.report(
                    Progress(
                        f"warning: worker {node.index}'s clock is {node.offset * 1000:+.1f} ms off the master's "
                        f"(more than {OFFSET_WARN_S * 1000:g} ms); send times are corrected by it"
                    )
                )

    def _record_workers(self) -> None:
        assert self.cluster is not None
        self.store.set_meta(
            workers={
                "count": len(self.cluster.nodes),
                "duplicates_received": self.cluster.duplicates,
                "nodes": [n.as_json() for _, n in sorted(self.cluster.nodes.items())],
            }
        )

    def _await_first_block(self, timeout: float = 60.0) -> None:
        """Start the clock only once the observer has seen a block arrive: every round's window then
        opens on a block whose arrival time is known."""
        first = self.observer.last_block
        deadline = self.clock.now() + timeout
        while self.observer.last_block == first:
            self._check_observer()
            if self.clock.now() > deadline:
                raise TargetError(f"no new block within {timeout:g} s; is the node producing blocks?")
            self.clock.sleep(0.02)

    def _plan(self, info: ChainInfo) -> ChainPlan:
        self.report(Progress("planning: deriving keys, reading account state, signing every transaction"))
        started = time.perf_counter()
        planned = self.chain.planner.plan(self.workload, info, self.options.processes)
        plan = planned.plan
        self.first_ids = [int(x) for x in np.cumsum([0] + [r.count for r in plan.rounds[:-1]])]
        for one in plan.rounds:
            self.store.add_round(one.index, one.spec.label, one.spec.warmup, _controller(one), one.count)
            self._store_txs(one)
        total = time.perf_counter() - started
        tx_count = sum(r.count for r in plan.rounds)
        self.store.set_meta(
            plan={
                "tx_count": tx_count,
                "seconds": round(total, 3),
                **plan.record(),
                "signing_seconds": round(planned.signing_seconds, 3),
                "processes": planned.processes,
                "accounts": self.workload.accounts.count,
            }
        )
        rate = tx_count / planned.signing_seconds if planned.signing_seconds > 0 else 0.0
        self.report(
            Progress(
                f"planned {tx_count} transactions in {total:.2f} s "
                f"(signed {rate:,.0f} tx/s on {planned.processes} processes)"
            )
        )
        return plan

    def _store_txs(self, planned: PlannedRound) -> None:
        first = self.first_ids[planned.index]
        self.store.add_txs(
            (first + i, planned.index, i, int(s), int(n), h, planned.kind_name(i))
            for i, (s, n, h) in enumerate(zip(planned.senders, planned.nonces, planned.hashes, strict=True))
        )

    def _rounds(self, plan: ChainPlan) -> None:
        rounds = list(plan.rounds)
        index = 0
        while index < len(rounds):
            planned = rounds[index]
            outcome = self.runner.run(planned, self.first_ids[planned.index])
            for worker in outcome.lost_workers:
                self.report(Progress(f"warning: worker {worker} was lost in round {planned.spec.label!r}"))
            taken = outcome.taken
            if taken < planned.count and index + 1 < len(rounds):
                rounds[index + 1 :] = self._resign_from_node(plan, rounds[index + 1 :])
            index += 1

    def _progress(self, p: RoundProgress) -> None:
        self.report(
            Progress(
                label=p.label,
                elapsed=p.elapsed,
                planned_s=p.planned_s,
                sent=p.sent,
                confirmed=p.confirmed,
                failed=p.failed,
                tps=p.tps,
            )
        )

    def _check_observer(self) -> None:
        """Raise what stopped the observer, if anything, after recording when (its round is invalid)."""
        failure = self.observer.failure()
        if failure is not None:
            self.store.set_meta(observer_lost={"at": failure.at, "error": str(failure.error)})
            raise failure.error

    def _resign_from_node(self, plan: ChainPlan, later: list[PlannedRound]) -> list[PlannedRound]:
        """A round ended with signed transactions unsent (a duration-bounded closed loop, a lost worker):
        their place in their senders' chains was never used, so sign the later rounds again from the node."""
        started = time.perf_counter()
        fresh = self.chain.planner.resign(plan, later)
        for planned in fresh:
            self._store_txs(planned)
        self.report(
            Progress(
                f"re-signed {sum(r.count for r in fresh)} transactions of later rounds in "
                f"{time.perf_counter() - started:.2f} s (their nonces moved back)"
            )
        )
        return fresh

    def _on_block(self, block: ObservedBlock) -> None:
        self.store.add_blocks([block.row])
        if not block.inclusions:
            return
        self.store.add_inclusions(block.inclusions)
        self.runner.included([tx_id for tx_id, _, _ in block.inclusions])

    def _drain(self) -> None:
        """Wait for sent transactions to appear in blocks, up to the grace period."""
        deadline = self.clock.now() + self.workload.target.confirm_grace
        if self.observer.watching:
            self.report(
                Progress(
                    f"waiting up to {self.workload.target.confirm_grace:g} s for "
                    f"{self.observer.watching} transactions to be included"
                )
            )
        while self.observer.watching and self.clock.now() < deadline:
            self._check_observer()
            self.clock.sleep(0.1)

    def _check_unseen(self, plan: ChainPlan) -> None:
        """After the window, ask the node what became of every accepted write never seen in a block (and,
        for the nonce gaps, of the rejected writes of the same senders)."""
        rows = self.store.query(
            "SELECT t.id, t.sender, t.nonce, t.hash, s.error IS NOT NULL FROM txs t JOIN sends s ON s.tx = t.id "
            "LEFT JOIN inclusions i ON i.tx = t.id WHERE length(t.hash) > 0 AND i.tx IS NULL"
        )
        senders = {sender for _, sender, _, _, rejected in rows if not rejected}
        writes = [
            Write(tx, plan.accounts[sender], nonce, bytes(h), bool(rejected))
            for tx, sender, nonce, h, rejected in rows
            if sender in senders
        ]
        unseen = sum(not w.rejected for w in writes)
        if not unseen:
            return
        self.report(Progress(f"asking the node about {unseen} transactions never seen in a block"))
        started = self.clock.now()
        try:
            seen = dict(self.store.query("SELECT number, seen FROM blocks"))
            check = self.chain.after.unseen(writes, seen, started)
        except TargetError as exc:  # the node went away: the writes stay unchecked, the run's records stay
            self.store.set_meta(unseen_check={"at": started, "error": str(exc)})
            self.report(Progress(f"warning: could not ask the node about unseen transactions: {exc}"))
            return
        self.store.add_blocks(check.blocks)
        self.store.add_inclusions(check.inclusions)
        self.store.add_unseen(check.rows)
        self.store.set_meta(unseen_check={"at": started, **check.as_json()})

    def _verify(self) -> None:
        """Read receipts (status, gas) of every included transaction, after the measured window."""
        blocks = [b for (b,) in self.store.query("SELECT DISTINCT block FROM inclusions ORDER BY block")]
        ids = {bytes(h): i for i, h in self.store.query("SELECT id, hash FROM txs")}
        self.report(Progress(f"verifying: fetching receipts of {len(blocks)} blocks"))
        self.store.add_receipts(self.chain.after.receipts(blocks, ids))
        self.store.set_meta(verification=self.chain.after.verification)


def _local_node_pid(endpoint: Endpoint) -> int | None:
    host_port = endpoint.base.split("://", 1)[1]
    host, _, port = host_port.rpartition(":")
    return loopback_listener(host, int(port)) if port.isdigit() else None


def _controller(planned: PlannedRound) -> dict[str, Any]:
    """The round's rate controller and tx kind as plain JSON (a trace's points are summarised)."""
    rate = planned.spec.rate
    mix = planned.spec.mix
    out: dict[str, Any] = {"type": rate.kind, "tx": "+".join(e.tx.kind for e in mix)}
    if len(mix) > 1:
        out["mix"] = {e.tx.kind: e.weight for e in mix}
    for name, value in dataclasses.asdict(rate).items():
        if name == "points":
            out["trace_points"] = len(value)
        elif name != "kind" and value is not None:
            out[name] = value
    if planned.spec.duration is not None:
        out["duration_s"] = planned.spec.duration
    return out
