"""The stages of one run against a reachable target: identify, plan, prepare, (join workers), observe the
rounds and the drain (the workload's faults applied on the run's clock meanwhile), check unseen writes,
verify. Each stage is a method with explicit inputs; what a
later stage needs is returned (the chain's identity, the plan), not left on the session.
"""

from __future__ import annotations

import contextlib
import functools
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.after_window import check_unseen, record_blocks, settle, verify
from bench.chains.base import ChainInfo, ChainPlan, Connector, Managed
from bench.clock import Clock
from bench.errors import ChainmarkError, TargetError
from bench.faults import FaultScheduler
from bench.load.dispatch import AUTO_BATCH, Batching
from bench.load.routes import Route
from bench.observe.blocks import BlockObserver, ObservedBlock, Reorg
from bench.observe.during import local_node_pid, watching
from bench.observe.mempool import MempoolWatchers, sample_ids
from bench.observe.recording import store_block, store_reorg
from bench.observe.tips import TipWatchers
from bench.plan.round import PlannedRound
from bench.recovery import Down, Lost, resend_lost
from bench.results.store import RunStore
from bench.rounds import ClusterRunner, LocalRunner, RoundContext, RoundProgress, RoundRunner
from bench.targets.batch import accepts_batches
from bench.targets.url import Endpoint
from bench.workers import Cluster, join_workers, record_workers
from bench.workload.faults import fault_steps
from bench.workload.rates import describe_round
from bench.workload.spec import RESTART_ACTIONS, Workload

# Makes the session's round runner from what it shares with runners; by default the local (Locust in this
# process) or cluster runner. Tests pass one that sends on an in-process fake chain.
RunnerFactory = Callable[[RoundContext], RoundRunner]

IDENTITY_TIMEOUT_S = (
    10.0  # the run's first call: a silent endpoint fails in 10 s, not after the 30 s RPC timeout
)
RECONNECT_GRACE_S = 5.0  # after the load's node is back from a fault: the observer's time to connect again


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
class Target:
    """The reachable target: its endpoint, the managed node behind it (if chainmark started it), and
    the chain's connector to it."""

    endpoint: Endpoint
    managed: Managed | None
    chain: Connector
    nodes: tuple[Endpoint, ...] = ()  # every node of the network, `endpoint` (the primary) first


class Session:
    """The stages of one run against a reachable target."""

    def __init__(
        self,
        workload: Workload,
        target: Target,
        store: RunStore,
        clock: Clock,
        report: Callable[[Progress], None],
        *,
        processes: int | None = None,
        cluster: Cluster | None = None,
        make_runner: RunnerFactory | None = None,
    ) -> None:
        self.workload, self.target, self.processes = workload, target, processes
        self.endpoint, self.managed, self.chain = target.endpoint, target.managed, target.chain
        self.nodes = target.nodes or (target.endpoint,)
        self._samples_mempool = len(self.nodes) > 1 and target.chain.mempool is not None
        self.cluster = cluster
        self.store, self.clock, self.report = store, clock, report
        self.observer = BlockObserver(
            self.chain.heads(),
            clock,
            self._on_block,
            target=self.endpoint.redacted,
            on_reorg=self._on_reorg,
            confirmations=workload.target.confirmations,
            poll_interval=workload.target.poll_interval,
            outage=self._in_outage,
        )
        self._outage_until = -math.inf  # run clock: until when a fault of the run's own keeps node 0 down
        self._resending: list[threading.Thread] = []  # sending again what node 0 lost, after each restart
        self._resend_lock = threading.Lock()
        self._down = Down(0.0, 0.0)  # run clock: when node 0 was last taken down
        context = RoundContext(
            self.endpoint,
            self.chain.wire,
            clock,
            store,
            self.observer,
            self._check_observer,
            self._progress,
            routes=tuple(Route.of(node) for node in self.nodes) if len(self.nodes) > 1 else (),
            submit=workload.target.submit,
            # only a network's run samples its writes' mempool arrival: a single node's flushes build no list for it
            sent=self._sampled_sent if self._samples_mempool else None,
        )
        self.context = context
        self.runner: RoundRunner = (make_runner or self._locust_runner)(context)
        self.first_ids: list[int] = []  # the first tx id of each round, once planned
        # each round as last signed (a re-signed round replaces its own)
        self._planned: dict[int, PlannedRound] = {}
        self._sample: dict[int, bytes] = {}  # the writes followed into every node's mempool (tx id -> hash)
        self._mempool: MempoolWatchers | None = None
        self._told: set[int] = set()  # tx ids the runner was told were confirmed (the observer's thread)

    def _locust_runner(self, context: RoundContext) -> RoundRunner:
        """The default runner: Locust users in this process, or the cluster's workers."""
        if self.cluster is None:
            return LocalRunner(context)
        return ClusterRunner(context, self.cluster.master, self._record_workers)

    def _say(self, message: str) -> None:
        self.report(Progress(message))

    def run(self) -> None:
        """The stages: identify the target, plan, prepare it (fund, set up contracts), join workers, then
        observe the rounds and the drain, then settle the observed blocks on the final best chain, keep the
        family's own checks of them, ask about unseen writes and verify receipts."""
        info = self._identify()
        plan = self._plan(info)
        self._prepare(plan, info)
        self._batches()
        if self.cluster is not None:
            join_workers(self.cluster, self._say)
            self._record_workers()
        with self._observing():
            self._await_first_block()
            with self._faults(plan):
                self._rounds(plan)
                self._drain()
        settle(self.store, self.observer, self._say)
        record_blocks(self.store, self.chain.after, self._say)
        check_unseen(self.store, self.chain.after, plan.accounts, self.clock, self._say)
        verify(self.store, self.chain.after, self._say)

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
        if len(self.nodes) > 1:
            target["nodes"] = [node.redacted for node in self.nodes]
            target["submit"] = self.workload.target.submit
            if self.managed is None:
                self._check_one_chain()
        if self.managed is not None:
            target["block_time_s"] = self.managed.block_time
            target["node"] = {
                "name": self.managed.name,
                "version": self.managed.version,
                **self.managed.metadata(),
            }
        self.store.set_meta(target=target)
        return info

    def _check_one_chain(self) -> None:
        """Every node of a remote network answers and holds node 0's genesis block: a URL of another chain
        (or of nothing) is one clear error before anything is signed or sent."""
        if self.chain.node_heads is None:
            return
        genesis: list[bytes | None] = []
        for index, node in enumerate(self.nodes):
            feed = self.chain.node_heads(node)
            try:
                genesis.append(feed.hashes([0])[0])
            except (ChainmarkError, OSError, ValueError, KeyError, TypeError) as exc:
                raise TargetError(
                    f"target.nodes: node {index} ({node.redacted}) did not answer: {exc}"
                ) from exc
            finally:
                feed.close()
            if genesis[-1] != genesis[0]:
                raise TargetError(
                    f"target.nodes: node {index} ({node.redacted}) is on another chain: its genesis block "
                    f"is {_hex(genesis[-1])}, node 0's {_hex(genesis[0])}"
                )

    def _prepare(self, plan: ChainPlan, info: ChainInfo) -> None:
        """Fund every workload account and set up its contracts, confirmed by the chain, before the clock."""
        meta = self.chain.preparer.prepare(plan, info, self._say)
        if meta:
            self.store.set_meta(**meta)

    def _batches(self) -> None:
        """How many open-loop submissions leave per request: `target.batch` where the node answers a probe
        batch (two cheap reads in one request, before the clock), else one request per transaction."""
        wanted = self.workload.target.batch
        method = self.chain.wire.probe_method
        record: dict[str, Any] = {"setting": {None: "auto", 1: "off"}.get(wanted, wanted)}
        size = 1
        if wanted != 1 and method is not None:
            # every node that takes writes must take batches (a node the policy sends none needs not)
            takers = self.nodes if self.workload.target.submit != "primary" else self.nodes[:1]
            accepted = all(accepts_batches(node, method) for node in takers)
            record["node_accepts"] = accepted
            if accepted:
                size = wanted or AUTO_BATCH
            elif wanted is not None:
                self._say("warning: the node refuses JSON-RPC batches: one request per transaction instead")
        window = self.workload.target.batch_window
        record.update(size=size, window_ms=round(window * 1e3, 3))
        self.store.set_meta(batch=record)
        self.runner.use_batches(Batching(size, window))

    @contextlib.contextmanager
    def _observing(self) -> Iterator[None]:
        """The observer and the other watchers run while the body does; the workers are recorded however it ends."""
        node_pid = self._managed_pid if self.managed is not None else local_node_pid(self.endpoint)
        self.store.set_meta(confirmations=self.workload.target.confirmations)
        if self.workload.target.confirm_at is not None and len(self.nodes) > 1:
            self.store.set_meta(confirm_at=self.workload.target.confirm_at)
        try:
            prometheus = self.workload.target.prometheus
            self._mempool = self._mempool_watchers()
            with watching(
                self.observer,
                self.store,
                self.clock,
                node_pid,
                prometheus,
                self._tip_watchers(),
                self._mempool,
            ):
                yield
        finally:
            if self.cluster is not None:
                self._record_workers()

    @contextlib.contextmanager
    def _faults(self, plan: ChainPlan) -> Iterator[None]:
        """The workload's faults, applied on the run's clock from the load's start until the drain ends."""
        if not self.workload.faults:
            yield
            return
        apply = functools.partial(self._apply_fault, plan) if self.managed is not None else None
        urls = (*self.workload.urls, *(self.managed.node_urls if self.managed is not None else ()))
        steps = fault_steps(self.workload.faults)
        scheduler = FaultScheduler(steps, apply, self.clock, self.store, self._say, urls)
        scheduler.start(self.clock.now())
        try:
            yield
        finally:
            scheduler.stop()
            self._wait_resends()

    def _apply_fault(self, plan: ChainPlan, node: int, action: str) -> str:
        """A fault step on the managed target. Taking down node 0 (the load's, the observer's) opens an
        outage the observer waits out; once it answers again the observer has a few seconds more to connect
        again, and the writes the node lost are sent again beside the run (bench.recovery): the fault ends
        when the node answers, not when they are sent."""
        assert self.managed is not None
        if node != 0 or action not in RESTART_ACTIONS:
            return self.managed.fault(node, action)
        if action in ("kill", "stop"):
            began = self.clock.now()
            self._outage_until = math.inf
            try:
                done = self.managed.fault(node, action)
            except BaseException:
                self._outage_until = -math.inf  # the node was not taken down: its failures count again
                raise
            self._down = Down(began, self.clock.now())
            return done
        try:
            done = self.managed.fault(node, action)
        finally:
            self._outage_until = self.clock.now() + RECONNECT_GRACE_S
        if self.chain.recovery is not None:
            resending = threading.Thread(
                target=self._resend_lost, args=(plan, self._down), name="resend", daemon=True
            )
            resending.start()
            self._resending.append(resending)
        return done

    def _resend_lost(self, plan: ChainPlan, down: Down) -> None:
        assert self.chain.recovery is not None
        lost = Lost(
            self.store,
            plan,
            self._planned,
            self.chain.recovery,
            self.observer.watch,
            self.observer.unwatch,
            self._told.update,  # the runner counted them refused: their inclusion is not news to it
        )
        try:
            with self._resend_lock:  # one restart's passes at a time (they share one connection)
                resent = resend_lost(lost, self.clock, down)
        except Exception as exc:  # a thread's error is a line, never a traceback; the run goes on
            self._say(f"warning: could not send again what node 0 lost: {str(exc).splitlines()[0]}")
            return
        self._say(f"node 0 is back: {resent.describe()}")

    def _wait_resends(self) -> None:
        for resending in self._resending:
            resending.join()

    def _managed_pid(self) -> int | None:
        """The managed node's pid now (None while a fault has it down): the monitor follows a restart."""
        assert self.managed is not None
        try:
            return self.managed.pid
        except TargetError:
            return None

    def _in_outage(self) -> bool:
        return self.clock.now() < self._outage_until

    def _tip_watchers(self) -> TipWatchers | None:
        """On a network of several nodes, managed or remote, a watcher of every node's tip (block propagation)."""
        if len(self.nodes) < 2 or self.chain.node_heads is None:
            return None
        feeds = [(i, self.chain.node_heads(node)) for i, node in enumerate(self.nodes)]
        return TipWatchers(feeds, self.clock, self.store, self.workload.target.poll_interval)

    def _mempool_watchers(self) -> MempoolWatchers | None:
        """On a network of several nodes, a sample of the writes followed into every node's mempool."""
        if not self._samples_mempool or not self._sample or self.chain.mempool is None:
            return None
        probes = [(i, self.chain.mempool(node)) for i, node in enumerate(self.nodes)]
        return MempoolWatchers(
            probes, self._sample, self.clock, self.store, self.workload.target.poll_interval
        )

    def _sampled_sent(self, records: list[tuple[int, float, str | None]]) -> None:
        if self._mempool is not None:
            self._mempool.sent(records)

    def _record_workers(self) -> None:
        assert self.cluster is not None
        record_workers(self.cluster.master, self.store)

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
        planned = self.chain.planner.plan(self.workload, info, self.processes)
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
        self._planned[planned.index] = planned
        first = self.first_ids[planned.index]
        self.store.add_txs(
            (first + i, planned.index, i, int(s), int(n), h, planned.kind_name(i))
            for i, (s, n, h) in enumerate(zip(planned.senders, planned.nonces, planned.hashes, strict=True))
        )
        if self._samples_mempool:
            self._sample.update(sample_ids(first, planned.hashes))
        nodes = self.context.nodes(planned)
        if nodes is not None:
            self.store.add_tx_nodes((int(node), first + i) for i, node in enumerate(nodes))

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
        their place in their senders' chains was never used, so sign the later rounds again from the node
        (once what a restarted node lost was sent again: its nonces are read then)."""
        self._wait_resends()
        self._settle(plan)
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
        store_block(self.store, block)
        fresh = [tx_id for tx_id, _, _ in block.inclusions if tx_id not in self._told]
        if fresh:  # a confirmation a reorg took back and gave again is counted once
            self._told.update(fresh)
            self.runner.included(fresh)

    def _on_reorg(self, reorg: Reorg) -> None:
        """The orphaned blocks' rows and the confirmations they carried leave the store; the reorg is kept."""
        store_reorg(self.store, reorg)
        self._say(
            f"reorg: {reorg.depth} block(s) above height {reorg.fork} orphaned, "
            f"{len(reorg.unconfirmed)} confirmations taken back"
        )

    def _settle(self, plan: ChainPlan) -> None:
        """Before the node's account state is read again: wait until it counts the writes it holds."""
        grace = self.workload.target.confirm_grace
        if not self.chain.planner.settle(plan, grace):
            self.report(
                Progress(f"warning: the node's account state still moved after {grace:g} s; read as it was")
            )

    def _drain(self) -> None:
        """Wait for sent transactions to appear in blocks (and be deep enough), up to the grace period."""
        deadline = self.clock.now() + self.workload.target.confirm_grace
        if self.observer.watching:
            self.report(
                Progress(
                    f"waiting up to {self.workload.target.confirm_grace:g} s for "
                    f"{self.observer.watching} transactions to be {_included(self.workload)}"
                )
            )
        while self.observer.watching and self.clock.now() < deadline:
            self._check_observer()
            self.clock.sleep(0.1)


def _included(workload: Workload) -> str:
    k = workload.target.confirmations
    return "included" if k == 1 else f"included {k} deep"


def _controller(planned: PlannedRound) -> dict[str, Any]:
    """The round's rate controller and tx kind as plain JSON (a trace's points are summarised)."""
    return describe_round(planned.spec)


def _hex(block: bytes | None) -> str:
    return "missing" if block is None else block.hex()
