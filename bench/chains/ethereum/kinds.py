"""How the Ethereum planner makes each contract kind's calls: one frozen record per kind name, in one registry.

The workload side of a kind (its contract, read or write, parameters and their defaults) is its record in
`bench.workload.contract_kinds.CONTRACT_KINDS`; `ETHEREUM_KINDS` is keyed by the same names (a test checks
they agree) and gives what an Ethereum chain needs: the gas limit of one write (a read is an eth_call and has
none) and the builder of a batch of calls. A builder also applies the kind's sender rule: the round's senders
stand, except where the kind decides (a custody hop is sent by the product's custodian). A builder is pure in
the plan's state: it takes the `ContractState` the batch starts from and returns the state after it, so a
round can be built again, the same, from the state it began with. Adding a kind: its builder (and gas rule)
here, one line in ETHEREUM_KINDS, beside its record and line in CONTRACT_KINDS.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from bench.chains.ethereum.contract_plan import ContractPlan, ContractState
from bench.chains.ethereum.keccak import keccak256
from bench.contracts import calls
from bench.contracts.ycsb import DEFAULT_FIELD_COUNT, record_key
from bench.plan.choice import draw
from bench.workload.contract_kinds import choice, number
from bench.workload.spec import ContractTx

SLOT_GAS = 22_100  # a fresh storage slot (SSTORE from zero, cold)


@dataclass(frozen=True, slots=True)
class Calls:
    """A batch of calls of one kind, in send order: their calldata, who sends each (account indices; -1 for a
    read), and the contract state after them."""

    data: list[bytes]
    senders: np.ndarray
    state: ContractState


Build = Callable[[ContractPlan, ContractState, ContractTx, np.ndarray, np.random.Generator], Calls]
Encode = Callable[[ContractPlan, ContractTx, np.ndarray, np.random.Generator], list[bytes]]
Gas = Callable[[ContractTx], int]


@dataclass(frozen=True, slots=True)
class EthereumKind:
    """One contract kind on an Ethereum chain: the builder of a batch of its calls (calldata, senders, state
    after), and the gas limit of one write, generous for its work (None for a read). A read is an eth_call of
    the calldata, unless `request`: then the builder makes the JSON-RPC `"method"`/`"params"` fragment itself
    (eth_getLogs, eth_estimateGas)."""

    build: Build
    gas: Gas | None = None
    request: bool = False


def stateless(encode: Encode) -> Build:
    """The builder of a kind whose calldata depends on no plan-time state and whose calls the round's senders send."""

    def build(
        plan: ContractPlan,
        state: ContractState,
        tx: ContractTx,
        senders: np.ndarray,
        rng: np.random.Generator,
    ) -> Calls:
        return Calls(encode(plan, tx, senders, rng), senders, state)

    return build


def write_gas(tx: ContractTx) -> int:
    """The gas limit of one write of `tx.kind` (a revert is a measured failure, never a reason to estimate)."""
    gas = ETHEREUM_KINDS[tx.kind].gas
    if gas is None:
        raise ValueError(f"{tx.kind} is a read (an eth_call): it has no gas limit")
    return gas(tx)


# ---- gas rules --------------------------------------------------------------------------------------


def _fixed(gas: int) -> Gas:
    def rule(tx: ContractTx) -> int:
        return gas

    return rule


def value_length(tx: ContractTx) -> int:
    """The bytes of one KVStore value: YCSB's fields of `field_length` bytes, as one value."""
    return DEFAULT_FIELD_COUNT * number(tx, "field_length")


def kv_write_gas(tx: ContractTx) -> int:
    """An insert, update or read-modify-write of one value: a fresh slot per 32 bytes, twice, and the index."""
    slots = math.ceil(value_length(tx) / 32) + 4
    return 80_000 + 2 * slots * SLOT_GAS


def _cpuheavy_gas(tx: ContractTx) -> int:
    n = number(tx, "n")
    return 100_000 + 3_000 * n + 40 * n * max(1, int(math.log2(n + 1))) * 30


def _ioheavy_gas(tx: ContractTx) -> int:
    return 60_000 + number(tx, "n") * (SLOT_GAS + 3_000)


# ---- ERC-20 and the micro benchmarks ---------------------------------------------------------------


def _erc20_transfer(
    plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> list[bytes]:
    count = len(plan.account_addresses)
    picks = draw(choice(tx, "to"), max(count - 1, 1), len(senders), rng)
    to = (senders + 1 + picks) % count  # never the sender
    amount = number(tx, "amount")
    return [calls.erc20_transfer(plan.account_addresses[int(t)], amount) for t in to]


def _erc20_balance(
    plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> list[bytes]:
    picks = draw(choice(tx, "of"), len(plan.account_addresses), len(senders), rng)
    return [calls.erc20_balance_of(plan.account_addresses[int(p)]) for p in picks]


def _donothing(
    plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> list[bytes]:
    return [calls.donothing_nothing()] * len(senders)


def _cpuheavy(
    plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> list[bytes]:
    size = number(tx, "n")
    return [calls.cpuheavy_sort(size, int(s)) for s in rng.integers(0, 2**32, size=len(senders))]


def _io_starts(tx: ContractTx, n: int, rng: np.random.Generator) -> tuple[int, list[int]]:
    return number(tx, "n"), [int(s) for s in rng.integers(0, number(tx, "keys"), size=n)]


def _ioheavy_write(
    plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> list[bytes]:
    size, starts = _io_starts(tx, len(senders), rng)
    return [calls.ioheavy_write(s, size, s ^ 0x5EED) for s in starts]


def _ioheavy_scan(
    plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> list[bytes]:
    size, starts = _io_starts(tx, len(senders), rng)
    return [calls.ioheavy_scan(s, size) for s in starts]


# ---- KVStore (YCSB) --------------------------------------------------------------------------------


def _kv_keys(tx: ContractTx, n: int, rng: np.random.Generator) -> list[bytes]:
    """`n` keys of records loaded in setup, picked by the kind's `key` choice."""
    return [record_key(int(p)) for p in draw(choice(tx, "key"), number(tx, "record_count"), n, rng)]


def _kv_read(
    plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> list[bytes]:
    return [calls.kv_read(k) for k in _kv_keys(tx, len(senders), rng)]


def _kv_scan(
    plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> list[bytes]:
    keys = _kv_keys(tx, len(senders), rng)
    lengths = rng.integers(1, number(tx, "max_scan") + 1, size=len(senders))
    return [calls.kv_scan(k, int(m)) for k, m in zip(keys, lengths, strict=True)]


def _kv_rewrite(write: Callable[[bytes, bytes], bytes]) -> Encode:
    """Update or read-modify-write: loaded keys get a new value (8 random bytes, then zeros)."""

    def encode(
        plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
    ) -> list[bytes]:
        keys, value = _kv_keys(tx, len(senders), rng), bytes(value_length(tx))
        return [write(k, rng.bytes(8) + value[8:]) for k in keys]

    return encode


def _kv_insert(
    plan: ContractPlan, state: ContractState, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> Calls:
    """Inserts add fresh records after those loaded in setup and those inserted before them."""
    first, value = state.next_record, bytes(value_length(tx))
    data = [calls.kv_insert(record_key(first + i), value) for i in range(len(senders))]
    return Calls(data, senders, replace(state, next_record=first + len(senders)))


# ---- SmallBank -------------------------------------------------------------------------------------


def _customers(tx: ContractTx, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`n` customers picked by the kind's `customer` choice, and a second, different customer for each."""
    customers = number(tx, "customers")
    a = draw(choice(tx, "customer"), customers, n, rng)
    return a, (a + 1 + rng.integers(0, customers - 1, size=n)) % customers


def _bank_pair(encode: Callable[[int, int], bytes]) -> Encode:
    """Amalgamate: from one customer to another."""

    def build(
        plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
    ) -> list[bytes]:
        a, b = _customers(tx, len(senders), rng)
        return [encode(int(x), int(y)) for x, y in zip(a, b, strict=True)]

    return build


def _send_payment(
    plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> list[bytes]:
    a, b = _customers(tx, len(senders), rng)
    amount = number(tx, "amount")
    return [calls.smallbank_send_payment(int(x), int(y), amount) for x, y in zip(a, b, strict=True)]


def _bank_balance(
    plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> list[bytes]:
    a, _ = _customers(tx, len(senders), rng)
    return [calls.smallbank_balance(int(x)) for x in a]


def _bank_amount(encode: Callable[[int, int], bytes]) -> Encode:
    """Deposit checking, transact savings, write check: one customer and the kind's amount."""

    def build(
        plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
    ) -> list[bytes]:
        a, _ = _customers(tx, len(senders), rng)
        amount = number(tx, "amount")
        return [encode(int(x), amount) for x in a]

    return build


# ---- Evidence --------------------------------------------------------------------------------------


def _evidence_store(
    plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> list[bytes]:
    return [calls.evidence_store(keccak256(rng.bytes(32)), f"document {i}") for i in range(len(senders))]


def _evidence_batch(
    plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> list[bytes]:
    from bench.kernels import merkle_root  # numba: imported only by workloads that build Merkle trees

    k, out = number(tx, "k"), []
    for i in range(len(senders)):
        leaves = [keccak256(rng.bytes(32)) for _ in range(k)]
        out.append(calls.evidence_store_batch(merkle_root(leaves, "openzeppelin"), k, f"batch {i}"))
    return out


def _evidence_verify(
    plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> list[bytes]:
    """Proofs of leaves of the batch stored in setup, against its root."""
    from bench.kernels import merkle_proof  # numba: imported only by workloads that build Merkle trees

    leaves = plan.evidence_leaves
    picks = rng.integers(0, len(leaves), size=len(senders))
    return [
        calls.evidence_verify(
            plan.evidence_root, leaves[int(p)], merkle_proof(leaves, int(p), "openzeppelin"), int(p)
        )
        for p in picks
    ]


# ---- Traceability ----------------------------------------------------------------------------------


def _trace_register(
    plan: ContractPlan, state: ContractState, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> Calls:
    """New products, numbered after those registered before them (the setup's products are apart)."""
    first = state.registered
    data = [
        calls.trace_register_product(
            keccak256(b"chainmark-new-product" + (first + i).to_bytes(8, "big")), f"new product {first + i}"
        )
        for i in range(len(senders))
    ]
    return Calls(data, senders, replace(state, registered=first + len(senders)))


def _trace_transfer(
    plan: ContractPlan, state: ContractState, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> Calls:
    """Custody hops: the setup's products in turn (one product's hops far apart in time), each sent by the
    product's custodian as planned so far, to another account drawn at random (the sender rule of this kind)."""
    accounts, custodians = len(plan.account_addresses), list(state.custodians)
    turn, hop_senders, data = state.next_product, [], []
    for _ in range(len(senders)):
        product = turn % len(plan.products)
        turn += 1
        sender = custodians[product]
        receiver = (sender + 1 + int(rng.integers(0, max(accounts - 1, 1)))) % accounts
        custodians[product] = receiver
        hop_senders.append(sender)
        data.append(
            calls.trace_transfer_custody(
                plan.products[product], plan.account_addresses[receiver], f"hop to {receiver}"
            )
        )
    after = replace(state, next_product=turn, custodians=tuple(custodians))
    return Calls(data, np.array(hop_senders, dtype=np.int64), after)


def _trace_history(
    plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> list[bytes]:
    picks = rng.integers(0, len(plan.products), size=len(senders))
    return [calls.trace_history_length(plan.products[int(p)]) for p in picks]


# ---- issue 15's scenarios: storage, gas, failure, an NFT collection, a constant-product pool, reads ---------


def _storage_write(
    plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> list[bytes]:
    return [calls.storage_write(number(tx, "slots"))] * len(senders)


def _storage_gas(tx: ContractTx) -> int:
    return 60_000 + number(tx, "slots") * (SLOT_GAS + 3_000)


def _burn(plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator) -> list[bytes]:
    return [calls.burner_burn()] * len(senders)


def _revert(plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator) -> list[bytes]:
    return [calls.reverter_fail()] * len(senders)


def _nft_mint(
    plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> list[bytes]:
    return [calls.nft_mint()] * len(senders)


def _nft_transfer(
    plan: ContractPlan, state: ContractState, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> Calls:
    """The setup's tokens in turn (one token's transfers far apart in time), each sent by its owner as planned
    so far, to another account drawn at random (the sender rule of this kind)."""
    accounts, owners = len(plan.account_addresses), list(state.nft_owners)
    turn, out_senders, data = state.next_nft, [], []
    for _ in range(len(senders)):
        token = turn % len(owners)
        turn += 1
        owner = owners[token]
        receiver = (owner + 1 + int(rng.integers(0, max(accounts - 1, 1)))) % accounts
        owners[token] = receiver
        out_senders.append(owner)
        address = plan.account_addresses
        data.append(calls.nft_transfer_from(address[owner], address[receiver], token))
    after = replace(state, next_nft=turn, nft_owners=tuple(owners))
    return Calls(data, np.array(out_senders, dtype=np.int64), after)


def _amm_swap(
    plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> list[bytes]:
    """Swaps of `amount` in either direction (drawn): every one moves the same two reserves."""
    amount = number(tx, "amount")
    return [calls.amm_swap(bool(d), amount) for d in rng.integers(0, 2, size=len(senders))]


def _amm_add(
    plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> list[bytes]:
    return [calls.amm_add_liquidity(number(tx, "amount"))] * len(senders)


TRANSFER_TOPIC = keccak256(b"Transfer(address,address,uint256)")


def _logs_read(
    plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> list[bytes]:
    """eth_getLogs of the ERC-20 Transfer events to an account (`of` picks it) since the plan's head: the
    run's own events, as a wallet's indexer asks for them."""
    token, first = plan.addresses["ERC20"].hex(), hex(plan.first_block)
    picks = draw(choice(tx, "of"), len(plan.account_addresses), len(senders), rng)
    out = []
    for p in picks:
        to = "0x" + bytes(12).hex() + plan.account_addresses[int(p)].hex()
        out.append(
            b'"method":"eth_getLogs","params":[{"address":"0x%s","fromBlock":"%s","toBlock":"latest",'
            b'"topics":["0x%s",null,"%s"]}]'
            % (token.encode(), first.encode(), TRANSFER_TOPIC.hex().encode(), to.encode())
        )
    return out


def _estimate_gas(
    plan: ContractPlan, tx: ContractTx, senders: np.ndarray, rng: np.random.Generator
) -> list[bytes]:
    """eth_estimateGas of an ERC-20 transfer from a random account (every one holds tokens) to another."""
    count = len(plan.account_addresses)
    sources = rng.integers(0, count, size=len(senders))
    targets = (sources + 1 + draw(choice(tx, "to"), max(count - 1, 1), len(senders), rng)) % count
    token, amount = plan.addresses["ERC20"].hex(), number(tx, "amount")
    out = []
    for a, b in zip(sources, targets, strict=True):
        data = calls.erc20_transfer(plan.account_addresses[int(b)], amount).hex()
        sender = plan.account_addresses[int(a)].hex()
        out.append(
            b'"method":"eth_estimateGas","params":[{"from":"0x%s","to":"0x%s","data":"0x%s"}]'
            % (sender.encode(), token.encode(), data.encode())
        )
    return out


_BANK_GAS = _fixed(120_000)

ETHEREUM_KINDS: dict[str, EthereumKind] = {
    "erc20-transfer": EthereumKind(stateless(_erc20_transfer), _fixed(90_000)),
    "erc20-balance": EthereumKind(stateless(_erc20_balance)),
    "donothing": EthereumKind(stateless(_donothing), _fixed(30_000)),
    "cpuheavy": EthereumKind(stateless(_cpuheavy), _cpuheavy_gas),
    "ioheavy-write": EthereumKind(stateless(_ioheavy_write), _ioheavy_gas),
    "ioheavy-scan": EthereumKind(stateless(_ioheavy_scan)),
    "kv-read": EthereumKind(stateless(_kv_read)),
    "kv-update": EthereumKind(stateless(_kv_rewrite(calls.kv_update)), kv_write_gas),
    "kv-insert": EthereumKind(_kv_insert, kv_write_gas),
    "kv-scan": EthereumKind(stateless(_kv_scan)),
    "kv-rmw": EthereumKind(stateless(_kv_rewrite(calls.kv_read_modify_write)), kv_write_gas),
    "smallbank-amalgamate": EthereumKind(stateless(_bank_pair(calls.smallbank_amalgamate)), _BANK_GAS),
    "smallbank-balance": EthereumKind(stateless(_bank_balance)),
    "smallbank-deposit-checking": EthereumKind(
        stateless(_bank_amount(calls.smallbank_deposit_checking)), _BANK_GAS
    ),
    "smallbank-send-payment": EthereumKind(stateless(_send_payment), _BANK_GAS),
    "smallbank-transact-savings": EthereumKind(
        stateless(_bank_amount(calls.smallbank_transact_savings)), _BANK_GAS
    ),
    "smallbank-write-check": EthereumKind(stateless(_bank_amount(calls.smallbank_write_check)), _BANK_GAS),
    "evidence-store": EthereumKind(stateless(_evidence_store), _fixed(200_000)),
    "evidence-batch": EthereumKind(stateless(_evidence_batch), _fixed(250_000)),
    "evidence-verify": EthereumKind(stateless(_evidence_verify)),
    "trace-register": EthereumKind(_trace_register, _fixed(250_000)),
    "trace-transfer": EthereumKind(_trace_transfer, _fixed(250_000)),
    "trace-history": EthereumKind(stateless(_trace_history)),
    "storage-write": EthereumKind(stateless(_storage_write), _storage_gas),
    "fill-block": EthereumKind(stateless(_burn), lambda tx: number(tx, "gas")),
    "revert": EthereumKind(stateless(_revert), _fixed(50_000)),
    "erc721-mint": EthereumKind(stateless(_nft_mint), _fixed(150_000)),
    "erc721-transfer": EthereumKind(_nft_transfer, _fixed(120_000)),
    "amm-swap": EthereumKind(stateless(_amm_swap), _fixed(200_000)),
    "amm-add-liquidity": EthereumKind(stateless(_amm_add), _fixed(250_000)),
    "logs-read": EthereumKind(stateless(_logs_read), request=True),
    "estimate-gas": EthereumKind(stateless(_estimate_gas), request=True),
}
