"""Plans the benchmark contracts' deployments and their setup, before round 1.

Deployments come from account 0 with its first nonces, so every contract address is known before
anything is sent (CREATE address = keccak256(rlp([deployer, nonce]))[12:]); the setup (token
balances, YCSB's load phase, SmallBank's customers, products to trace, an evidence batch to verify
against, an NFT for every account, both pool tokens for every account and the pool's first liquidity) follows. The calls the rounds make are built by each kind's record (bench.chains.ethereum.kinds).
"""

from __future__ import annotations

import numpy as np

from bench.chains.ethereum import rlp
from bench.chains.ethereum.contract_plan import ContractPlan, ContractState, SetupCall
from bench.chains.ethereum.keccak import keccak256
from bench.chains.ethereum.kinds import SLOT_GAS, kv_write_gas, value_length
from bench.contracts import calls, load_artifact
from bench.contracts.ycsb import record_key
from bench.workload.contract_kinds import number
from bench.workload.spec import ContractTx, Workload

TOKEN_SUPPLY = 10**30
TOKENS_PER_ACCOUNT = 10**24
OPENING_BALANCE = 1_000_000
ACCOUNTS_PER_OPEN = 100
ACCOUNTS_PER_CALL = 50  # NFT mints and pool token grants per setup transaction
POOL_LIQUIDITY = 10**27  # of each token, added by account 0 before round 1
DEPLOY_GAS = {"AMM": 5_000_000}  # it creates its two tokens; every other contract: 3,000,000


def contract_address(deployer: bytes, nonce: int) -> bytes:
    """The address a CREATE from `deployer` with `nonce` deploys to."""
    return keccak256(rlp.encode_list([rlp.encode_bytes(deployer), rlp.encode_int(nonce)]))[12:]


def plan_contracts(
    workload: Workload,
    deployer: bytes,
    first_nonce: int,
    accounts: list[bytes],
    seed: int,
    first_block: int = 0,
) -> ContractPlan | None:
    """Deployments and setup for every contract the workload's kinds use; None if it uses none."""
    kinds = [e.tx for r in workload.rounds for e in r.mix if isinstance(e.tx, ContractTx)]
    if not kinds:
        return None
    names = sorted({k.contract for k in kinds})
    addresses = {name: contract_address(deployer, first_nonce + i) for i, name in enumerate(names)}
    first = {
        k.contract: k for k in reversed(kinds)
    }  # the first kind naming each contract sets its parameters
    products, leaves = _products(first, seed), _evidence_leaves(first, seed)
    root = _merkle_root(leaves)
    setup = (
        *(SetupCall(None, _deploy_data(name), DEPLOY_GAS.get(name, 3_000_000)) for name in names),
        *_erc20_setup(addresses, accounts),
        *_kv_setup(addresses, first),
        *_smallbank_setup(addresses, first),
        *_trace_setup(addresses, products),
        *_evidence_setup(addresses, root, len(leaves)),
        *_nft_setup(addresses, accounts),
        *_amm_setup(addresses, accounts),
    )
    records = number(first["KVStore"], "record_count") if "KVStore" in first else 0
    start = ContractState(
        next_record=records,
        custodians=(0,) * len(products),  # account 0 registered them
        nft_owners=tuple(range(len(accounts))) if "NFT" in addresses else (),  # token i to account i
    )
    return ContractPlan(addresses, setup, tuple(accounts), start, products, leaves, root, first_block)


def _deploy_data(name: str) -> bytes:
    artifact = load_artifact(name)
    supplied = name in ("ERC20", "AMM")  # the AMM's two tokens, each of TOKEN_SUPPLY
    return calls.deploy_data(artifact, TOKEN_SUPPLY) if supplied else calls.deploy_data(artifact)


def _erc20_setup(addresses: dict[str, bytes], accounts: list[bytes]) -> list[SetupCall]:
    """Every account gets tokens from the deployer, which keeps the rest of the supply."""
    if "ERC20" not in addresses:
        return []
    return [
        SetupCall(addresses["ERC20"], calls.erc20_transfer(a, TOKENS_PER_ACCOUNT), 90_000) for a in accounts
    ]


def _kv_setup(addresses: dict[str, bytes], first: dict[str, ContractTx]) -> list[SetupCall]:
    """YCSB's load phase: `record_count` records, so reads, updates and scans find their keys."""
    if "KVStore" not in addresses:
        return []
    kv = first["KVStore"]
    value, gas = bytes(value_length(kv)), kv_write_gas(kv)
    return [
        SetupCall(addresses["KVStore"], calls.kv_insert(record_key(i), value), gas)
        for i in range(number(kv, "record_count"))
    ]


def _smallbank_setup(addresses: dict[str, bytes], first: dict[str, ContractTx]) -> list[SetupCall]:
    """SmallBank's customers, opened a hundred at a time with the same checking and savings balances."""
    if "SmallBank" not in addresses:
        return []
    customers = number(first["SmallBank"], "customers")
    return [
        SetupCall(
            addresses["SmallBank"],
            calls.smallbank_open_accounts(
                start, min(ACCOUNTS_PER_OPEN, customers - start), OPENING_BALANCE, OPENING_BALANCE
            ),
            60_000 + ACCOUNTS_PER_OPEN * 2 * SLOT_GAS * 2,
        )
        for start in range(0, customers, ACCOUNTS_PER_OPEN)
    ]


def _products(first: dict[str, ContractTx], seed: int) -> tuple[bytes, ...]:
    """The ids of the products registered in setup (custody hops and history reads walk these)."""
    if "Traceability" not in first:
        return ()
    return tuple(
        keccak256(b"chainmark-product" + seed.to_bytes(8, "big") + i.to_bytes(8, "big"))
        for i in range(number(first["Traceability"], "products"))
    )


def _trace_setup(addresses: dict[str, bytes], products: tuple[bytes, ...]) -> list[SetupCall]:
    return [
        SetupCall(addresses["Traceability"], calls.trace_register_product(pid, f"product {i}"), 250_000)
        for i, pid in enumerate(products)
    ]


def _evidence_leaves(first: dict[str, ContractTx], seed: int) -> tuple[bytes, ...]:
    """The leaves of the evidence batch stored in setup, whose proofs the verify kind checks."""
    if "Evidence" not in first:
        return ()
    rng = np.random.default_rng(seed)
    return tuple(keccak256(rng.bytes(32)) for _ in range(number(first["Evidence"], "k")))


def _merkle_root(leaves: tuple[bytes, ...]) -> bytes:
    if not leaves:
        return b""
    from bench.kernels import merkle_root  # numba: imported only by workloads that build Merkle trees

    return merkle_root(leaves, "openzeppelin")


def _evidence_setup(addresses: dict[str, bytes], root: bytes, count: int) -> list[SetupCall]:
    if "Evidence" not in addresses:
        return []
    return [SetupCall(addresses["Evidence"], calls.evidence_store_batch(root, count, "setup batch"), 250_000)]


def _batches(accounts: list[bytes]) -> list[list[bytes]]:
    return [accounts[i : i + ACCOUNTS_PER_CALL] for i in range(0, len(accounts), ACCOUNTS_PER_CALL)]


def _nft_setup(addresses: dict[str, bytes], accounts: list[bytes]) -> list[SetupCall]:
    """One NFT for every account (token i to account i), so transfers have tokens to move."""
    if "NFT" not in addresses:
        return []
    return [
        SetupCall(addresses["NFT"], calls.nft_mint_each(batch), 60_000 + len(batch) * 3 * SLOT_GAS)
        for batch in _batches(accounts)
    ]


def _amm_setup(addresses: dict[str, bytes], accounts: list[bytes]) -> list[SetupCall]:
    """Both pool tokens for every account (from account 0, which holds the supplies), then the first liquidity."""
    if "AMM" not in addresses:
        return []
    pool = addresses["AMM"]
    grants = [
        SetupCall(pool, calls.amm_distribute(batch, TOKENS_PER_ACCOUNT), 80_000 + len(batch) * 4 * SLOT_GAS)
        for batch in _batches(accounts)
    ]
    return [*grants, SetupCall(pool, calls.amm_start(POOL_LIQUIDITY, POOL_LIQUIDITY), 300_000)]
