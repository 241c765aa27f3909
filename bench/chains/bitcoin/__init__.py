"""The Bitcoin Core-style UTXO family (Litecoin's regtest is the embedded default): keys and addresses,
transaction serialization, BIP143 signing of chained P2WPKH spends, and signing in child processes.

Nothing is imported here: a signing child process (`python -m bench.chains.bitcoin.parallel`) loads
only what signing needs.
"""
