"""Splits an RPC URL into what chainmark connects to and what it may show: credentials are never shown."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from bench.urls import redact_text, redact_url, url_problem

__all__ = ["Endpoint", "parse_endpoint", "redact_text", "redact_url", "url_problem"]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A JSON-RPC endpoint: `base` (scheme://host:port), `path`, auth header, and the redacted form."""

    base: str
    path: str
    authorization: str | None
    redacted: str

    @property
    def ws_url(self) -> str:
        """The websocket URL at the same address (Anvil, Geth and Besu serve both on one port or by config)."""
        return (
            ("wss" if self.base.startswith("https") else "ws") + self.base[self.base.index(":") :] + self.path
        )


def parse_endpoint(url: str) -> Endpoint:
    """Split `url`; user:password@ becomes a Basic Authorization header and is redacted.

    ValueError (saying why, without the URL's secrets) when `url_problem` finds it unusable."""
    problem = url_problem(url)
    if problem is not None:
        raise ValueError(f"{problem}, got {redact_url(url)}")
    parts = urlsplit(url)
    port = parts.port
    auth = None
    if parts.username is not None:
        token = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        auth = "Basic " + base64.b64encode(token).decode()
    hostname = parts.hostname or ""  # url_problem refused an empty host
    host = hostname if ":" not in hostname else f"[{hostname}]"
    netloc = f"{host}:{port}" if port else host
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Endpoint(f"{parts.scheme}://{netloc}", path, auth, redact_url(url))
