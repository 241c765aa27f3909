"""What an Ethereum node says after the measured window: receipts, and the fate of writes never seen."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from bench.chains.base import ReceiptRow, UnseenCheck, Write
from bench.chains.ethereum.unseen import check_unseen
from bench.errors import RpcError
from bench.targets.rpc import RpcClient


class EthereumAfterWindow:
    """Receipts by block (`eth_getBlockReceipts`, else one `eth_getTransactionReceipt` each) and the
    unseen check (bench.chains.ethereum.unseen), told what each planned write offered by `fee_caps`."""

    verification = "receipts fetched after the measured window (eth_getBlockReceipts)"

    def __init__(self, rpc: RpcClient, fee_caps: Callable[[], Mapping[bytes, int]] | None = None) -> None:
        self.rpc, self._fee_caps = rpc, fee_caps

    def unseen(self, writes: Sequence[Write], seen_blocks: dict[int, float], now: float) -> UnseenCheck:
        caps = self._fee_caps() if self._fee_caps is not None else None
        return check_unseen(self.rpc, writes, seen_blocks, now, caps)

    def receipts(self, blocks: Sequence[int], tx_ids: dict[bytes, int]) -> list[ReceiptRow]:
        return fetch_receipts(self.rpc, blocks, tx_ids)


def fetch_receipts(rpc: RpcClient, blocks: Sequence[int], tx_ids: dict[bytes, int]) -> list[ReceiptRow]:
    """Receipts (tx id, status, gas used) of the watched transactions in `blocks`, after the window."""
    out = []
    for number in blocks:
        try:
            receipts = rpc.call("eth_getBlockReceipts", hex(number))
        except RpcError:
            receipts = None
        if receipts is None:  # the node has no eth_getBlockReceipts: one receipt per transaction
            block = rpc.call("eth_getBlockByNumber", hex(number), False)
            ours = [h for h in block["transactions"] if bytes.fromhex(h[2:]) in tx_ids]
            receipts = rpc.batch("eth_getTransactionReceipt", [[h] for h in ours])
        for receipt in receipts:
            tx_id = tx_ids.get(bytes.fromhex(receipt["transactionHash"][2:]))
            if tx_id is not None:
                out.append((tx_id, int(receipt["status"], 16), int(receipt["gasUsed"], 16)))
    return out
