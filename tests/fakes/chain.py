"""An in-memory chain family for the engine's tests: a fake node behind bench.chains.base's protocols.

The fake node's timeline is the run clock (`ChainClock`): block n is mined at t0 + n * block_time, when the
clock reaches it, holding every transaction accepted since the block before. Whoever moves the clock (the
engine's waits, the fake round runner pacing its sends) mines the blocks due meanwhile, and each is read by
the engine's observer before time moves on, so every run is deterministic and takes no wall-clock time.
The node hears a submission as request bytes (`FakeNode.handle`, the in-process transport in the spirit
of httpx's MockTransport) and answers JSON the family's wire reads.

Blocks are hash-linked (each names its parent's hash), and a `FakeReorg` makes the node switch branches:
once block `at` is mined and read, its last `depth` blocks are replaced, the observer learning of it from
the next block's parent.

Every part logs what the engine asked of it (`FakeNode.log`) and raises KeyboardInterrupt at the point
named by `stop_at` (a stage, or `send <tx id>`), which is how the tests press Ctrl-C between stages.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.chains.base import (
    BlockFacts,
    ChainFamily,
    ChainInfo,
    ChainPlan,
    ConnectOptions,
    Connector,
    ManagedOptions,
    Planned,
    ReceiptRow,
    UnseenCheck,
    Write,
)
from bench.plan.round import PlannedRound
from bench.results.reasons import DROPPED, INCLUDED_LATE, PENDING
from bench.targets.managed import ManagedNode
from bench.targets.url import Endpoint
from bench.workload.spec import FixedRate, Round, Workload

T0 = 1_700_000_000.0  # the fake node's genesis, in unix seconds
URL = "http://fake-node.invalid:8545"  # not on loopback: the engine looks for no local process
OBSERVER_TIMEOUT_S = 5.0  # wall-clock bound on waiting for the engine's observer to read a block
GAS = 21_000


GENESIS = bytes(32)  # the parent of block 1


@dataclass(frozen=True, slots=True)
class FakeBlock:
    number: int
    time: float
    hashes: tuple[bytes, ...]
    parent: bytes = GENESIS
    branch: int = 0  # which branch made it (0: the first; each reorg makes the next)

    @property
    def hash(self) -> bytes:
        head = f"{self.number}:{self.time}:{self.branch}:".encode() + self.parent
        return hashlib.sha256(head + b"".join(self.hashes)).digest()


@dataclass(frozen=True, slots=True)
class FakeReorg:
    """Once block `at` is mined and read, the node switches to a branch replacing its last `depth` blocks
    (same heights and times). The orphaned blocks' transactions are mined again at the same heights
    (`reinclude="same"`) or left out of the branch and mined in the next block (`"later"`); those of `lose`
    (tx ids) are never mined again. The observer learns of the branch from the next block's parent."""

    at: int
    depth: int
    reinclude: str = "same"
    lose: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Received:
    """A submission as the node heard it: the request id (the run's tx id) and the payload."""

    tx_id: int
    raw: bytes


@dataclass(frozen=True, slots=True)
class FakePlan:
    """The fake planner's plan (bench.chains.base.ChainPlan)."""

    rounds: list[PlannedRound]
    accounts: tuple[str, ...]

    def record(self) -> dict[str, Any]:
        return {"fake_payloads": "sha256 of 'round:sender:nonce'"}


class FakeNode:
    """The node's state, shared by the family's parts and by the fake round runner.

    `hold` maps tx ids the node accepts but never mines to what it says of them after the window
    (pending, queued, dropped, nonce-gap, or included-late: mined only when asked); `reject` maps tx ids
    to the error it answers at submission. `stop_at` raises `stop_with` (KeyboardInterrupt, or its
    subclass Terminated as a SIGTERM raises it)."""

    def __init__(
        self,
        *,
        block_time: float = 1.0,
        hold: Mapping[int, str] | None = None,
        reject: Mapping[int, str] | None = None,
        stop_at: str | None = None,
        stop_with: type[KeyboardInterrupt] = KeyboardInterrupt,
        reorgs: Sequence[FakeReorg] = (),
    ) -> None:
        self.block_time, self.stop_at, self.stop_with = block_time, stop_at, stop_with
        self.reorgs = {r.at: r for r in reorgs}
        self.orphaned: list[FakeBlock] = []  # every block a reorg replaced
        self.block_record: dict[str, Any] = {}  # what the after-window's `record` answers
        self.hold, self.reject = dict(hold or {}), dict(reject or {})
        self.clock = ChainClock(self, T0)
        self.log: list[str] = []
        self.blocks: list[FakeBlock] = []
        self.received: list[Received] = []
        self.next_nonce: dict[int, int] = {}  # sender -> its next nonce, as the node's account state
        self.asked_unseen: list[Write] = []
        self.resigned: list[list[PlannedRound]] = []  # the `later` rounds of each resign call
        self._pending: list[bytes] = []
        self._held: dict[bytes, str] = {}  # hash -> what the node says of it after the window
        self._cond = threading.Condition()
        self._following = False
        self._handed = 0  # the last head the observer's stream was given
        self._done = 0  # the last head the observer finished with (it asked for the next one)

    @property
    def height(self) -> int:
        return len(self.blocks)

    def step(self, name: str) -> None:
        """Log a stage the engine entered, and press Ctrl-C there if told to."""
        self.log.append(name)
        self._maybe_stop(name)

    def _maybe_stop(self, point: str) -> None:
        if point == self.stop_at:
            raise self.stop_with

    def handle(self, body: bytes) -> tuple[int, bytes]:
        """Hear one submission (the wire's request bytes); answer an HTTP status and a JSON body."""
        request = json.loads(body)
        tx_id, raw = int(request["id"]), bytes.fromhex(request["raw"])
        self._maybe_stop(f"send {tx_id}")
        self.received.append(Received(tx_id, raw))
        if tx_id in self.reject:
            return 200, json.dumps({"id": tx_id, "error": self.reject[tx_id]}).encode()
        sender, nonce = payload_account(raw)
        self.next_nonce[sender] = max(self.next_nonce.get(sender, 0), nonce + 1)
        h = tx_hash(raw)
        with self._cond:
            if tx_id in self.hold:
                self._held[h] = self.hold[tx_id]
            else:
                self._pending.append(h)
        return 200, json.dumps({"id": tx_id, "result": h.hex()}).encode()

    def next_block_at(self) -> float:
        return T0 + (self.height + 1) * self.block_time

    def run_until(self, t: float) -> None:
        """Move the clock to `t`, mining every block due on the way."""
        while self.next_block_at() <= t + 1e-9:
            self.clock.t = self.next_block_at()
            self.mine()
        self.clock.t = max(self.clock.t, t)

    def mine(self) -> None:
        """A block at the clock's time with the pending transactions; once the observer follows, wait until
        it has read the block (asked for the next head), so its sight of the block is the block's time."""
        with self._cond:
            self.blocks.append(self._block(self.height + 1, self.clock.t, tuple(self._pending)))
            self._pending.clear()
            self.log.append("block")
            self._cond.notify_all()
            if self._following and not self._cond.wait_for(
                lambda: self._done >= self.height or not self._following, OBSERVER_TIMEOUT_S
            ):
                raise RuntimeError(f"the observer did not read fake block {self.height}")
            if self.height in self.reorgs:
                self._switch(self.reorgs[self.height])

    def _block(self, number: int, t: float, hashes: tuple[bytes, ...], branch: int = 0) -> FakeBlock:
        parent = self.blocks[number - 2].hash if number > 1 else GENESIS
        return FakeBlock(number, t, hashes, parent, branch)

    def _switch(self, reorg: FakeReorg) -> None:
        """Replace the last `reorg.depth` blocks by a new branch's (under the condition's lock)."""
        lost = {tx_hash(r.raw) for r in self.received if r.tx_id in reorg.lose}
        old = self.blocks[-reorg.depth :]
        del self.blocks[-reorg.depth :]
        self.orphaned.extend(old)
        branch = max(b.branch for b in [*old, *self.orphaned]) + 1
        for block in old:
            kept = tuple(h for h in block.hashes if h not in lost)
            self.blocks.append(
                self._block(block.number, block.time, kept if reorg.reinclude == "same" else (), branch)
            )
        if reorg.reinclude == "later":
            self._pending[:0] = [h for b in old for h in b.hashes if h not in lost]
        self.log.append(f"reorg {reorg.depth} at {reorg.at}")

    def follow(self) -> int:
        """The observer reads the head: from here on its stream is handed every later block."""
        with self._cond:
            self._following = True
            self._handed = self._done = self.height
            return self.height

    def next_head(self, timeout: float) -> int | None:
        """The observer's stream: the newest head once there is one it was not handed (waits a little, so
        the observer's stop is not held up)."""
        with self._cond:
            self._done = self._handed  # asking again: the observer is done with what it was handed
            self._cond.notify_all()
            self._cond.wait_for(lambda: self.height > self._handed, min(timeout, 0.05))
            if self.height <= self._handed:
                return None
            self._handed = self.height
            return self.height

    def unfollow(self) -> None:
        with self._cond:
            self._following = False
            self._cond.notify_all()
        self.log.append("observer stopped")

    def after_window(self, writes: Sequence[Write], now: float) -> UnseenCheck:
        """What the node says of each write never seen: what `hold` told it; an included-late one is
        mined now, in a block the observer (stopped) never saw."""
        self.asked_unseen = list(writes)
        rows = []
        late = []
        for write in writes:
            if write.rejected:
                continue
            reason = self._held.get(write.hash, DROPPED)
            rows.append((write.tx_id, reason, reason == PENDING))
            if reason == INCLUDED_LATE:
                late.append(write)
        if not late:
            return UnseenCheck(rows, [], [], "fake-pool")
        block = self._block(self.height + 1, now, tuple(w.hash for w in late))
        self.blocks.append(block)
        return UnseenCheck(
            rows, [(w.tx_id, block.number, now) for w in late], [block_row(block, now)], "fake-pool"
        )


class ChainClock:
    """The run clock of a fake node: `now` reads it; `sleep` moves it on, mining the blocks due meanwhile."""

    def __init__(self, node: FakeNode, t: float) -> None:
        self.node, self.t = node, t

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.node.run_until(self.t + seconds)


def tx_hash(raw: bytes) -> bytes:
    return hashlib.sha256(raw).digest()


def payload(round_index: int, sender: int, nonce: int) -> bytes:
    """A fake signed transaction: deterministic, and different for every (sender, nonce)."""
    return f"{round_index}:{sender}:{nonce}".encode()


def payload_account(raw: bytes) -> tuple[int, int]:
    _, sender, nonce = raw.decode().split(":")
    return int(sender), int(nonce)


def block_row(block: FakeBlock, seen: float) -> tuple[int, int, float, int, int, int, None, None]:
    n = len(block.hashes)
    return (block.number, int(block.time), seen, n, GAS * n, 30_000_000, None, None)


class FakeIdentity:
    def __init__(self, node: FakeNode) -> None:
        self.node = node

    def identify(self, timeout: float) -> ChainInfo:
        self.node.step("identify")
        return ChainInfo("fake-node/1.0", "fake-1", {"block_interval_s": self.node.block_time})


class FakePlanner:
    """Accounts take turns within a round (as the Ethereum planner's default does); nonces start at the
    node's account state, like Ethereum's `pending` nonces."""

    def __init__(self, node: FakeNode) -> None:
        self.node = node

    def plan(self, workload: Workload, info: ChainInfo, processes: int | None) -> Planned:
        self.node.step("plan")
        accounts = tuple(f"fake-account-{i}" for i in range(workload.accounts.count))
        rounds = self._sign(list(enumerate(workload.rounds)), len(accounts))
        return Planned(FakePlan(rounds, accounts), signing_seconds=0.0, processes=1)

    def resign(self, plan: ChainPlan, later: Sequence[PlannedRound]) -> list[PlannedRound]:
        self.node.step("resign " + ",".join(str(r.index) for r in later))
        self.node.resigned.append(list(later))
        return self._sign([(r.index, r.spec) for r in later], len(plan.accounts))

    def settle(self, plan: ChainPlan, timeout: float) -> bool:
        """The fake node's nonces count every write it took the moment it answers."""
        self.node.step("settle")
        return True

    def _sign(self, rounds: list[tuple[int, Round]], accounts: int) -> list[PlannedRound]:
        nonces = dict(self.node.next_nonce)
        return [_planned(index, spec, accounts, nonces) for index, spec in rounds]


def _planned(index: int, spec: Round, accounts: int, nonces: dict[int, int]) -> PlannedRound:
    """Round `index`, its nonces taken from (and advancing) `nonces`."""
    count = spec.planned_tx_count()
    assert count is not None, "the fake planner needs a round whose workload fixes its tx count"
    senders = np.arange(count, dtype=np.int64) % accounts
    own = []
    for sender in senders.tolist():
        own.append(nonces.get(sender, 0))
        nonces[sender] = own[-1] + 1
    raw = [payload(index, s, n) for s, n in zip(senders.tolist(), own, strict=True)]
    rate = spec.rate
    offsets = np.arange(count) / rate.tps if isinstance(rate, FixedRate) else None
    return PlannedRound(
        index,
        spec,
        senders,
        np.array(own, dtype=np.int64),
        raw,
        [tx_hash(r) for r in raw],
        offsets,
        np.zeros(count, dtype=np.int64),
    )


class FakePreparer:
    def __init__(self, node: FakeNode) -> None:
        self.node = node

    def prepare(self, plan: ChainPlan, info: ChainInfo, say: Callable[[str], None]) -> dict[str, object]:
        self.node.step("prepare")
        say(f"funding {len(plan.accounts)} fake accounts")
        return {"fake_setup": {"accounts": len(plan.accounts)}}


@dataclass(frozen=True, slots=True)
class FakeWire:
    """The request bytes of a planned transaction (JSON: request id and payload) and the answer's reading."""

    family: str = "fake"
    request_name: str = "fake_sendTransaction"
    in_order: bool = False
    probe_method: str | None = None  # the fake node takes no batches

    def batch_body(self, bodies: Sequence[bytes]) -> bytes:
        raise AssertionError("the fake wire has no batches: the engine must not batch its sends")

    def batch_errors(
        self, ids: Sequence[int], status: int, content: bytes | None, transport_error: object
    ) -> list[str | None]:
        raise AssertionError("the fake wire has no batches: the engine must not batch its sends")

    def body(self, planned: PlannedRound, position: int, tx_id: int) -> bytes:
        return json.dumps({"id": tx_id, "raw": planned.raw[position].hex()}).encode()

    def answer_error(self, status: int, content: bytes | None, transport_error: object) -> str | None:
        if transport_error is not None:
            return f"connection: {transport_error}"
        if status != 200 or content is None:
            return f"http {status}"
        error = json.loads(content).get("error")
        return None if error is None else str(error)


WIRE = FakeWire()


class FakeHeads:
    """The observer's view of the fake node: it follows from the head it reads, by a pushed-heads stream."""

    mode = "fake-heads"

    def __init__(self, node: FakeNode) -> None:
        self.node = node

    def head(self) -> int:
        self.node.step("observer started")
        return self.node.follow()

    def blocks(self, numbers: Sequence[int], seen: float) -> list[BlockFacts]:
        return [
            BlockFacts(block_row(b, seen), b.hashes, b.hash, b.parent)
            for b in (self.node.blocks[n - 1] for n in numbers)
        ]

    def hashes(self, numbers: Sequence[int]) -> list[bytes | None]:
        chain = self.node.blocks
        return [chain[n - 1].hash if 1 <= n <= len(chain) else None for n in numbers]

    def subscribe(self) -> FakeHeads:
        return self

    def next_head(self, timeout: float) -> int | None:
        return self.node.next_head(timeout)

    def close(self) -> None:
        self.node.unfollow()


class FakeAfterWindow:
    verification = "fake receipts, read after the window"

    def __init__(self, node: FakeNode) -> None:
        self.node = node

    def record(self) -> dict[str, Any]:
        return dict(self.node.block_record)

    def unseen(self, writes: Sequence[Write], seen_blocks: dict[int, float], now: float) -> UnseenCheck:
        self.node.step("unseen check")
        return self.node.after_window(writes, now)

    def receipts(self, blocks: Sequence[int], tx_ids: dict[bytes, int]) -> list[ReceiptRow]:
        self.node.step("receipts")
        return [
            (tx_ids[h], 1, GAS)
            for number in blocks
            for h in self.node.blocks[number - 1].hashes
            if h in tx_ids
        ]


def _no_managed_node(name: str, options: ManagedOptions) -> ManagedNode:
    raise AssertionError(f"the fake chain starts no managed node (asked for {name!r}): give it {URL}")


def fake_family(node: FakeNode) -> ChainFamily:
    """The family to register as `fake` for one test, every connection to `node`."""

    def connect(endpoint: Endpoint, options: ConnectOptions) -> Connector:
        def heads() -> FakeHeads:
            node.step("heads")
            return FakeHeads(node)

        return Connector(
            identity=FakeIdentity(node),
            planner=FakePlanner(node),
            preparer=FakePreparer(node),
            wire=WIRE,
            heads=heads,
            after=FakeAfterWindow(node),
            close=lambda: node.log.append("closed"),
        )

    return ChainFamily("fake", connect, WIRE, _no_managed_node, default_node="none")
