"""Calldata for the benchmark contracts: pure builders per contract function, and decoders of their results.

A builder returns the bytes of a transaction's (or an eth_call's) `data` field: the 4-byte selector
(Keccak-256 of the canonical signature) followed by the ABI-encoded arguments. Addresses are 20 raw
bytes, hashes and ids 32 raw bytes. Nothing here touches a node; the plan signs what these return.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_abi import decode, encode
from eth_utils import function_signature_to_4byte_selector

from bench.contracts import Artifact


@dataclass(frozen=True, slots=True)
class Function:
    """One contract function by its canonical signature, e.g. "transfer(address,uint256)"."""

    contract: str
    signature: str
    types: tuple[str, ...] = field(init=False)
    selector: bytes = field(init=False)

    def __post_init__(self) -> None:
        inner = self.signature[self.signature.index("(") + 1 : -1]
        object.__setattr__(self, "types", tuple(inner.split(",")) if inner else ())
        object.__setattr__(self, "selector", function_signature_to_4byte_selector(self.signature))

    def encode(self, *args: Any) -> bytes:
        """The calldata calling this function with `args`."""
        return self.selector + encode(list(self.types), list(args))


ERC20_TRANSFER = Function("ERC20", "transfer(address,uint256)")
ERC20_APPROVE = Function("ERC20", "approve(address,uint256)")
ERC20_TRANSFER_FROM = Function("ERC20", "transferFrom(address,address,uint256)")
ERC20_BALANCE_OF = Function("ERC20", "balanceOf(address)")
ERC20_TOTAL_SUPPLY = Function("ERC20", "totalSupply()")
KV_INSERT = Function("KVStore", "insert(bytes,bytes)")
KV_UPDATE = Function("KVStore", "update(bytes,bytes)")
KV_READ_MODIFY_WRITE = Function("KVStore", "readModifyWrite(bytes,bytes)")
KV_READ = Function("KVStore", "read(bytes)")
KV_SCAN = Function("KVStore", "scan(bytes,uint256)")
KV_RECORD_COUNT = Function("KVStore", "recordCount()")
SMALLBANK_OPEN_ACCOUNTS = Function("SmallBank", "openAccounts(uint256,uint256,int256,int256)")
SMALLBANK_AMALGAMATE = Function("SmallBank", "amalgamate(uint256,uint256)")
SMALLBANK_BALANCE = Function("SmallBank", "balance(uint256)")
SMALLBANK_DEPOSIT_CHECKING = Function("SmallBank", "depositChecking(uint256,int256)")
SMALLBANK_SEND_PAYMENT = Function("SmallBank", "sendPayment(uint256,uint256,int256)")
SMALLBANK_TRANSACT_SAVINGS = Function("SmallBank", "transactSavings(uint256,int256)")
SMALLBANK_WRITE_CHECK = Function("SmallBank", "writeCheck(uint256,int256)")
DONOTHING_NOTHING = Function("DoNothing", "nothing()")
CPUHEAVY_SORT = Function("CPUHeavy", "sort(uint256,uint256)")
CPUHEAVY_SORTED = Function("CPUHeavy", "sorted(uint256,uint256)")
IOHEAVY_WRITE = Function("IOHeavy", "write(uint256,uint256,uint256)")
IOHEAVY_SCAN = Function("IOHeavy", "scan(uint256,uint256)")
EVIDENCE_STORE = Function("Evidence", "store(bytes32,string)")
EVIDENCE_STORE_BATCH = Function("Evidence", "storeBatch(bytes32,uint256,string)")
EVIDENCE_VERIFY = Function("Evidence", "verify(bytes32,bytes32,bytes32[],uint256)")
EVIDENCE_DEPOSIT = Function("Evidence", "deposit(bytes32)")
TRACE_REGISTER_PRODUCT = Function("Traceability", "registerProduct(bytes32,string)")
TRACE_TRANSFER_CUSTODY = Function("Traceability", "transferCustody(bytes32,address,string)")
TRACE_CUSTODIAN_OF = Function("Traceability", "custodianOf(bytes32)")
TRACE_HISTORY_LENGTH = Function("Traceability", "historyLength(bytes32)")
TRACE_HISTORY_AT = Function("Traceability", "historyAt(bytes32,uint256)")
STORAGE_WRITE = Function("Storage", "write(uint256)")
STORAGE_SLOTS_WRITTEN = Function("Storage", "slotsWritten()")
STORAGE_SLOT_AT = Function("Storage", "slotAt(uint256)")
BURNER_BURN = Function("Burner", "burn()")
BURNER_BURNS = Function("Burner", "burns()")
REVERTER_FAIL = Function("Reverter", "fail()")
REVERTER_CALLS = Function("Reverter", "calls()")
NFT_MINT = Function("NFT", "mint()")
NFT_MINT_EACH = Function("NFT", "mintEach(address[])")
NFT_TRANSFER_FROM = Function("NFT", "transferFrom(address,address,uint256)")
NFT_OWNER_OF = Function("NFT", "ownerOf(uint256)")
NFT_BALANCE_OF = Function("NFT", "balanceOf(address)")
NFT_TOTAL_SUPPLY = Function("NFT", "totalSupply()")
AMM_DISTRIBUTE = Function("AMM", "distribute(address[],uint256)")
AMM_START = Function("AMM", "start(uint256,uint256)")
AMM_ADD_LIQUIDITY = Function("AMM", "addLiquidity(uint256)")
AMM_SWAP = Function("AMM", "swap(bool,uint256)")
AMM_RESERVE0 = Function("AMM", "reserve0()")
AMM_RESERVE1 = Function("AMM", "reserve1()")
AMM_TOTAL_SHARES = Function("AMM", "totalShares()")
AMM_TOKEN0 = Function("AMM", "token0()")
AMM_TOKEN1 = Function("AMM", "token1()")

FUNCTIONS = tuple(value for value in dict(globals()).values() if isinstance(value, Function))


def deploy_data(artifact: Artifact, *constructor_args: Any) -> bytes:
    """The `data` of the transaction deploying `artifact`: its bytecode, then the encoded constructor args."""
    inputs: list[dict[str, Any]] = next(
        (item["inputs"] for item in artifact.abi if item["type"] == "constructor"), []
    )
    if len(inputs) != len(constructor_args):
        raise ValueError(
            f"{artifact.name} constructor takes {len(inputs)} arguments, got {len(constructor_args)}"
        )
    return artifact.bytecode + encode([i["type"] for i in inputs], list(constructor_args))


# ERC20


def erc20_transfer(to: bytes, amount: int) -> bytes:
    return ERC20_TRANSFER.encode(to, amount)


def erc20_approve(spender: bytes, amount: int) -> bytes:
    return ERC20_APPROVE.encode(spender, amount)


def erc20_transfer_from(owner: bytes, to: bytes, amount: int) -> bytes:
    return ERC20_TRANSFER_FROM.encode(owner, to, amount)


def erc20_balance_of(owner: bytes) -> bytes:
    return ERC20_BALANCE_OF.encode(owner)


def erc20_total_supply() -> bytes:
    return ERC20_TOTAL_SUPPLY.encode()


# KVStore


def kv_insert(key: bytes, value: bytes) -> bytes:
    return KV_INSERT.encode(key, value)


def kv_update(key: bytes, value: bytes) -> bytes:
    return KV_UPDATE.encode(key, value)


def kv_read_modify_write(key: bytes, value: bytes) -> bytes:
    return KV_READ_MODIFY_WRITE.encode(key, value)


def kv_read(key: bytes) -> bytes:
    return KV_READ.encode(key)


def kv_scan(start_key: bytes, count: int) -> bytes:
    return KV_SCAN.encode(start_key, count)


def kv_record_count() -> bytes:
    return KV_RECORD_COUNT.encode()


# SmallBank (customers are uint256 ids, amounts signed)


def smallbank_open_accounts(first: int, count: int, checking: int, savings: int) -> bytes:
    return SMALLBANK_OPEN_ACCOUNTS.encode(first, count, checking, savings)


def smallbank_amalgamate(from_customer: int, to_customer: int) -> bytes:
    return SMALLBANK_AMALGAMATE.encode(from_customer, to_customer)


def smallbank_balance(customer: int) -> bytes:
    return SMALLBANK_BALANCE.encode(customer)


def smallbank_deposit_checking(customer: int, amount: int) -> bytes:
    return SMALLBANK_DEPOSIT_CHECKING.encode(customer, amount)


def smallbank_send_payment(from_customer: int, to_customer: int, amount: int) -> bytes:
    return SMALLBANK_SEND_PAYMENT.encode(from_customer, to_customer, amount)


def smallbank_transact_savings(customer: int, amount: int) -> bytes:
    return SMALLBANK_TRANSACT_SAVINGS.encode(customer, amount)


def smallbank_write_check(customer: int, amount: int) -> bytes:
    return SMALLBANK_WRITE_CHECK.encode(customer, amount)


# DoNothing, CPUHeavy, IOHeavy (the BLOCKBENCH micro workloads)


def donothing_nothing() -> bytes:
    return DONOTHING_NOTHING.encode()


def cpuheavy_sort(n: int, seed: int) -> bytes:
    return CPUHEAVY_SORT.encode(n, seed)


def cpuheavy_sorted(n: int, seed: int) -> bytes:
    """The same sort as a pure function, for eth_call (no event)."""
    return CPUHEAVY_SORTED.encode(n, seed)


def ioheavy_write(start_key: int, n: int, seed: int) -> bytes:
    return IOHEAVY_WRITE.encode(start_key, n, seed)


def ioheavy_scan(start_key: int, n: int) -> bytes:
    return IOHEAVY_SCAN.encode(start_key, n)


# Evidence


def evidence_store(document_hash: bytes, metadata: str) -> bytes:
    return EVIDENCE_STORE.encode(document_hash, metadata)


def evidence_store_batch(root: bytes, count: int, metadata: str) -> bytes:
    return EVIDENCE_STORE_BATCH.encode(root, count, metadata)


def evidence_verify(root: bytes, leaf: bytes, proof: Sequence[bytes], index: int) -> bytes:
    return EVIDENCE_VERIFY.encode(root, leaf, list(proof), index)


def evidence_deposit(hash_: bytes) -> bytes:
    return EVIDENCE_DEPOSIT.encode(hash_)


# Traceability (product ids are 32 bytes)


def trace_register_product(product_id: bytes, metadata: str) -> bytes:
    return TRACE_REGISTER_PRODUCT.encode(product_id, metadata)


def trace_transfer_custody(product_id: bytes, to: bytes, note: str) -> bytes:
    return TRACE_TRANSFER_CUSTODY.encode(product_id, to, note)


def trace_custodian_of(product_id: bytes) -> bytes:
    return TRACE_CUSTODIAN_OF.encode(product_id)


def trace_history_length(product_id: bytes) -> bytes:
    return TRACE_HISTORY_LENGTH.encode(product_id)


def trace_history_at(product_id: bytes, index: int) -> bytes:
    return TRACE_HISTORY_AT.encode(product_id, index)


# Decoders of eth_call results (the raw return data)


@dataclass(frozen=True, slots=True)
class EvidenceDeposit:
    """What `Evidence.deposit(hash)` returns; count 0 means nothing is stored under the hash."""

    depositor: bytes
    timestamp: int
    count: int
    metadata: str


@dataclass(frozen=True, slots=True)
class CustodyEntry:
    """One entry of a product's custody history; `from_address` is 20 zero bytes for the registration."""

    from_address: bytes
    to_address: bytes
    timestamp: int
    note: str


def _address(value: str) -> bytes:
    return bytes.fromhex(value[2:])


def decode_uint(data: bytes) -> int:
    """A single uint256 result (balanceOf, totalSupply, recordCount, historyLength, sort)."""
    return int(decode(["uint256"], data)[0])


def decode_int(data: bytes) -> int:
    """A single int256 result (SmallBank balance)."""
    return int(decode(["int256"], data)[0])


def decode_bool(data: bytes) -> bool:
    """A single bool result (Evidence verify)."""
    return bool(decode(["bool"], data)[0])


def decode_address(data: bytes) -> bytes:
    """A single address result (custodianOf), as 20 bytes."""
    return _address(decode(["address"], data)[0])


def decode_bytes(data: bytes) -> bytes:
    """A single bytes result (KVStore readModifyWrite: the value it replaced)."""
    return bytes(decode(["bytes"], data)[0])


def decode_uint_list(data: bytes) -> list[int]:
    """A uint256[] result (IOHeavy scan)."""
    return [int(v) for v in decode(["uint256[]"], data)[0]]


def decode_kv_read(data: bytes) -> bytes | None:
    """KVStore read: the value, or None when the key is absent."""
    found, value = decode(["bool", "bytes"], data)
    return bytes(value) if found else None


def decode_kv_scan(data: bytes) -> list[tuple[bytes, bytes]]:
    """KVStore scan: (key, value) pairs in the table's order."""
    keys, values = decode(["bytes[]", "bytes[]"], data)
    return [(bytes(k), bytes(v)) for k, v in zip(keys, values, strict=True)]


def decode_evidence_deposit(data: bytes) -> EvidenceDeposit:
    depositor, timestamp, count, metadata = decode(["address", "uint256", "uint256", "string"], data)
    return EvidenceDeposit(_address(depositor), int(timestamp), int(count), str(metadata))


def decode_custody_entry(data: bytes) -> CustodyEntry:
    from_address, to_address, timestamp, note = decode(["address", "address", "uint256", "string"], data)
    return CustodyEntry(_address(from_address), _address(to_address), int(timestamp), str(note))


# Storage, Burner, Reverter: the storage-write, fill-block and revert scenarios


def storage_write(slots: int) -> bytes:
    return STORAGE_WRITE.encode(slots)


def burner_burn() -> bytes:
    return BURNER_BURN.selector


def reverter_fail() -> bytes:
    return REVERTER_FAIL.selector


# NFT (ERC-721)


def nft_mint() -> bytes:
    return NFT_MINT.selector


def nft_mint_each(to: Sequence[bytes]) -> bytes:
    return NFT_MINT_EACH.encode(list(to))


def nft_transfer_from(owner: bytes, to: bytes, token_id: int) -> bytes:
    return NFT_TRANSFER_FROM.encode(owner, to, token_id)


def nft_owner_of(token_id: int) -> bytes:
    return NFT_OWNER_OF.encode(token_id)


# AMM (a constant-product pool of two ERC-20 tokens)


def amm_distribute(to: Sequence[bytes], amount: int) -> bytes:
    return AMM_DISTRIBUTE.encode(list(to), amount)


def amm_start(amount0: int, amount1: int) -> bytes:
    return AMM_START.encode(amount0, amount1)


def amm_add_liquidity(amount0: int) -> bytes:
    return AMM_ADD_LIQUIDITY.encode(amount0)


def amm_swap(zero_for_one: bool, amount_in: int) -> bytes:
    return AMM_SWAP.encode(zero_for_one, amount_in)
