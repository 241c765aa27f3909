"""What became of a Bitcoin write never seen in a block, asked of the node after the window.

In the node's mempool (`getmempoolentry`): pending. Not there: dropped (without -txindex a node cannot
look up a confirmed transaction outside its wallet, and the observer saw every block of the run). A write
whose earlier spend in the same sender's chain was dropped or refused can never be valid, since it spends
that spend's change: nonce-gap, the UTXO analogue of a missing nonce.
"""

from __future__ import annotations

from collections.abc import Sequence

from bench.chains.base import UnseenCheck, Write
from bench.errors import RpcError
from bench.results.reasons import DROPPED, NONCE_GAP, PENDING
from bench.targets.rpc import RpcClient


def check_unseen(rpc: RpcClient, writes: Sequence[Write]) -> UnseenCheck:
    """A reason for each accepted write of `writes` never seen in a block."""
    unseen = [w for w in writes if not w.rejected]
    if not unseen:
        return UnseenCheck([], [], [], "none needed")
    held = {w.tx_id for w in unseen if _in_mempool(rpc, w.hash.hex())}
    lost: dict[str, list[int]] = {}
    for w in writes:
        if w.rejected or w.tx_id not in held:
            lost.setdefault(w.sender, []).append(w.nonce)
    first: dict[str, int] = {}
    for w in unseen:
        first[w.sender] = min(first.get(w.sender, w.nonce), w.nonce)
    rows = []
    for w in unseen:
        gap = any(n < w.nonce for n in lost.get(w.sender, ()))
        reason = NONCE_GAP if gap else PENDING if w.tx_id in held else DROPPED
        rows.append((w.tx_id, reason, w.nonce == first[w.sender]))
    return UnseenCheck(rows, [], [], "getmempoolentry")


def _in_mempool(rpc: RpcClient, display_txid: str) -> bool:
    try:
        rpc.call("getmempoolentry", display_txid)
    except RpcError:  # -5: not in the mempool
        return False
    return True
