"""What an Ethereum node says after the measured window: receipts, and the fate of writes never seen."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

from bench.chains.base import ReceiptRow, UnseenCheck, Write
from bench.chains.ethereum.unseen import check_unseen
from bench.targets.rpc import RpcClient
from bench.targets.url import Endpoint

RECEIPT_BATCH = 500  # receipts per batch request
RECEIPT_CONNECTIONS = 2  # batches in flight at once
RECEIPT_TIMEOUT_S = 120.0  # a batch of 500 receipts of a busy node's large block


class EthereumAfterWindow:
    """Receipts (`eth_getTransactionReceipt`, in batches over two connections) and the unseen check
    (bench.chains.ethereum.unseen), told what each planned write offered by `fee_caps`."""

    verification = (
        f"receipts fetched after the measured window (eth_getTransactionReceipt, batches of "
        f"{RECEIPT_BATCH} over {RECEIPT_CONNECTIONS} connections)"
    )

    def __init__(self, rpc: RpcClient, fee_caps: Callable[[], Mapping[bytes, int]] | None = None) -> None:
        self.rpc, self._fee_caps = rpc, fee_caps

    def record(self) -> dict[str, object]:
        """No block checks of its own beyond the observer's (summary.json has no `blocks` key)."""
        return {}

    def unseen(self, writes: Sequence[Write], seen_blocks: dict[int, float], now: float) -> UnseenCheck:
        caps = self._fee_caps() if self._fee_caps is not None else None
        return check_unseen(self.rpc, writes, seen_blocks, now, caps)

    def receipts(self, blocks: Sequence[int], tx_ids: dict[bytes, int]) -> list[ReceiptRow]:
        return fetch_receipts(self.rpc.endpoint, tx_ids)


def fetch_receipts(endpoint: Endpoint, tx_ids: dict[bytes, int]) -> list[ReceiptRow]:
    """Receipts (tx id, status, gas used) of the included transactions `tx_ids` (hash -> id).

    Batches of transaction receipts, not one `eth_getBlockReceipts` per block: on Anvil 1.7 a batch of a
    block's receipts by hash answers in about 60 % of the time of the block's receipts (1.5 s against
    2.5 s for a block of 2,000 transfers, measured here), and two connections keep the node's two cores
    busy (1.7x; four were slower on this 2-core machine). What remains is the node's own cost per receipt.
    A receipt the node does not have (a transaction reorganised out since) is left out."""
    hashes = ["0x" + h.hex() for h in tx_ids]
    chunks = [hashes[i : i + RECEIPT_BATCH] for i in range(0, len(hashes), RECEIPT_BATCH)]
    clients: list[RpcClient] = []
    local = threading.local()

    def fetch(chunk: list[str]) -> list[ReceiptRow]:
        if not hasattr(local, "rpc"):
            local.rpc = RpcClient(endpoint, timeout=RECEIPT_TIMEOUT_S)
            clients.append(local.rpc)
        receipts = local.rpc.batch("eth_getTransactionReceipt", [[h] for h in chunk])
        return [
            (tx_ids[bytes.fromhex(r["transactionHash"][2:])], int(r["status"], 16), int(r["gasUsed"], 16))
            for r in receipts
            if r is not None
        ]

    try:
        with ThreadPoolExecutor(RECEIPT_CONNECTIONS, thread_name_prefix="receipts") as pool:
            return [row for rows in pool.map(fetch, chunks) for row in rows]
    finally:
        for rpc in clients:
            rpc.close()
