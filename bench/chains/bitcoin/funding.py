"""Where the plan's fan-out takes its coin: a funder key's mature coins, or the node's loaded wallet.

A *funder* holds the key that signs the fan-out and answers, given what the fan-out needs, the coin it spends:

- `KeyFunder`: the largest mature coin of a key's P2WPKH address (`scantxoutset`), for `CHAINMARK_FUNDER_KEY`
  or the managed network's own funder key.
- `WalletFunder`: no key given, and the node has a wallet loaded: a key is derived for the run from the
  workload's seed (`keys.derive_funder_key`; kept in memory only, never written), and the wallet pays its
  address exactly what the fan-out needs (`sendtoaddress`); the fan-out then spends that unconfirmed
  output, and both confirm together. The wallet's payment is one more funding transaction.

`choose_funder` picks one: the key if given; else a loaded wallet; else, on regtest only, the managed
network's funder key; else one line saying what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.chains.bitcoin.keys import derive_funder_key, hash160, p2wpkh_address, p2wpkh_script, public_key_of
from bench.chains.bitcoin.signing import Utxo
from bench.errors import RpcError, TargetError
from bench.targets.rpc import RpcClient

SAT = 100_000_000
COINBASE_MATURITY = 100
NO_WALLET = (-18, -32601)  # no wallet loaded; wallet RPCs not compiled in or -disablewallet
WALLET_NOT_SPECIFIED = -19  # several wallets loaded and none named in the URL


@dataclass(frozen=True, slots=True)
class KeyFunder:
    """A key whose address already holds mature coins."""

    key: bytes = field(repr=False)
    source: str = "key"

    def coin(self, rpc: RpcClient, hrp: str, need: int) -> Utxo:
        """The key's largest mature coin (the fan-out's signer says if it is too small for `need`)."""
        address = p2wpkh_address(public_key_of(self.key), hrp)
        found = rpc.call("scantxoutset", "start", [f"addr({address})"])
        height = int(found.get("height", 0))
        mature = [
            u
            for u in found.get("unspents", [])
            if height - int(u["height"]) >= COINBASE_MATURITY or u.get("coinbase") is False
        ]
        if not mature:
            raise TargetError(
                f"the funder {address} has no spendable coin on the node: send it coins "
                "(CHAINMARK_FUNDER_KEY names its key), load a wallet on the node, or use the managed network"
            )
        best = max(mature, key=lambda u: float(u["amount"]))
        return Utxo(bytes.fromhex(best["txid"])[::-1], int(best["vout"]), _sat(best["amount"]))

    def paid_before(self) -> tuple[str, ...]:
        return ()


@dataclass(slots=True)
class WalletFunder:
    """The node's loaded wallet pays a key made for this run; `paid` holds the wallet's txid once it has."""

    key: bytes = field(repr=False)
    source: str = "wallet"
    paid: list[str] = field(default_factory=list)

    def coin(self, rpc: RpcClient, hrp: str, need: int) -> Utxo:
        """Have the wallet send `need` sat to the run's key; the output it made (unconfirmed)."""
        balance = _sat(rpc.call("getbalance"))
        if balance < need:
            raise TargetError(
                f"the node's wallet holds {balance / SAT:.8f} coins (confirmed), the run's funding needs "
                f"{need / SAT:.8f} plus the wallet's fee: fund the wallet, or plan fewer transactions"
            )
        public = public_key_of(self.key)
        txid = str(rpc.call("sendtoaddress", p2wpkh_address(public, hrp), f"{need / SAT:.8f}"))
        self.paid.append(txid)
        script = p2wpkh_script(hash160(public)).hex()
        for out in rpc.call("getrawtransaction", txid, True)["vout"]:
            if out["scriptPubKey"]["hex"] == script:
                return Utxo(bytes.fromhex(txid)[::-1], int(out["n"]), _sat(out["value"]))
        raise TargetError(f"the wallet's payment {txid} has no output to the run's funder")

    def paid_before(self) -> tuple[str, ...]:
        return tuple(self.paid)


Funder = KeyFunder | WalletFunder


def choose_funder(rpc: RpcClient, key: bytes | None, managed_key: bytes, chain: str, seed: int) -> Funder:
    """The given key; else the node's loaded wallet (paying the seed's funder key); else (regtest) the
    managed network's key."""
    if key is not None:
        return KeyFunder(key)
    try:
        rpc.call("getwalletinfo")
        return WalletFunder(derive_funder_key(seed))
    except RpcError as exc:
        if exc.code == WALLET_NOT_SPECIFIED:
            raise TargetError(
                "the node has several wallets loaded: name one in the target URL (.../wallet/NAME), "
                "or set CHAINMARK_FUNDER_KEY"
            ) from None
        if exc.code not in NO_WALLET:
            raise
        if chain == "regtest":
            return KeyFunder(managed_key, "managed")
        raise TargetError(
            f"no funder: CHAINMARK_FUNDER_KEY is not set and the node has no wallet loaded ({exc.code}: "
            f"{exc.rpc_message}); set the key (WIF or hex) of an address with mature coins, or load a wallet"
        ) from None


def _sat(coins: object) -> int:
    return round(float(str(coins)) * SAT)
