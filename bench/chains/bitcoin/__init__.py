"""The Bitcoin Core-style UTXO chain family (Litecoin Core's `litecoind` on regtest is its managed network)."""
