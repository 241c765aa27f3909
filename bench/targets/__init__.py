"""Targets, whatever the chain: endpoint URLs (checks, redaction), the JSON-RPC transport, and the base of
a managed local node process (start, readiness, always stopped). The families' own nodes are in bench/chains/."""
