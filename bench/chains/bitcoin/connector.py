"""The Bitcoin Core JSON-RPC family behind the connector seam: identity, planning, funding, after-window.

Any node speaking Bitcoin Core's RPC (litecoind regtest here) is a target. Every call happens before the
clock starts or after the window ends; the measured phase only sends the wire's `sendrawtransaction`s.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bench.chains.base import (
    ChainInfo,
    ChainPlan,
    ConnectOptions,
    Connector,
    Planned,
    ReceiptRow,
    UnseenCheck,
    Write,
)
from bench.chains.bitcoin.funding import choose_funder
from bench.chains.bitcoin.heads import BitcoinHeads, BitcoinMempool, MerkleCount
from bench.chains.bitcoin.keys import derive_keys, public_key_of
from bench.chains.bitcoin.plan import (
    BitcoinPlan,
    account_keys,
    build_plan,
    chain_limit_problem,
    resign_rounds,
)
from bench.chains.bitcoin.tips import chain_tips
from bench.chains.bitcoin.tx import display_id
from bench.chains.bitcoin.unseen import check_unseen
from bench.chains.bitcoin.wire import BitcoinWire
from bench.errors import TargetError, WorkloadError
from bench.plan.round import PlannedRound
from bench.targets.rpc import RpcClient
from bench.targets.url import Endpoint
from bench.workload.spec import Workload

WIRE = BitcoinWire()
SAT = 100_000_000
DEFAULT_ANCESTOR_LIMIT = 25  # Bitcoin Core's and Litecoin's -limitancestorcount default
FUNDING_TIMEOUT_S = 60.0
# The managed network's funder: coins are matured to it before the run (a regtest key, worth nothing).
MANAGED_FUNDER_KEY = derive_keys(0xC0FFEE, 1)[0]


@dataclass(frozen=True, slots=True)
class NodeFacts:
    """What the planner needs of the node: its chain, address prefix, relay fee floor and mempool limit."""

    chain: str
    hrp: str
    relay_fee: int  # sat/vB
    ancestor_limit: int


def connect(endpoint: Endpoint, options: ConnectOptions) -> Connector:
    """The connector of one node; `close` closes every connection its parts opened. A managed network's
    metadata (`options.managed`) gives its raised mempool chain limit; a remote node keeps the default."""
    rpc = RpcClient(endpoint)
    feeds: list[BitcoinHeads] = []
    managed = options.managed or {}
    limit = int(managed.get("limit_ancestor_count") or DEFAULT_ANCESTOR_LIMIT)

    others: list[BitcoinHeads] = []  # other nodes' tips: no blocks read, so no Merkle counts

    def heads() -> BitcoinHeads:
        feeds.append(BitcoinHeads(endpoint))
        return feeds[-1]

    def node_heads(node: Endpoint) -> BitcoinHeads:
        others.append(BitcoinHeads(node))
        return others[-1]

    probes: list[BitcoinMempool] = []

    def mempool(node: Endpoint) -> BitcoinMempool:
        probes.append(BitcoinMempool(node))
        return probes[-1]

    def close() -> None:
        for feed in (*feeds, *others):
            feed.close()
        for probe in probes:
            probe.close()
        rpc.close()

    return Connector(
        identity=BitcoinIdentity(endpoint, limit),
        planner=BitcoinPlanner(rpc, options.funder_key),
        preparer=BitcoinPreparer(rpc),
        wire=WIRE,
        heads=heads,
        after=BitcoinAfterWindow(rpc, feeds),
        close=close,
        node_heads=node_heads,
        mempool=mempool,
    )


class BitcoinIdentity:
    def __init__(self, endpoint: Endpoint, ancestor_limit: int) -> None:
        self.endpoint, self._limit = endpoint, ancestor_limit

    def identify(self, timeout: float) -> ChainInfo:
        rpc = RpcClient(self.endpoint, timeout=timeout)
        try:
            chain = str(rpc.call("getblockchaininfo")["chain"])
            network = rpc.call("getnetworkinfo")
            hrp = _hrp(rpc, public_key_of(MANAGED_FUNDER_KEY).hex())
        finally:
            rpc.close()
        relay = max(1, -(-round(float(network["relayfee"]) * SAT) // 1000))  # coins/kvB -> sat/vB, up
        facts = NodeFacts(chain, hrp, relay, self._limit)
        params = {"hrp": hrp, "relay_fee_sat_per_vb": relay, "mempool_ancestor_limit": facts.ancestor_limit}
        return ChainInfo(str(network["subversion"]), chain, params, native=facts)


def _hrp(rpc: RpcClient, pubkey_hex: str) -> str:
    """The node's bech32 prefix: the part before "1" of the address it derives for a public key."""
    descriptor = rpc.call("getdescriptorinfo", f"wpkh({pubkey_hex})")["descriptor"]
    return str(rpc.call("deriveaddresses", descriptor)[0]).rsplit("1", 1)[0]


class BitcoinPlanner:
    """Keys from the seed, the funder's coin (bench.chains.bitcoin.funding), everything signed; `resign`
    finds each account's real tip on the node and signs the later rounds again from it."""

    def __init__(self, rpc: RpcClient, funder_key: bytes | None) -> None:
        self.rpc, self._funder_key = rpc, funder_key
        self._processes = 1

    def plan(self, workload: Workload, info: ChainInfo, processes: int | None) -> Planned:
        node = _node(info)
        block_time = workload.target.network.block_time if workload.target.network else 1.0
        problem = chain_limit_problem(workload, workload.accounts.count, node.ancestor_limit, block_time)
        if problem is not None:
            raise WorkloadError(problem, path=workload.path)
        keys = account_keys(derive_keys(workload.accounts.seed, workload.accounts.count), node.hrp)
        fee_rate = workload.target.fee_rate or 2 * node.relay_fee
        funder = choose_funder(
            self.rpc, self._funder_key, MANAGED_FUNDER_KEY, node.chain, workload.accounts.seed
        )
        plan = build_plan(
            workload,
            keys,
            (funder.key, lambda need: funder.coin(self.rpc, node.hrp, need)),
            fee_rate,
            processes,
        )
        plan = replace(plan, funded_by=funder.source, paid_before=funder.paid_before())
        self._processes = plan.processes
        return Planned(plan, plan.signing_seconds, plan.processes)

    def resign(self, plan: ChainPlan, later: Sequence[PlannedRound]) -> list[PlannedRound]:
        """The later rounds signed again from each account's last write the node holds (in its mempool,
        or confirmed with its change unspent)."""
        assert isinstance(plan, BitcoinPlan)
        return resign_rounds(plan, chain_tips(self.rpc, plan), later, self._processes)

    def settle(self, plan: ChainPlan, timeout: float) -> bool:
        """Nothing to wait for: a plan reads each account's tip from the node's mempool as well as its
        chain, and the mempool takes a transaction before its submission is answered."""
        return True


class BitcoinPreparer:
    """Sends the plan's signed fan-out and polls until it is confirmed (a block producer must be mining)."""

    def __init__(self, rpc: RpcClient) -> None:
        self.rpc = rpc

    def prepare(self, plan: ChainPlan, info: ChainInfo, say: Callable[[str], None]) -> dict[str, object]:
        assert isinstance(plan, BitcoinPlan)
        paid = list(plan.paid_before)
        if paid:
            say(f"the node's wallet paid the run's funder ({', '.join(paid)})")
        say(f"funding {len(plan.addresses)} accounts in one fan-out transaction")
        fanout = self._send_confirmed([(plan.fanout, plan.fanout_txid)])
        if plan.splits:
            say(f"preparing the consolidations' inputs: {len(plan.splits)} split transactions")
            self._send_confirmed(plan.splits)
        say("funding confirmed")
        return {
            "funding": {
                "transactions": len(paid) + 1 + len(plan.splits),
                "source": plan.funded_by,
                "wallet_txids": paid,
                "txid": fanout[0],
                "splits": len(plan.splits),
                "satoshis": plan.funding_sat,
            }
        }

    def _send_confirmed(self, txs: Sequence[tuple[bytes, bytes]]) -> list[str]:
        """Send each (raw, txid) and poll until every one's first output is confirmed; their txids."""
        shown = [display_id(txid) for _, txid in txs]
        for raw, _ in txs:
            self.rpc.call("sendrawtransaction", raw.hex())
        deadline = time.monotonic() + FUNDING_TIMEOUT_S
        for txid in shown:
            while self.rpc.call("gettxout", txid, 0, False) is None:
                if time.monotonic() > deadline:
                    raise TargetError(
                        f"the funding transaction {txid} was not confirmed in {FUNDING_TIMEOUT_S:g} s"
                    )
                time.sleep(0.1)
        return shown


class BitcoinAfterWindow:
    """Receipts from the blocks (`getblock HASH 2`: every included spend is valid, its vsize the cost) and
    the unseen check (bench.chains.bitcoin.unseen)."""

    def __init__(self, rpc: RpcClient, feeds: list[BitcoinHeads]) -> None:
        self.rpc, self.feeds = rpc, feeds

    @property
    def verification(self) -> str:
        merkle = [f.merkle() for f in self.feeds]
        seen, verified = sum(m.seen for m in merkle), sum(m.verified for m in merkle)
        return (
            "blocks read after the measured window (getblock HASH 2): an included transaction is valid "
            f"(status 1), its vsize in the gas column; Merkle roots recomputed for {seen} blocks seen, "
            f"{verified} matched their headers"
        )

    def record(self) -> dict[str, object]:
        """summary.json's `blocks`: how many observed blocks had their Merkle root recomputed, and which
        heights did not match their header."""
        merkle = [f.merkle() for f in self.feeds]
        mismatched = sorted({h for m in merkle for h in m.mismatched})
        return MerkleCount(
            sum(m.seen for m in merkle), sum(m.verified for m in merkle), tuple(mismatched)
        ).as_json()

    def unseen(self, writes: Sequence[Write], seen_blocks: dict[int, float], now: float) -> UnseenCheck:
        return check_unseen(self.rpc, writes)

    def receipts(self, blocks: Sequence[int], tx_ids: dict[bytes, int]) -> list[ReceiptRow]:
        out = []
        for number in blocks:
            block = self.rpc.call("getblock", self.rpc.call("getblockhash", number), 2)
            for tx in block["tx"]:
                tx_id = tx_ids.get(bytes.fromhex(tx["txid"]))
                if tx_id is not None:
                    out.append((tx_id, 1, int(tx["vsize"])))
        return out


def _node(info: ChainInfo) -> NodeFacts:
    assert isinstance(info.native, NodeFacts), "a Bitcoin plan needs a Bitcoin node's identity"
    return info.native
