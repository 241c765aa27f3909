"""Targets: connectors to Ethereum JSON-RPC endpoints and the managed local node (Anvil)."""
