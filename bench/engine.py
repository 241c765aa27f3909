"""Runs one workload end to end: target up, plan, funding, rounds through Locust, verification, results.

The order is the one DESIGN.md draws: everything that can happen before the clock starts does (keys,
nonces, signing, funding); the measured phase only sends bytes; receipts are fetched after it. The
run store is written as the run goes, and summary.json and report.html are written however the run
ends (completed, failed, or interrupted with Ctrl-C), from what the store holds.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from bench import __version__
from bench.chains.ethereum.keys import address_of, derive_keys
from bench.clock import Clock, WallClock
from bench.errors import ChainmarkError, DiskFullError, RunError, TargetError, Terminated, WorkloadError
from bench.load.clocksync import OFFSET_WARN_S
from bench.load.cluster import ClusterMaster
from bench.load.local_workers import start_local_workers, stop_local_workers
from bench.observe.blocks import BlockObserver, ObservedBlock, fetch_receipts
from bench.observe.prometheus import PrometheusScraper
from bench.observe.resources import ResourceMonitor, loopback_listener
from bench.observe.unseen import Write, check_unseen
from bench.plan import Plan, PlannedRound, build_plan, sign_rounds
from bench.report.outputs import write_outputs
from bench.results.full_disk import Reserve, quiet_when_full
from bench.results.liveness import owner
from bench.results.machine import machine_info, package_versions
from bench.results.names import safe_name
from bench.results.store import RunStore
from bench.rounds import ClusterRunner, LocalRunner, RoundContext, RoundProgress, RoundRunner
from bench.targets.anvil import ManagedAnvil, find_anvil, free_port
from bench.targets.funding import fund_accounts, send_and_confirm
from bench.targets.managed import ManagedNode
from bench.targets.node import NodeInfo, read_node_info
from bench.targets.nodes import managed_node
from bench.targets.rpc import RpcClient
from bench.targets.url import Endpoint, parse_endpoint, redact_text, redact_url
from bench.workload.rates import describe_round
from bench.workload.spec import Workload

GWEI = 10**9
IDENTITY_TIMEOUT_S = (
    10.0  # the run's first call: a silent endpoint fails in 10 s, not after the 30 s RPC timeout
)


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
) -> RunResult:
    """Run `workload`; the run folder and its files exist whatever happens (errors propagate after)."""
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
        with (
            _target(workload, options, run_dir) as (endpoint, managed),
            _cluster(options, run_dir, clock) as cluster,
        ):
            _Session(workload, options, endpoint, managed, store, clock, report, cluster).run()
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
    workload: Workload, options: RunOptions, run_dir: Path
) -> Iterator[tuple[Endpoint, ManagedNode | None]]:
    url = options.target_url or (workload.target.url if options.node is None else None)
    if url is not None:
        yield parse_endpoint(url), None
        return
    name = options.node or workload.target.node or "anvil"
    block_time, gas_limit = workload.target.block_time, workload.target.gas_limit
    node = (
        ManagedAnvil(
            run_dir / "anvil.log",
            block_time=block_time,
            gas_limit=gas_limit,
            binary=find_anvil(options.anvil_binary),
        )
        if name == "anvil"
        else managed_node(name, run_dir, block_time=block_time, gas_limit=gas_limit)
    )
    with node:
        yield parse_endpoint(node.url), node


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
        endpoint: Endpoint,
        managed: ManagedNode | None,
        store: RunStore,
        clock: Clock,
        report: Callable[[Progress], None],
        cluster: ClusterMaster | None = None,
    ) -> None:
        self.workload, self.options, self.endpoint, self.managed = workload, options, endpoint, managed
        self.cluster = cluster
        self.store, self.clock, self.report = store, clock, report
        self.rpc = RpcClient(endpoint)
        self.observer = BlockObserver(
            endpoint,
            clock,
            self._on_block,
            poll_interval=workload.target.poll_interval,
            use_websocket=options.use_websocket,
        )
        context = RoundContext(endpoint, clock, store, self.observer, self._check_observer, self._progress)
        self.runner: RoundRunner = (
            LocalRunner(context) if cluster is None else ClusterRunner(context, cluster, self._record_workers)
        )
        self.first_ids: list[int] = []  # the first tx id of each round, once planned

    def run(self) -> None:
        """The stages: identify the target, plan, fund, set up contracts, join workers, then observe the
        rounds and the drain, then ask about unseen writes and verify receipts."""
        info = self._identify()
        plan = self._plan(info.chain_id, self.workload.target.gas_price_wei or max(2 * info.gas_price, GWEI))
        self._fund(plan, info)
        if plan.setup:
            self._setup_contracts(plan)
        if self.cluster is not None:
            self._join_workers()
        with self._observing():
            self._await_first_block()
            self._rounds(plan)
            self._drain()
        self._check_unseen(plan)
        self._verify()

    def _identify(self) -> NodeInfo:
        """Who the target is (client, chain id, block gas limit), recorded before anything else."""
        self.report(Progress(f"connecting to {self.endpoint.redacted}"))
        identity = RpcClient(self.endpoint, timeout=IDENTITY_TIMEOUT_S)
        try:
            info = read_node_info(identity)
        finally:
            identity.close()
        target: dict[str, Any] = {
            "url": self.endpoint.redacted,
            "client": info.client,
            "chain_id": info.chain_id,
            "block_gas_limit": info.gas_limit,
            "managed": self.managed is not None,
        }
        if self.managed is not None:
            target["block_time_s"] = self.managed.block_time
            target["node"] = {"name": self.managed.name, "version": self.managed.version}
        self.store.set_meta(target=target)
        return info

    def _fund(self, plan: Plan, info: NodeInfo) -> None:
        """Top up every workload account to what its planned transactions cost, and wait for the chain."""
        self.report(Progress(f"funding {len(plan.addresses)} accounts"))
        funded = fund_accounts(
            self.rpc,
            plan.addresses,
            plan.funding_wei,
            chain_id=info.chain_id,
            gas_price=plan.gas_price,
            dev_account=info.dev_accounts[0] if info.dev_accounts else None,
            funder_key=self.options.funder_key,
        )
        self.report(Progress(f"funded {funded} accounts, funding confirmed"))

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

    def _setup_contracts(self, plan: Plan) -> None:
        """Deploy the workload's contracts and run their setup (all signed in the plan), before the clock."""
        assert plan.contracts is not None
        started = time.perf_counter()
        self.report(
            Progress(
                f"deploying {len(plan.contracts.addresses)} contracts and their setup "
                f"({len(plan.setup)} transactions)"
            )
        )
        send_and_confirm(self.rpc, [raw for raw, _ in plan.setup])
        for name, address in plan.contracts.addresses.items():
            if self.rpc.call("eth_getCode", "0x" + address.hex(), "latest") in ("0x", "0x0", None):
                raise RunError(f"contract {name} is not at its planned address 0x{address.hex()}")
        self.store.set_meta(
            contracts={name: "0x" + a.hex() for name, a in plan.contracts.addresses.items()},
            setup={"transactions": len(plan.setup), "seconds": round(time.perf_counter() - started, 3)},
        )
        self.report(Progress(f"contracts ready in {time.perf_counter() - started:.1f} s"))

    def _await_first_block(self, timeout: float = 60.0) -> None:
        """Start the clock only once the observer has seen a block arrive: every round's window then
        opens on a block whose arrival time is known."""
        first = self.observer.last_block
        deadline = self.clock.now() + timeout
        while self.observer.last_block == first:
            self._check_observer()
            if self.clock.now() > deadline:
                raise TargetError(f"no new block within {timeout:g} s; is the node producing blocks?")
            time.sleep(0.02)

    def _plan(self, chain_id: int, gas_price: int) -> Plan:
        self.report(Progress("planning: deriving keys, reading nonces, signing every transaction"))
        accounts = self.workload.accounts
        addresses = ["0x" + address_of(k).hex() for k in derive_keys(accounts.seed, accounts.count)]
        nonces = [
            int(n, 16) for n in self.rpc.batch("eth_getTransactionCount", [[a, "pending"] for a in addresses])
        ]
        started = time.perf_counter()
        plan = build_plan(
            self.workload,
            chain_id=chain_id,
            gas_price=gas_price,
            start_nonces=nonces,
            processes=self.options.processes,
        )
        self.first_ids = [int(x) for x in np.cumsum([0] + [r.count for r in plan.rounds[:-1]])]
        for planned in plan.rounds:
            self.store.add_round(
                planned.index, planned.spec.label, planned.spec.warmup, _controller(planned), planned.count
            )
            self._store_txs(planned)
        total = time.perf_counter() - started
        self.store.set_meta(
            plan={
                "tx_count": plan.tx_count,
                "seconds": round(total, 3),
                "gas_price_wei": gas_price,
                "signing_seconds": round(plan.signing_seconds, 3),
                "processes": plan.processes,
                "accounts": accounts.count,
            }
        )
        rate = plan.tx_count / plan.signing_seconds if plan.signing_seconds > 0 else 0.0
        self.report(
            Progress(
                f"planned {plan.tx_count} transactions in {total:.2f} s "
                f"(signed {rate:,.0f} tx/s on {plan.processes} processes)"
            )
        )
        return plan

    def _store_txs(self, planned: PlannedRound) -> None:
        first = self.first_ids[planned.index]
        self.store.add_txs(
            (first + i, planned.index, i, int(s), int(n), h, planned.kind_name(i))
            for i, (s, n, h) in enumerate(zip(planned.senders, planned.nonces, planned.hashes, strict=True))
        )

    def _rounds(self, plan: Plan) -> None:
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

    def _resign_from_node(self, plan: Plan, later: list[PlannedRound]) -> list[PlannedRound]:
        """A round ended with signed transactions unsent (a duration-bounded closed loop, a lost worker):
        their nonces were never used, so sign the later rounds again from the node's pending nonces."""
        started = time.perf_counter()
        addresses = ["0x" + a.hex() for a in plan.addresses]
        nonces = [
            int(n, 16) for n in self.rpc.batch("eth_getTransactionCount", [[a, "pending"] for a in addresses])
        ]
        fresh = sign_rounds(
            self.workload,
            plan.keys,
            plan.addresses,
            plan.chain_id,
            plan.gas_price,
            nonces,
            [(r.index, r.spec) for r in later],
            plan.processes,
            plan.contracts,
        )
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
            time.sleep(0.1)

    def _check_unseen(self, plan: Plan) -> None:
        """After the window, ask the node what became of every accepted write never seen in a block (and,
        for the nonce gaps, of the rejected writes of the same senders)."""
        rows = self.store.query(
            "SELECT t.id, t.sender, t.nonce, t.hash, s.error IS NOT NULL FROM txs t JOIN sends s ON s.tx = t.id "
            "LEFT JOIN inclusions i ON i.tx = t.id WHERE length(t.hash) > 0 AND i.tx IS NULL"
        )
        senders = {sender for _, sender, _, _, rejected in rows if not rejected}
        writes = [
            Write(tx, "0x" + plan.addresses[sender].hex(), nonce, bytes(h), bool(rejected))
            for tx, sender, nonce, h, rejected in rows
            if sender in senders
        ]
        unseen = sum(not w.rejected for w in writes)
        if not unseen:
            return
        self.report(Progress(f"asking the node about {unseen} transactions never seen in a block"))
        started = self.clock.now()
        try:
            check = check_unseen(
                self.rpc, writes, dict(self.store.query("SELECT number, seen FROM blocks")), started
            )
        except TargetError as exc:  # the node went away: the writes stay unchecked, the run's records stay
            self.store.set_meta(unseen_check={"at": started, "error": str(exc)})
            self.report(Progress(f"warning: could not ask the node about unseen transactions: {exc}"))
            return
        self.store.add_blocks(check.blocks)
        self.store.add_inclusions(check.inclusions)
        self.store.add_unseen(check.rows)
        self.store.set_meta(unseen_check={"at": started, **check.as_json()})

    def _verify(self) -> None:
        """Fetch receipts (status, gas) of every included transaction, after the measured window."""
        blocks = [b for (b,) in self.store.query("SELECT DISTINCT block FROM inclusions ORDER BY block")]
        ids = {bytes(h): i for i, h in self.store.query("SELECT id, hash FROM txs")}
        self.report(Progress(f"verifying: fetching receipts of {len(blocks)} blocks"))
        self.store.add_receipts(fetch_receipts(self.rpc, blocks, ids))
        self.store.set_meta(verification="receipts fetched after the measured window (eth_getBlockReceipts)")


def _local_node_pid(endpoint: Endpoint) -> int | None:
    host_port = endpoint.base.split("://", 1)[1]
    host, _, port = host_port.rpartition(":")
    return loopback_listener(host, int(port)) if port.isdigit() else None


def _controller(planned: PlannedRound) -> dict[str, Any]:
    """The round's rate controller and tx kind as plain JSON (a trace's points are summarised)."""
    return describe_round(planned.spec)
