"""What the plan knows of the benchmark contracts: where they live and their setup (fixed), and the state calls advance.

`ContractPlan` is decided once, before round 1, and never changes. `ContractState` is the part a call can
move forward (the next record an insert adds, the products registered, who holds each product): a frozen
value that a batch of calls takes and returns, so the plan can keep the state each round began from and
sign a round again from there.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SetupCall:
    """One setup transaction from account 0: `to` None deploys `data`."""

    to: bytes | None
    data: bytes
    gas: int


@dataclass(frozen=True, slots=True)
class ContractState:
    """Where the stateful kinds stand: the next KVStore record an insert adds, how many new products were
    registered, the next product a custody hop moves (round robin), and the account holding each product."""

    next_record: int = 0
    registered: int = 0
    next_product: int = 0
    custodians: tuple[int, ...] = ()
    nft_owners: tuple[int, ...] = ()  # the account holding each NFT minted in setup (token id = index)
    next_nft: int = 0  # the next of them an erc721-transfer moves (round robin)


@dataclass(frozen=True, slots=True)
class ContractPlan:
    """Where each contract lives, its setup from account 0, and what calls draw on: the workload's accounts,
    the products registered in setup, the evidence batch stored in setup, the head when the plan was made
    (logs-read asks for the logs from there); `start` is the state before round 1."""

    addresses: dict[str, bytes]
    setup: tuple[SetupCall, ...]
    account_addresses: tuple[bytes, ...]
    start: ContractState
    products: tuple[bytes, ...] = ()
    evidence_leaves: tuple[bytes, ...] = ()
    evidence_root: bytes = b""
    first_block: int = 0

    def eth_call(self, contract: str, data: bytes) -> bytes:
        """The JSON-RPC `"method"`/`"params"` fragment of a read of `contract`."""
        to = self.addresses[contract].hex()
        return b'"method":"eth_call","params":[{"to":"0x%s","data":"0x%s"},"latest"]' % (
            to.encode(),
            data.hex().encode(),
        )
