"""chainmark: blockchain performance benchmark suite (import package `bench`)."""

__version__ = "0.1.0"
