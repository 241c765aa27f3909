"""Funds the workload's accounts before round 1 and waits until the chain confirms it.

The money comes from the node's first unlocked dev account (`eth_sendTransaction`, as Anvil, Hardhat
and Geth --dev offer) or, on a real network, from a funder private key the caller passes in (read by
the CLI from an environment variable; it is never written anywhere).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from bench.chains.ethereum.keys import address_of
from bench.chains.ethereum.signing import SignJob, UnsignedTx, sign_job
from bench.errors import RunError
from bench.targets.rpc import RpcClient

BATCH = 200


def fund_accounts(
    rpc: RpcClient,
    addresses: list[bytes],
    needed_wei: list[int],
    *,
    chain_id: int,
    gas_price: int,
    dev_account: str | None,
    funder_key: bytes | None,
    timeout: float = 120.0,
) -> int:
    """Top every address up to its need; return how many transfers that took. Raises RunError on failure."""
    hexes = ["0x" + a.hex() for a in addresses]
    balances = [int(b, 16) for b in _batched(rpc, "eth_getBalance", [[h, "latest"] for h in hexes])]
    short = [
        (h, need - have) for h, need, have in zip(hexes, needed_wei, balances, strict=True) if have < need
    ]
    if not short:
        return 0
    if funder_key is not None:
        funder = "0x" + address_of(funder_key).hex()
        nonce = int(rpc.call("eth_getTransactionCount", funder, "pending"), 16)
        templates = tuple(UnsignedTx(bytes.fromhex(h[2:]), amount, 21_000, gas_price) for h, amount in short)
        raws = [raw for raw, _ in sign_job(SignJob(funder_key, nonce, templates, chain_id))]
        hashes = _batched(rpc, "eth_sendRawTransaction", [["0x" + r.hex()] for r in raws])
    elif dev_account is not None:
        nonce = int(rpc.call("eth_getTransactionCount", dev_account, "pending"), 16)
        # Explicit nonces: a node may process one batch's calls concurrently and give two the same nonce.
        calls = [
            [
                {
                    "from": dev_account,
                    "to": h,
                    "value": hex(amount),
                    "gas": hex(21_000),
                    "gasPrice": hex(gas_price),
                    "nonce": hex(nonce + i),
                }
            ]
            for i, (h, amount) in enumerate(short)
        ]
        hashes = _batched(rpc, "eth_sendTransaction", calls)
    else:
        raise RunError(
            "the target has no unlocked dev account to fund the workload accounts from; "
            "set CHAINMARK_FUNDER_KEY to a funded private key"
        )
    _wait_for_receipts(rpc, hashes, timeout)
    return len(short)


def send_and_confirm(rpc: RpcClient, raws: list[bytes], timeout: float = 300.0) -> None:
    """Send signed transactions in order and wait until every one is mined with status 1 (RunError otherwise)."""
    hashes = _batched(rpc, "eth_sendRawTransaction", [["0x" + r.hex()] for r in raws])
    _wait_for_receipts(rpc, hashes, timeout)


def _wait_for_receipts(rpc: RpcClient, hashes: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = list(hashes)
    while pending:
        receipts = _batched(rpc, "eth_getTransactionReceipt", [[h] for h in pending])
        failed = [r for r in receipts if r is not None and int(r["status"], 16) != 1]
        if failed:
            raise RunError(f"{len(failed)} funding or setup transactions reverted")
        pending = [h for h, r in zip(pending, receipts, strict=True) if r is None]
        if pending and time.monotonic() > deadline:
            raise RunError(f"{len(pending)} funding or setup transactions not confirmed within {timeout:g}s")
        if pending:
            time.sleep(0.1)


def _batched(rpc: RpcClient, method: str, params: Sequence[Sequence[Any]]) -> list[Any]:
    out: list[Any] = []
    for start in range(0, len(params), BATCH):
        out.extend(rpc.batch(method, params[start : start + BATCH]))
    return out
