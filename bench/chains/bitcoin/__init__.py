"""The Bitcoin Core-style UTXO family (bitcoind, litecoind and the other Bitcoin Core forks; a managed
regtest network of `litecoind` nodes is its embedded default): keys and addresses, transaction
serialization, BIP143 signing of chained P2WPKH spends and signing in child processes, the wire, the
head feed, and the managed network (nodes, topology, block producer).

Nothing is imported here: a signing child process (`python -m bench.chains.bitcoin.parallel`) loads
only what signing needs.
"""
