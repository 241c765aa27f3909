"""Plans the benchmark-contract part of a workload: deployments and their setup, then calldata for each call.

Deployments come from account 0 with its first nonces, so every contract address is known before
anything is sent (CREATE address = keccak256(rlp([deployer, nonce]))[12:]); the setup (token
balances, YCSB's load phase, SmallBank's customers, an evidence batch to verify against) follows.
Each write gets a fixed gas limit generous for its work (a revert is a measured failure, never a
reason to estimate gas during the run); each read is an `eth_call`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from bench.chains.ethereum import rlp
from bench.chains.ethereum.keccak import keccak256
from bench.contracts import calls, load_artifact
from bench.contracts.ycsb import DEFAULT_FIELD_COUNT, record_key
from bench.plan.choice import draw
from bench.workload.contract_kinds import number
from bench.workload.spec import Choice, ContractTx, Workload

TOKEN_SUPPLY = 10**30
TOKENS_PER_ACCOUNT = 10**24
OPENING_BALANCE = 1_000_000
ACCOUNTS_PER_OPEN = 100
SLOT_GAS = 22_100  # a fresh storage slot (SSTORE from zero, cold)


def value_length(tx: ContractTx) -> int:
    return DEFAULT_FIELD_COUNT * number(tx, "field_length")


def gas_limit(tx: ContractTx) -> int:
    """A generous gas limit for one write of kind `tx.kind`."""
    kind = tx.kind
    if kind.startswith("kv-"):
        slots = math.ceil(value_length(tx) / 32) + 4
        return 80_000 + 2 * slots * SLOT_GAS
    fixed = {
        "erc20-transfer": 90_000,
        "donothing": 30_000,
        "evidence-store": 200_000,
        "evidence-batch": 250_000,
        "trace-register": 250_000,
        "trace-transfer": 250_000,
    }
    if kind in fixed:
        return fixed[kind]
    if kind.startswith("smallbank-"):
        return 120_000
    if kind == "cpuheavy":
        n = number(tx, "n")
        return 100_000 + 3_000 * n + 40 * n * max(1, int(math.log2(n + 1))) * 30
    if kind == "ioheavy-write":
        return 60_000 + number(tx, "n") * (SLOT_GAS + 3_000)
    raise ValueError(f"no gas limit for {kind}")


def contract_address(deployer: bytes, nonce: int) -> bytes:
    """The address a CREATE from `deployer` with `nonce` deploys to."""
    return keccak256(rlp.encode_list([rlp.encode_bytes(deployer), rlp.encode_int(nonce)]))[12:]


@dataclass(frozen=True, slots=True)
class SetupCall:
    """One setup transaction from account 0: `to` None deploys `data`."""

    to: bytes | None
    data: bytes
    gas: int


@dataclass
class ContractPlan:
    """Where each contract lives and the plan-time state calls need (fresh insert keys, the evidence batch)."""

    addresses: dict[str, bytes]
    setup: list[SetupCall]
    account_addresses: list[bytes]
    next_insert: dict[str, int] = field(default_factory=dict)
    evidence_leaves: list[bytes] = field(default_factory=list)
    evidence_root: bytes = b""
    products: list[bytes] = field(default_factory=list)  # registered in setup by account 0
    custodians: list[int] = field(default_factory=list)  # account index holding each product, as planned
    next_product: int = 0  # round-robin over products, so one product's transfers are far apart in time
    pending_hops: list[tuple[int, int]] = field(
        default_factory=list
    )  # (product, receiver) planned by senders()
    registered: int = 0

    def senders(self, tx: ContractTx, count: int, rng: np.random.Generator) -> np.ndarray | None:
        """Who must send `count` calls of `tx.kind`, when the kind decides it (custody: the current custodian).

        Custody transfers walk the products round robin (one product's hops are far apart in time) and
        follow each product's chain of custodians; `calldata` then encodes exactly these hops."""
        if tx.kind != "trace-transfer":
            return None
        accounts, out = len(self.account_addresses), []
        self.pending_hops = []
        for _ in range(count):
            product = self.next_product % len(self.products)
            self.next_product += 1
            sender = self.custodians[product]
            receiver = (sender + 1 + int(rng.integers(0, max(accounts - 1, 1)))) % accounts
            self.custodians[product] = receiver
            self.pending_hops.append((product, receiver))
            out.append(sender)
        return np.array(out, dtype=np.int64)

    def calldata(self, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator) -> list[bytes]:
        """Calldata for len(senders) calls of `tx.kind` (senders are account indices; -1 for reads)."""
        return _BUILDERS[tx.kind](self, tx, senders, rng)

    def eth_call(self, tx: ContractTx, data: bytes) -> bytes:
        """The JSON-RPC `"method"`/`"params"` fragment of a read."""
        to = self.addresses[tx.contract].hex()
        return b'"method":"eth_call","params":[{"to":"0x%s","data":"0x%s"},"latest"]' % (
            to.encode(),
            data.hex().encode(),
        )


def plan_contracts(
    workload: Workload, deployer: bytes, first_nonce: int, accounts: list[bytes], seed: int
) -> ContractPlan | None:
    """Deployments and setup for every contract the workload's kinds use; None if it uses none."""
    kinds = [e.tx for r in workload.rounds for e in r.mix if isinstance(e.tx, ContractTx)]
    if not kinds:
        return None
    contracts = sorted({k.contract for k in kinds})
    addresses = {name: contract_address(deployer, first_nonce + i) for i, name in enumerate(contracts)}
    setup = [SetupCall(None, _deploy_data(name), 3_000_000) for name in contracts]
    plan = ContractPlan(addresses, setup, accounts)
    first = {
        k.contract: k for k in reversed(kinds)
    }  # the first kind naming each contract sets its parameters
    if "ERC20" in addresses:
        setup += [
            SetupCall(addresses["ERC20"], calls.erc20_transfer(a, TOKENS_PER_ACCOUNT), 90_000)
            for a in accounts
        ]
    if "KVStore" in addresses:
        kv = first["KVStore"]
        count = number(kv, "record_count")
        plan.next_insert["KVStore"] = count
        value = bytes(value_length(kv))
        setup += [
            SetupCall(addresses["KVStore"], calls.kv_insert(record_key(i), value), gas_limit(kv))
            for i in range(count)
        ]
    if "SmallBank" in addresses:
        customers = number(first["SmallBank"], "customers")
        setup += [
            SetupCall(
                addresses["SmallBank"],
                calls.smallbank_open_accounts(
                    start, min(ACCOUNTS_PER_OPEN, customers - start), OPENING_BALANCE, OPENING_BALANCE
                ),
                60_000 + ACCOUNTS_PER_OPEN * 2 * SLOT_GAS * 2,
            )
            for start in range(0, customers, ACCOUNTS_PER_OPEN)
        ]
    if "Traceability" in addresses:
        products = number(first["Traceability"], "products")
        plan.products = [
            keccak256(b"chainmark-product" + seed.to_bytes(8, "big") + i.to_bytes(8, "big"))
            for i in range(products)
        ]
        plan.custodians = [0] * products
        setup += [
            SetupCall(addresses["Traceability"], calls.trace_register_product(pid, f"product {i}"), 250_000)
            for i, pid in enumerate(plan.products)
        ]
    if "Evidence" in addresses:
        from bench.kernels import merkle_root  # numba: imported only by workloads that build Merkle trees

        k = number(first["Evidence"], "k")
        rng = np.random.default_rng(seed)
        plan.evidence_leaves = [keccak256(rng.bytes(32)) for _ in range(k)]
        plan.evidence_root = merkle_root(plan.evidence_leaves, "openzeppelin")
        setup.append(
            SetupCall(
                addresses["Evidence"],
                calls.evidence_store_batch(plan.evidence_root, k, "setup batch"),
                250_000,
            )
        )
    return plan


def _deploy_data(name: str) -> bytes:
    artifact = load_artifact(name)
    return calls.deploy_data(artifact, TOKEN_SUPPLY) if name == "ERC20" else calls.deploy_data(artifact)


def _picks(choice: Choice | None, items: int, size: int, rng: np.random.Generator) -> np.ndarray:
    return draw(choice or Choice(), items, size, rng)


def _erc20_transfer(
    plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> list[bytes]:
    count = len(plan.account_addresses)
    to = (senders + 1 + _picks(tx.get("to"), max(count - 1, 1), len(senders), rng)) % count
    amount = number(tx, "amount")
    return [calls.erc20_transfer(plan.account_addresses[int(t)], amount) for t in to]


def _erc20_balance(
    plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> list[bytes]:
    picks = _picks(tx.get("of"), len(plan.account_addresses), len(senders), rng)
    return [calls.erc20_balance_of(plan.account_addresses[int(p)]) for p in picks]


def _kv(plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator) -> list[bytes]:
    n = len(senders)
    if tx.kind == "kv-insert":
        first = plan.next_insert.get("KVStore", number(tx, "record_count"))
        plan.next_insert["KVStore"] = first + n
        value = bytes(value_length(tx))
        return [calls.kv_insert(record_key(first + i), value) for i in range(n)]
    records = number(tx, "record_count")
    keys = [record_key(int(p)) for p in _picks(tx.get("key"), records, n, rng)]
    if tx.kind == "kv-read":
        return [calls.kv_read(k) for k in keys]
    if tx.kind == "kv-scan":
        lengths = rng.integers(1, number(tx, "max_scan") + 1, size=n)
        return [calls.kv_scan(k, int(m)) for k, m in zip(keys, lengths, strict=True)]
    value = bytes(value_length(tx))
    build = calls.kv_update if tx.kind == "kv-update" else calls.kv_read_modify_write
    return [build(k, rng.bytes(8) + value[8:]) for k in keys]


def _smallbank(
    plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> list[bytes]:
    n, customers, amount = len(senders), number(tx, "customers"), number(tx, "amount")
    a = _picks(tx.get("customer"), customers, n, rng)
    b = (a + 1 + rng.integers(0, customers - 1, size=n)) % customers  # a second, different customer
    kind = tx.kind.removeprefix("smallbank-")
    if kind == "amalgamate":
        return [calls.smallbank_amalgamate(int(x), int(y)) for x, y in zip(a, b, strict=True)]
    if kind == "send-payment":
        return [calls.smallbank_send_payment(int(x), int(y), amount) for x, y in zip(a, b, strict=True)]
    if kind == "balance":
        return [calls.smallbank_balance(int(x)) for x in a]
    one = {
        "deposit-checking": calls.smallbank_deposit_checking,
        "transact-savings": calls.smallbank_transact_savings,
        "write-check": calls.smallbank_write_check,
    }[kind]
    return [one(int(x), amount) for x in a]


def _micro(plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator) -> list[bytes]:
    n = len(senders)
    if tx.kind == "donothing":
        return [calls.donothing_nothing()] * n
    if tx.kind == "cpuheavy":
        size = number(tx, "n")
        return [calls.cpuheavy_sort(size, int(s)) for s in rng.integers(0, 2**32, size=n)]
    size, keys = number(tx, "n"), number(tx, "keys")
    starts = rng.integers(0, keys, size=n)
    if tx.kind == "ioheavy-write":
        return [calls.ioheavy_write(int(s), size, int(s) ^ 0x5EED) for s in starts]
    return [calls.ioheavy_scan(int(s), size) for s in starts]


def _evidence(
    plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> list[bytes]:
    from bench.kernels import merkle_proof, merkle_root  # numba: only for evidence workloads

    n = len(senders)
    if tx.kind == "evidence-store":
        return [calls.evidence_store(keccak256(rng.bytes(32)), f"document {i}") for i in range(n)]
    if tx.kind == "evidence-batch":
        k = number(tx, "k")
        out = []
        for i in range(n):
            leaves = [keccak256(rng.bytes(32)) for _ in range(k)]
            out.append(calls.evidence_store_batch(merkle_root(leaves, "openzeppelin"), k, f"batch {i}"))
        return out
    leaves = plan.evidence_leaves
    picks = rng.integers(0, len(leaves), size=n)
    return [
        calls.evidence_verify(
            plan.evidence_root, leaves[int(p)], merkle_proof(leaves, int(p), "openzeppelin"), int(p)
        )
        for p in picks
    ]


def _trace(plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator) -> list[bytes]:
    n = len(senders)
    if tx.kind == "trace-register":
        first = plan.registered
        plan.registered += n
        return [
            calls.trace_register_product(
                keccak256(b"chainmark-new-product" + (first + i).to_bytes(8, "big")),
                f"new product {first + i}",
            )
            for i in range(n)
        ]
    if tx.kind == "trace-history":
        picks = rng.integers(0, len(plan.products), size=n)
        return [calls.trace_history_length(plan.products[int(p)]) for p in picks]
    hops, plan.pending_hops = plan.pending_hops, []
    assert len(hops) == n, "custody transfers are planned by ContractPlan.senders first"
    return [
        calls.trace_transfer_custody(
            plan.products[product], plan.account_addresses[receiver], f"hop to {receiver}"
        )
        for product, receiver in hops
    ]


_BUILDERS = {
    "erc20-transfer": _erc20_transfer,
    "erc20-balance": _erc20_balance,
    **{k: _kv for k in ("kv-read", "kv-update", "kv-insert", "kv-scan", "kv-rmw")},
    **{
        k: _smallbank
        for k in (
            "smallbank-amalgamate",
            "smallbank-balance",
            "smallbank-deposit-checking",
            "smallbank-send-payment",
            "smallbank-transact-savings",
            "smallbank-write-check",
        )
    },
    **{k: _micro for k in ("donothing", "cpuheavy", "ioheavy-write", "ioheavy-scan")},
    **{k: _evidence for k in ("evidence-store", "evidence-batch", "evidence-verify")},
    **{k: _trace for k in ("trace-register", "trace-transfer", "trace-history")},
}
