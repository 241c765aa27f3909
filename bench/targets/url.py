"""Splits an RPC URL into what chainmark connects to and what it may show: credentials are never shown."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

# Path or query segments that look like API keys (Infura, Alchemy, QuickNode style) are redacted too.
_SECRETISH = re.compile(r"[A-Za-z0-9_-]{20,}")


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
    """Split `url`; user:password@ becomes a Basic Authorization header and is redacted."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # e.g. an unencoded '/' in a password made the rest of the URL look like a port
        port = -1
    if parts.scheme not in ("http", "https") or not parts.hostname or port == -1:
        raise ValueError(f"expected an http:// or https:// URL, got {redact_url(url)}")
    auth = None
    if parts.username is not None:
        token = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        auth = "Basic " + base64.b64encode(token).decode()
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = f"{host}:{port}" if port else host
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Endpoint(f"{parts.scheme}://{netloc}", path, auth, redact_url(url))


def redact_url(url: str) -> str:
    """Return `url` with user info (anything before the last '@') and key-like segments replaced by `***`."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    if "@" in rest:
        rest = "***@" + rest.rsplit("@", 1)[1]
    parts = urlsplit(f"{scheme}://{rest}" if scheme else f"//{rest}")
    path = _SECRETISH.sub("***", parts.path)
    query = _SECRETISH.sub("***", parts.query)
    shown = urlunsplit((parts.scheme, parts.netloc, path, query, ""))
    return shown if scheme else shown.removeprefix("//")
