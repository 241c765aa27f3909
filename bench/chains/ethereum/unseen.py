"""Asks the node, after the measured window, what became of each accepted write never seen in a block.

Batched, and only after the window (never while the node is being measured):
  - `eth_getTransactionByHash` for each: a block number means it was included after all
    (`included-late`: recorded as an inclusion, seen when this check learnt of it unless its block had
    been seen before); no answer means the node no longer knows it;
  - `txpool_inspect` where the node offers it, for whether a held write is executable (`pending`) or
    not (`queued`); elsewhere a held write is pending when every nonce between its sender's chain nonce
    and its own is held too;
  - `eth_getTransactionCount(sender, "latest")` for each sender, the chain's next nonce;
  - where the plan says what a write offered (its fee cap: `maxFeePerGas`, or a legacy gas price), the base
    fees of the blocks the observer saw and of the latest block: a write the node no longer knows whose cap
    fell below the run's highest base fee, or one it holds whose cap is below the latest base fee, is
    `priced-out` (Anvil drops such a write as the base fee passes its cap; a held one waits for it to fall).
An unknown write is `dropped`, unless an earlier nonce of the same sender (still unused on chain) was
dropped or rejected at submission: then it can never be included, which is `nonce-gap` (whether the node
still holds it or not).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bench.chains.base import BlockRow, InclusionRow, UnseenCheck, Write
from bench.chains.ethereum.heads import block_row
from bench.errors import RpcError
from bench.results.reasons import DROPPED, INCLUDED_LATE, NONCE_GAP, PENDING, PRICED_OUT, QUEUED
from bench.targets.rpc import RpcClient

BATCH = 500


def check_unseen(
    rpc: RpcClient,
    writes: Sequence[Write],
    seen_blocks: dict[int, float],
    now: float,
    fee_caps: Mapping[bytes, int] | None = None,
) -> UnseenCheck:
    """Classify every unseen write of `writes`; `seen_blocks` maps block numbers the observer saw to
    their sight times, `now` is when this check runs, `fee_caps` what the plan's writes offered (by hash)."""
    unseen = [w for w in writes if not w.rejected]
    if not unseen:
        return UnseenCheck([], [], [], "none needed")
    found = _lookup(rpc, writes)
    pool = _pool(rpc)
    senders = sorted({w.sender for w in unseen})
    chain = dict(
        zip(
            senders,
            (int(n, 16) for n in _batch(rpc, "eth_getTransactionCount", [[s, "latest"] for s in senders])),
            strict=True,
        )
    )
    numbers = {w.tx_id: _block_number(found.get(w.tx_id)) for w in unseen}
    late = {tx: number for tx, number in numbers.items() if number is not None}
    held = {(w.sender, w.nonce) for w in writes if found.get(w.tx_id) is not None and w.tx_id not in late}
    lost = {(w.sender, w.nonce) for w in writes if found.get(w.tx_id) is None}
    priced_out = _priced_out(rpc, unseen, fee_caps or {}, found, seen_blocks)
    rows = []
    for w in unseen:
        reason = INCLUDED_LATE if w.tx_id in late else _reason(w, chain[w.sender], held, lost, pool)
        if reason != INCLUDED_LATE and w.tx_id in priced_out:
            reason = PRICED_OUT
        rows.append((w.tx_id, reason, w.nonce == chain[w.sender]))
    blocks, inclusions = _late_inclusions(rpc, late, seen_blocks, now)
    return UnseenCheck(rows, inclusions, blocks, "txpool_inspect" if pool is not None else "nonces")


def _reason(
    w: Write,
    chain_nonce: int,
    held: set[tuple[str, int]],
    lost: set[tuple[str, int]],
    pool: dict[tuple[str, int], str] | None,
) -> str:
    gap = any((w.sender, n) in lost for n in range(chain_nonce, w.nonce))
    if gap:
        return NONCE_GAP
    if (w.sender, w.nonce) not in held:
        return DROPPED
    if pool is not None and (w.sender, w.nonce) in pool:
        return pool[(w.sender, w.nonce)]
    executable = all((w.sender, n) in held for n in range(chain_nonce, w.nonce))
    return PENDING if executable and w.nonce >= chain_nonce else QUEUED


def _priced_out(
    rpc: RpcClient,
    unseen: Sequence[Write],
    fee_caps: Mapping[bytes, int],
    found: dict[int, dict[str, Any] | None],
    seen_blocks: dict[int, float],
) -> set[int]:
    """The unseen writes whose fee cap the base fee passed: below the latest block's if the node holds them,
    below the highest of the run's blocks if it no longer knows them."""
    capped = {w.tx_id: fee_caps[w.hash] for w in unseen if w.hash in fee_caps}
    if not capped:
        return set()
    numbers = [[hex(n), False] for n in sorted(seen_blocks)] + [["latest", False]]
    fees = [_base_fee(b) for b in _batch(rpc, "eth_getBlockByNumber", numbers)]
    latest, peak = fees[-1], max(fees)
    return {tx for tx, cap in capped.items() if cap < (latest if found.get(tx) is not None else peak)}


def _base_fee(block: dict[str, Any] | None) -> int:
    """A block's base fee (0 on a node without EIP-1559, or a block the node no longer has)."""
    return int(str((block or {}).get("baseFeePerGas") or "0x0"), 16)


def _block_number(tx: dict[str, Any] | None) -> int | None:
    """The number of the block holding `tx` (an eth_getTransactionByHash answer), None if in none."""
    number = tx.get("blockNumber") if tx is not None else None
    return None if number is None else int(str(number), 16)


def _lookup(rpc: RpcClient, writes: Sequence[Write]) -> dict[int, dict[str, Any] | None]:
    """eth_getTransactionByHash of each write (None: the node does not know it)."""
    answers = _batch(rpc, "eth_getTransactionByHash", [["0x" + w.hash.hex()] for w in writes])
    return {w.tx_id: a for w, a in zip(writes, answers, strict=True)}


def _pool(rpc: RpcClient) -> dict[tuple[str, int], str] | None:
    """(sender, nonce) -> pending / queued from `txpool_inspect`, or None where the node has no txpool API."""
    try:
        content = rpc.call("txpool_inspect")
    except RpcError:
        return None
    if not isinstance(content, dict):
        return None
    out = {}
    for state in (PENDING, QUEUED):
        for sender, by_nonce in (content.get(state) or {}).items():
            for nonce in by_nonce or {}:
                out[(sender.lower(), int(nonce))] = state
    return out


def _late_inclusions(
    rpc: RpcClient, late: dict[int, int], seen_blocks: dict[int, float], now: float
) -> tuple[list[BlockRow], list[InclusionRow]]:
    """Block rows (for blocks the observer never saw, seen `now`) and inclusion rows of the late writes."""
    missing = sorted(set(late.values()) - set(seen_blocks))
    blocks = [
        block_row(b, now)
        for b in _batch(rpc, "eth_getBlockByNumber", [[hex(n), False] for n in missing])
        if b
    ]
    inclusions = [(tx, number, seen_blocks.get(number, now)) for tx, number in sorted(late.items())]
    return blocks, inclusions


def _batch(rpc: RpcClient, method: str, params: list[list[Any]]) -> list[Any]:
    out: list[Any] = []
    for start in range(0, len(params), BATCH):
        out.extend(rpc.batch(method, params[start : start + BATCH]))
    return out
