"""The Bitcoin Core JSON-RPC family behind the connector seam: identity, planning, funding, after-window.

Any node speaking Bitcoin Core's RPC (litecoind regtest here) is a target. Every call happens before the
clock starts or after the window ends; the measured phase only sends the wire's `sendrawtransaction`s.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

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
from bench.chains.bitcoin.heads import BitcoinHeads, MerkleCount
from bench.chains.bitcoin.keys import derive_keys, p2wpkh_address, public_key_of
from bench.chains.bitcoin.plan import BitcoinPlan, account_keys, build_plan, chain_limit_problem
from bench.chains.bitcoin.signing import Utxo
from bench.chains.bitcoin.tx import display_id
from bench.chains.bitcoin.unseen import check_unseen
from bench.chains.bitcoin.wire import BitcoinWire
from bench.errors import RunError, TargetError, WorkloadError
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
    """The connector of one node; `close` closes every connection its parts opened."""
    rpc = RpcClient(endpoint)
    feeds: list[BitcoinHeads] = []
    funder = options.funder_key or MANAGED_FUNDER_KEY

    def heads() -> BitcoinHeads:
        feeds.append(BitcoinHeads(endpoint))
        return feeds[-1]

    def close() -> None:
        for feed in feeds:
            feed.close()
        rpc.close()

    return Connector(
        identity=BitcoinIdentity(endpoint, funder),
        planner=BitcoinPlanner(rpc, funder),
        preparer=BitcoinPreparer(rpc),
        wire=WIRE,
        heads=heads,
        after=BitcoinAfterWindow(rpc, feeds),
        close=close,
    )


class BitcoinIdentity:
    def __init__(self, endpoint: Endpoint, funder: bytes) -> None:
        self.endpoint, self._funder = endpoint, funder

    def identify(self, timeout: float) -> ChainInfo:
        rpc = RpcClient(self.endpoint, timeout=timeout)
        try:
            chain = str(rpc.call("getblockchaininfo")["chain"])
            network = rpc.call("getnetworkinfo")
            hrp = _hrp(rpc, public_key_of(self._funder).hex())
        finally:
            rpc.close()
        relay = max(1, -(-round(float(network["relayfee"]) * SAT) // 1000))  # coins/kvB -> sat/vB, up
        facts = NodeFacts(chain, hrp, relay, DEFAULT_ANCESTOR_LIMIT)
        params = {"hrp": hrp, "relay_fee_sat_per_vb": relay, "mempool_ancestor_limit": facts.ancestor_limit}
        return ChainInfo(str(network["subversion"]), chain, params, native=facts)


def _hrp(rpc: RpcClient, pubkey_hex: str) -> str:
    """The node's bech32 prefix: the part before "1" of the address it derives for a public key."""
    descriptor = rpc.call("getdescriptorinfo", f"wpkh({pubkey_hex})")["descriptor"]
    return str(rpc.call("deriveaddresses", descriptor)[0]).rsplit("1", 1)[0]


class BitcoinPlanner:
    """Keys from the seed, the funder's largest coin from the node (`scantxoutset`), everything signed."""

    def __init__(self, rpc: RpcClient, funder: bytes) -> None:
        self.rpc, self._funder = rpc, funder

    def plan(self, workload: Workload, info: ChainInfo, processes: int | None) -> Planned:
        node = _node(info)
        block_time = workload.target.network.block_time if workload.target.network else 1.0
        problem = chain_limit_problem(workload, workload.accounts.count, node.ancestor_limit, block_time)
        if problem is not None:
            raise WorkloadError(problem, path=workload.path)
        keys = account_keys(derive_keys(workload.accounts.seed, workload.accounts.count), node.hrp)
        fee_rate = workload.target.fee_rate or 2 * node.relay_fee
        coin = self._largest_coin(p2wpkh_address(public_key_of(self._funder), node.hrp))
        plan = build_plan(workload, keys, (self._funder, coin), fee_rate, processes)
        return Planned(plan, plan.signing_seconds, plan.processes)

    def resign(self, plan: ChainPlan, later: Sequence[PlannedRound]) -> list[PlannedRound]:
        """A later round's chains spend outputs of writes that were never sent: they cannot be re-signed
        from the node without each account's actual tip, which this family does not track yet."""
        raise RunError(
            "a Bitcoin round left signed writes unsent; re-signing later rounds is not supported yet "
            "(use open-loop rounds, or closed-loop rounds with tx_count)"
        )

    def _largest_coin(self, address: str) -> Utxo:
        found = self.rpc.call("scantxoutset", "start", [f"addr({address})"])
        height = int(found.get("height", 0))
        mature = [
            u
            for u in found.get("unspents", [])
            if height - int(u["height"]) >= 100 or u.get("coinbase") is False
        ]
        if not mature:
            raise TargetError(
                f"the funder {address} has no spendable coin on the node: send it coins "
                "(CHAINMARK_FUNDER_KEY names its key), or use the managed network"
            )
        coin = max(mature, key=lambda u: float(u["amount"]))
        return Utxo(bytes.fromhex(coin["txid"])[::-1], int(coin["vout"]), round(float(coin["amount"]) * SAT))


class BitcoinPreparer:
    """Sends the plan's signed fan-out and polls until it is confirmed (a block producer must be mining)."""

    def __init__(self, rpc: RpcClient) -> None:
        self.rpc = rpc

    def prepare(self, plan: ChainPlan, info: ChainInfo, say: Callable[[str], None]) -> dict[str, object]:
        assert isinstance(plan, BitcoinPlan)
        say(f"funding {len(plan.addresses)} accounts in one fan-out transaction")
        txid = display_id(plan.fanout_txid)
        self.rpc.call("sendrawtransaction", plan.fanout.hex())
        deadline = time.monotonic() + FUNDING_TIMEOUT_S
        while self.rpc.call("gettxout", txid, 0, False) is None:
            if time.monotonic() > deadline:
                raise TargetError(
                    f"the funding transaction {txid} was not confirmed in {FUNDING_TIMEOUT_S:g} s"
                )
            time.sleep(0.1)
        say("funding confirmed")
        return {"funding": {"transactions": 1, "txid": txid, "satoshis": plan.funding_sat}}


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
