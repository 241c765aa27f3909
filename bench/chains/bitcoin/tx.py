"""Serializes transactions as Bitcoin Core does (BIP144), and derives their txid, wtxid, weight and vsize.

Terms: an *outpoint* names an output by (txid, vout); a txid is the double SHA-256 of the transaction
without its witness, in internal byte order (`display_id` reverses it into the hex that nodes print);
the wtxid hashes the full serialization. Weight (BIP141) is 3 x the size without witness plus the full
size; virtual size is weight / 4 rounded up, the unit of fee rates (sat/vB).

The records are general (any version, scriptSig, witness); `bench.chains.bitcoin.signing` builds its
P2WPKH spends from the same encoders, on pre-encoded pieces.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from bench.chains.bitcoin.keys import p2wpkh_script

VERSION = 2
SEQUENCE_FINAL = 0xFFFFFFFF  # no relative lock time (BIP68), no replace-by-fee signal (BIP125)
OP_RETURN = 0x6A
WITNESS_SCALE = 4


@dataclass(frozen=True, slots=True)
class OutPoint:
    """An output of an earlier transaction: its txid (internal byte order) and index."""

    txid: bytes
    vout: int


@dataclass(frozen=True, slots=True)
class TxIn:
    """An input: the outpoint it spends, its scriptSig (empty for native segwit) and its sequence."""

    prevout: OutPoint
    script_sig: bytes = b""
    sequence: int = SEQUENCE_FINAL


@dataclass(frozen=True, slots=True)
class TxOut:
    """An output: an amount in satoshis and the scriptPubKey that can spend it."""

    amount: int
    script: bytes


@dataclass(frozen=True, slots=True)
class Tx:
    """A transaction; `witnesses` holds one stack per input, or is empty for a transaction without witness."""

    inputs: tuple[TxIn, ...]
    outputs: tuple[TxOut, ...]
    witnesses: tuple[tuple[bytes, ...], ...] = ()
    version: int = VERSION
    locktime: int = 0


def sha256d(data: bytes) -> bytes:
    """SHA-256 of SHA-256: txids, BIP143's hashes and the sighash itself."""
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def compact_size(n: int) -> bytes:
    """Bitcoin's variable-length integer (the count before a list or a byte string)."""
    if n < 0xFD:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + n.to_bytes(2, "little")
    if n <= 0xFFFFFFFF:
        return b"\xfe" + n.to_bytes(4, "little")
    return b"\xff" + n.to_bytes(8, "little")


def encode_outpoint(txid: bytes, vout: int) -> bytes:
    return txid + vout.to_bytes(4, "little")


def encode_input(txin: TxIn) -> bytes:
    return (
        encode_outpoint(txin.prevout.txid, txin.prevout.vout)
        + compact_size(len(txin.script_sig))
        + txin.script_sig
        + txin.sequence.to_bytes(4, "little")
    )


def encode_output(txout: TxOut) -> bytes:
    return txout.amount.to_bytes(8, "little") + compact_size(len(txout.script)) + txout.script


def encode_witness(stack: tuple[bytes, ...]) -> bytes:
    return compact_size(len(stack)) + b"".join(compact_size(len(item)) + item for item in stack)


def encode_body(tx: Tx) -> bytes:
    """Inputs and outputs with their counts: what lies between the version and the witness."""
    return (
        compact_size(len(tx.inputs))
        + b"".join(encode_input(i) for i in tx.inputs)
        + compact_size(len(tx.outputs))
        + b"".join(encode_output(o) for o in tx.outputs)
    )


def has_witness(tx: Tx) -> bool:
    """BIP144: the extended form is used only if some input has a non-empty witness."""
    return any(tx.witnesses)


def serialize(tx: Tx, *, witness: bool = True) -> bytes:
    """The transaction's bytes: BIP144's extended form (marker 0x00, flag 0x01, witnesses) when it has a
    witness and `witness` is True, else the legacy form that the txid hashes."""
    version, locktime = tx.version.to_bytes(4, "little"), tx.locktime.to_bytes(4, "little")
    if not (witness and has_witness(tx)):
        return version + encode_body(tx) + locktime
    if len(tx.witnesses) != len(tx.inputs):
        raise ValueError(f"{len(tx.witnesses)} witness stacks for {len(tx.inputs)} inputs")
    stacks = b"".join(encode_witness(w) for w in tx.witnesses)
    return version + b"\x00\x01" + encode_body(tx) + stacks + locktime


def txid(tx: Tx) -> bytes:
    """The txid in internal byte order (the order outpoints and Merkle trees use)."""
    return sha256d(serialize(tx, witness=False))


def wtxid(tx: Tx) -> bytes:
    """The witness txid (BIP141): equal to the txid for a transaction without witness."""
    return sha256d(serialize(tx))


def display_id(internal: bytes) -> str:
    """A txid or block hash as nodes print it (byte-reversed hex)."""
    return internal[::-1].hex()


def weight(tx: Tx) -> int:
    return weight_of(len(serialize(tx, witness=False)), len(serialize(tx)))


def weight_of(stripped_size: int, total_size: int) -> int:
    """BIP141 weight from the sizes without and with the witness."""
    return stripped_size * (WITNESS_SCALE - 1) + total_size


def vsize(tx: Tx) -> int:
    """Virtual size in vbytes: weight / 4, rounded up (the size a fee rate in sat/vB is charged on)."""
    return vsize_of(weight(tx))


def vsize_of(weight_units: int) -> int:
    return (weight_units + WITNESS_SCALE - 1) // WITNESS_SCALE


def p2wpkh_output(amount: int, pubkey_hash: bytes) -> TxOut:
    """An output paying a P2WPKH key hash."""
    return TxOut(amount, p2wpkh_script(pubkey_hash))


def op_return_output(payload: bytes) -> TxOut:
    """A zero-value, provably unspendable output carrying a 32-byte payload (`OP_RETURN <32 bytes>`)."""
    if len(payload) != 32:
        raise ValueError(f"an OP_RETURN payload here is a 32-byte hash, got {len(payload)} bytes")
    return TxOut(0, bytes([OP_RETURN, 32]) + payload)
