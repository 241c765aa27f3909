"""The Ethereum JSON-RPC family behind the connector seam: identity, planning, preparation, after-window.

Any Ethereum JSON-RPC node (Anvil, Hardhat's EDR node, Ganache, Geth, Besu, Reth...) is a target. Every
call here happens before the clock starts or after the window ends; the measured phase only sends the
bytes the wire (bench.chains.ethereum.wire) made from the plan.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from bench.chains.base import ChainInfo, ChainPlan, ConnectOptions, Connector, Planned
from bench.chains.ethereum.after import EthereumAfterWindow
from bench.chains.ethereum.fees import DEFAULT_MAX_FEE, GWEI, Pricing
from bench.chains.ethereum.funding import fund_accounts, send_and_confirm
from bench.chains.ethereum.heads import EthereumHeads, EthereumMempool
from bench.chains.ethereum.keys import address_of, derive_keys
from bench.chains.ethereum.node import NodeInfo, read_node_info
from bench.chains.ethereum.plan import Plan, build_plan, resign_rounds
from bench.chains.ethereum.wire import EthereumWire, answer_error
from bench.errors import RunError
from bench.plan.round import PlannedRound
from bench.results.reasons import classify_rejection
from bench.targets.rpc import RpcClient
from bench.targets.url import Endpoint
from bench.workload.spec import Target, Workload

WIRE = EthereumWire()
SETTLE_POLL_S = 0.1  # how often settle() asks for the head


def connect(endpoint: Endpoint, options: ConnectOptions) -> Connector:
    """The connector of one Ethereum node; `close` closes every connection its parts opened."""
    rpc = RpcClient(endpoint)
    feeds: list[EthereumHeads] = []

    def heads() -> EthereumHeads:
        feeds.append(EthereumHeads(endpoint, use_websocket=options.use_websocket))
        return feeds[-1]

    def node_heads(node: Endpoint) -> EthereumHeads:
        """Another node's tip (polled: a watcher reads hashes, never blocks)."""
        feeds.append(EthereumHeads(node, use_websocket=False))
        return feeds[-1]

    probes: list[EthereumMempool] = []

    def mempool(node: Endpoint) -> EthereumMempool:
        probes.append(EthereumMempool(node))
        return probes[-1]

    def close() -> None:
        for feed in feeds:
            feed.close()
        for probe in probes:
            probe.close()
        recovery.close()
        rpc.close()

    planner = EthereumPlanner(rpc)
    recovery = EthereumRecovery(endpoint)
    return Connector(
        identity=EthereumIdentity(endpoint),
        planner=planner,
        preparer=EthereumPreparer(rpc, options.funder_key),
        wire=WIRE,
        heads=heads,
        after=EthereumAfterWindow(rpc, planner.fee_caps),
        close=close,
        node_heads=node_heads,
        mempool=mempool,
        recovery=recovery,
    )


class EthereumIdentity:
    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint

    def identify(self, timeout: float) -> ChainInfo:
        rpc = RpcClient(self.endpoint, timeout=timeout)
        try:
            node = read_node_info(rpc)
        finally:
            rpc.close()
        return ChainInfo(node.client, node.chain_id, {"block_gas_limit": node.gas_limit}, native=node)


class EthereumPlanner:
    """Keys from the seed, nonces from the node (`pending`), every transaction signed with its nonce; it keeps
    what each signed write offers (its fee cap), for the unseen check."""

    def __init__(self, rpc: RpcClient) -> None:
        self.rpc = rpc
        self._caps: dict[bytes, int] = {}

    def fee_caps(self) -> dict[bytes, int]:
        """Each signed write's gas price or fee cap, by hash (the rounds signed again included)."""
        return self._caps

    def _keep_caps(self, rounds: Sequence[PlannedRound], caps: Sequence[int]) -> None:
        for planned, cap in zip(rounds, caps, strict=True):
            self._caps.update(dict.fromkeys(planned.hashes, cap))

    def plan(self, workload: Workload, info: ChainInfo, processes: int | None) -> Planned:
        node = _node(info)
        accounts = workload.accounts
        addresses = [address_of(k) for k in derive_keys(accounts.seed, accounts.count)]
        pricing = choose_pricing(workload.target, node)
        plan = build_plan(
            workload,
            chain_id=node.chain_id,
            gas_price=pricing.gas_price,
            start_nonces=self._nonces(addresses),
            processes=processes,
            pricing=pricing,
            first_block=node.block_number,
        )
        self._keep_caps(plan.rounds, plan.fee_caps)
        return Planned(plan, plan.signing_seconds, plan.processes)

    def resign(self, plan: ChainPlan, later: Sequence[PlannedRound]) -> list[PlannedRound]:
        """Their nonces were never used: sign the later rounds again from the node's pending nonces, each
        from the plan's state when it began (the same calls as planned, renumbered)."""
        assert isinstance(plan, Plan)
        rounds = resign_rounds(plan, later, self._nonces(plan.addresses))
        self._keep_caps(rounds, [plan.fee_caps[r.index] for r in rounds])
        return rounds

    def settle(self, plan: ChainPlan, timeout: float) -> bool:
        assert isinstance(plan, Plan)
        return settle_nonces(self.rpc, plan.addresses, timeout)

    def _nonces(self, addresses: Sequence[bytes]) -> list[int]:
        return read_nonces(self.rpc, addresses, "pending")


class EthereumRecovery:
    """Sends again the signed writes a restarted node lost, over a connection of its own (the fault
    scheduler's thread uses it while the rounds run)."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._rpc: RpcClient | None = None

    def _client(self) -> RpcClient:
        if self._rpc is None:
            self._rpc = RpcClient(self.endpoint)
        return self._rpc

    def next_nonces(self, plan: ChainPlan) -> list[int]:
        assert isinstance(plan, Plan)
        return read_nonces(self._client(), plan.addresses, "latest")

    def resend(self, raws: Sequence[bytes]) -> list[str | None]:
        """In one batch request (bench.recovery sends them in chunks)."""
        reasons: list[str | None] = []
        for answer in self._client().batch_answers(
            "eth_sendRawTransaction", [["0x" + r.hex()] for r in raws]
        ):
            reason = answer_error(answer) if answer else "rejected-other: no answer"
            held = reason is None or classify_rejection(reason) == "already-known"
            reasons.append(None if held else reason)
        return reasons

    def close(self) -> None:
        if self._rpc is not None:
            self._rpc.close()


def read_nonces(rpc: RpcClient, addresses: Sequence[bytes], tag: str) -> list[int]:
    """Each address's transaction count at block `tag` (`pending`, `latest`), in one batch."""
    params = [["0x" + a.hex(), tag] for a in addresses]
    return [int(n, 16) for n in rpc.batch("eth_getTransactionCount", params)]


def settle_nonces(rpc: RpcClient, addresses: Sequence[bytes], timeout: float) -> bool:
    """Wait until the node's nonces of `addresses` count every write of theirs it holds (False when
    `timeout` came first). A node whose `pending` nonces count its pool (Anvil, Hardhat, Geth: one sender's
    `pending` above its `latest` shows it) is read as it is. Where `pending` equals `latest` for every
    sender, either the pool holds none of their writes or the node does not count its pool (Ganache 7 does
    not): wait until a new block leaves their `latest` nonces as they were, so the pool's writes are in."""
    deadline = time.monotonic() + timeout
    latest = read_nonces(rpc, addresses, "latest")
    if any(p > n for p, n in zip(read_nonces(rpc, addresses, "pending"), latest, strict=True)):
        return True
    head = int(rpc.call("eth_blockNumber"), 16)
    while time.monotonic() < deadline:
        time.sleep(SETTLE_POLL_S)
        now = int(rpc.call("eth_blockNumber"), 16)
        if now == head:
            continue
        again = read_nonces(rpc, addresses, "latest")
        if again == latest:
            return True
        head, latest = now, again
    return False


class EthereumPreparer:
    """Funding from the node's dev account or the funder key, then the contracts' deployment and setup."""

    def __init__(self, rpc: RpcClient, funder_key: bytes | None) -> None:
        self.rpc, self._funder_key = rpc, funder_key

    def prepare(self, plan: ChainPlan, info: ChainInfo, say: Callable[[str], None]) -> dict[str, object]:
        assert isinstance(plan, Plan)
        node = _node(info)
        say(f"funding {len(plan.addresses)} accounts")
        funded = fund_accounts(
            self.rpc,
            plan.addresses,
            plan.funding_wei,
            chain_id=node.chain_id,
            gas_price=max(plan.gas_price, 2 * node.gas_price),  # included, whatever the rounds offer
            dev_account=node.dev_accounts[0] if node.dev_accounts else None,
            funder_key=self._funder_key,
        )
        say(f"funded {funded} accounts, funding confirmed")
        return self._set_up_contracts(plan, say) if plan.setup else {}

    def _set_up_contracts(self, plan: Plan, say: Callable[[str], None]) -> dict[str, object]:
        """Deploy the workload's contracts and run their setup (all signed in the plan), before the clock."""
        assert plan.contracts is not None
        started = time.perf_counter()
        say(
            f"deploying {len(plan.contracts.addresses)} contracts and their setup ({len(plan.setup)} transactions)"
        )
        send_and_confirm(self.rpc, [raw for raw, _ in plan.setup])
        for name, address in plan.contracts.addresses.items():
            if self.rpc.call("eth_getCode", "0x" + address.hex(), "latest") in ("0x", "0x0", None):
                raise RunError(f"contract {name} is not at its planned address 0x{address.hex()}")
        say(f"contracts ready in {time.perf_counter() - started:.1f} s")
        return {
            "contracts": {name: "0x" + a.hex() for name, a in plan.contracts.addresses.items()},
            "setup": {"transactions": len(plan.setup), "seconds": round(time.perf_counter() - started, 3)},
        }


def choose_pricing(target: Target, node: NodeInfo) -> Pricing:
    """The workload's transaction type and fees, the node's where the workload leaves them out: type 2 on a
    node that reports a base fee, else legacy; the gas price max(2 x eth_gasPrice, 1 gwei); the tip
    max(eth_maxPriorityFeePerGas, 1 gwei) (Geth refuses tips under 1 gwei by default)."""
    tx_type = target.tx_type if target.tx_type is not None else (0 if node.base_fee is None else 2)
    return Pricing(
        tx_type,
        target.gas_price_wei or max(2 * node.gas_price, GWEI),
        base_fee=node.base_fee or 0,
        priority_fee=target.priority_fee_wei or max(node.priority_fee or 0, GWEI),
        max_fee=target.max_fee_wei or DEFAULT_MAX_FEE,
        block_time=target.block_time,
        gas_limit=node.gas_limit,
    )


def _node(info: ChainInfo) -> NodeInfo:
    assert isinstance(info.native, NodeInfo), "an Ethereum plan needs an Ethereum node's identity"
    return info.native
