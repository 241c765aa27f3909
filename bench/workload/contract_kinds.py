"""The benchmark-contract transaction kinds as a workload names them: one frozen record per name, in one registry.

A `ContractKind` says which contract a kind calls, whether it is a read (an eth_call, measured apart) or a
write, and the parameters it takes with their bounds and defaults. The loader reads a kind through its
record, the JSON Schema describes it from the same record, and a chain's planner (for Ethereum,
`bench.chains.ethereum.kinds`) keys its calldata, gas and sender rules by the same names; a test checks
that the two registries name the same kinds. Adding a kind: its record here, one line in CONTRACT_KINDS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.contracts.ycsb import DEFAULT_FIELD_LENGTH, DEFAULT_RECORD_COUNT
from bench.workload.choice import CHOICE_SCHEMA, read_choice
from bench.workload.reader import Reader
from bench.workload.spec import Choice, ContractTx


@dataclass(frozen=True, slots=True)
class Bounded:
    """An integer parameter: accepted from `low` to `high` (inclusive), `default` when the workload leaves it out."""

    name: str
    low: int
    high: int
    default: int

    def read(self, reader: Reader) -> int:
        return reader.integer(self.low, self.high)

    def schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": self.low, "maximum": self.high, "default": self.default}


@dataclass(frozen=True, slots=True)
class Picked:
    """A choice-distribution parameter (which account, key or customer a call picks); uniform when left out."""

    name: str

    def read(self, reader: Reader) -> Choice:
        return read_choice(reader)

    def schema(self) -> dict[str, Any]:
        return CHOICE_SCHEMA


Param = Bounded | Picked


@dataclass(frozen=True, slots=True)
class ContractKind:
    """One contract transaction kind: the contract it calls, read or write, and its parameters (in the order an
    error lists them)."""

    contract: str
    read: bool
    params: tuple[Param, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)


_KV = (
    Bounded("record_count", 1, 1_000_000, DEFAULT_RECORD_COUNT),
    Bounded("field_length", 1, 4096, DEFAULT_FIELD_LENGTH),
    Picked("key"),
)
_BANK = (Bounded("customers", 2, 1_000_000, 1000), Bounded("amount", 1, 10**9, 1), Picked("customer"))
_IO = (Bounded("n", 1, 1000, 10), Bounded("keys", 1, 10**9, 100_000))
_BATCH = (Bounded("k", 1, 4096, 64),)
_PRODUCTS = (Bounded("products", 1, 100_000, 1000),)
_AMM = (Bounded("amount", 1, 10**21, 10**18),)  # token units (18 decimals) swapped in, or token0 added

CONTRACT_KINDS: dict[str, ContractKind] = {
    "erc20-transfer": ContractKind("ERC20", False, (Bounded("amount", 1, 10**18, 1), Picked("to"))),
    "erc20-balance": ContractKind("ERC20", True, (Picked("of"),)),
    "donothing": ContractKind("DoNothing", False),
    "cpuheavy": ContractKind("CPUHeavy", False, (Bounded("n", 1, 5000, 100),)),
    "ioheavy-write": ContractKind("IOHeavy", False, _IO),
    "ioheavy-scan": ContractKind("IOHeavy", True, _IO),
    "kv-read": ContractKind("KVStore", True, _KV),
    "kv-update": ContractKind("KVStore", False, _KV),
    "kv-insert": ContractKind("KVStore", False, _KV),
    "kv-scan": ContractKind("KVStore", True, (*_KV, Bounded("max_scan", 1, 1000, 100))),
    "kv-rmw": ContractKind("KVStore", False, _KV),
    "smallbank-amalgamate": ContractKind("SmallBank", False, _BANK),
    "smallbank-balance": ContractKind("SmallBank", True, _BANK),
    "smallbank-deposit-checking": ContractKind("SmallBank", False, _BANK),
    "smallbank-send-payment": ContractKind("SmallBank", False, _BANK),
    "smallbank-transact-savings": ContractKind("SmallBank", False, _BANK),
    "smallbank-write-check": ContractKind("SmallBank", False, _BANK),
    "evidence-store": ContractKind("Evidence", False),
    "evidence-batch": ContractKind("Evidence", False, _BATCH),
    "evidence-verify": ContractKind("Evidence", True, _BATCH),
    "trace-register": ContractKind("Traceability", False),
    "trace-transfer": ContractKind("Traceability", False, _PRODUCTS),
    "trace-history": ContractKind("Traceability", True, _PRODUCTS),
    # issue 15's scenarios: storage, gas and failure, an NFT collection, a constant-product pool, and reads
    "storage-write": ContractKind("Storage", False, (Bounded("slots", 1, 1000, 10),)),
    "fill-block": ContractKind("Burner", False, (Bounded("gas", 100_000, 100_000_000, 1_000_000),)),
    "revert": ContractKind("Reverter", False),
    "erc721-mint": ContractKind("NFT", False),
    "erc721-transfer": ContractKind("NFT", False),
    "amm-swap": ContractKind("AMM", False, _AMM),
    "amm-add-liquidity": ContractKind("AMM", False, _AMM),
    "logs-read": ContractKind("ERC20", True, (Picked("of"),)),
    "estimate-gas": ContractKind("ERC20", True, (Bounded("amount", 1, 10**18, 1), Picked("to"))),
}

# A contract's integer defaults, for the kinds of it that do not take the parameter themselves: the setup
# sizes a contract by the first kind naming it, and trace-register (no `products`) or evidence-store (no `k`)
# may be that kind. Kinds of one contract agree on a shared parameter (a test checks).
_CONTRACT_DEFAULTS = {
    (kind.contract, p.name): p.default
    for kind in CONTRACT_KINDS.values()
    for p in kind.params
    if isinstance(p, Bounded)
}


def contract_tx(name: str, params: tuple[tuple[str, Any], ...] = ()) -> ContractTx:
    """The call of kind `name` with `params` (already read and in bounds), sorted as the workload keeps them."""
    kind = CONTRACT_KINDS[name]
    return ContractTx(kind=name, contract=kind.contract, read=kind.read, params=tuple(sorted(params)))


def number(tx: ContractTx, name: str) -> int:
    """Integer parameter `name` of a call: as the workload gave it, else its default (its contract's, for a kind
    that does not take it)."""
    given = tx.get(name)
    return int(given) if given is not None else _CONTRACT_DEFAULTS[tx.contract, name]


def choice(tx: ContractTx, name: str) -> Choice:
    """Choice parameter `name` of a call: as the workload gave it, else uniform."""
    given = tx.get(name)
    assert given is None or isinstance(given, Choice), f"{tx.kind}.{name} is a choice"
    return given or Choice()
