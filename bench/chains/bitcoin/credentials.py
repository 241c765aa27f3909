"""The RPC credentials of one managed network: generated per run, given to litecoind only as a salted HMAC."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RpcCredentials:
    """The RPC user and password of one managed network (generated per run, never logged or stored)."""

    user: str
    password: str = field(repr=False)

    @classmethod
    def generate(cls) -> RpcCredentials:
        return cls("chainmark-" + secrets.token_hex(4), secrets.token_hex(24))

    def rpcauth(self) -> str:
        """The `-rpcauth` value litecoind checks the password against (as Core's share/rpcauth makes it)."""
        salt = secrets.token_hex(16)
        digest = hmac.new(salt.encode(), self.password.encode(), hashlib.sha256).hexdigest()
        return f"{self.user}:{salt}${digest}"
