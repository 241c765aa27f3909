"""URL rules every layer shares: whether a URL a user gave is usable, and what of it may be shown (secrets never).

Pure functions on text: the workload loader checks a URL with them before anything runs, the targets
connect through what they accept, and every log line, stored text and report shows only their redaction.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote, urlsplit, urlunsplit

# Path or query segments that look like API keys (Infura, Alchemy, QuickNode style) are redacted too,
# and the value of a query parameter whose name says it is a secret, however short.
_SECRETISH = re.compile(r"[A-Za-z0-9_-]{20,}")
_SECRET_NAME = r"(?i)([?&;][^=&;#\s'\"]*(?:key|token|secret|pass|auth|sig|cred|session|jwt)[^=&;#\s'\"]*=)"
_SECRET_PARAM = re.compile(_SECRET_NAME + r"[^&;#]*")
_SECRET_PARAM_IN_TEXT = re.compile(_SECRET_NAME + r"[^&;#\s'\",\]}]*")  # stops where YAML would
# A URL anywhere in a text (a workload's YAML): up to whitespace, a quote or a YAML flow delimiter.
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")


def url_problem(url: str) -> str | None:
    """Why `url` is not a usable http(s) JSON-RPC URL (a phrase that never shows its secrets), or None."""
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        return "a URL cannot contain spaces or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # "Invalid IPv6 URL", "Port out of range 0-65535", a non-numeric port
        text = str(exc)
        if "IPv6" in text:
            return "the host is not a valid [IPv6] address (a missing ']'?)"
        if "out of range" in text:
            return "the port must be 1-65535"
        return "the port is not a number (a ':' or '/' in the password? percent-encode it: %3A, %2F)"
    if parts.scheme not in ("http", "https"):
        return "expected an http:// or https:// URL"
    if "@" in parts.path + parts.query + parts.fragment:
        host = parts.netloc.rsplit("@", 1)[-1]
        return f"'@' after the host {host!r} (a '/', '?' or '#' in the password? percent-encode it: %2F, %3F, %23)"
    if not parts.hostname:
        return "the host is empty"
    if port == 0:
        return "the port must be 1-65535"
    return None


def redact_url(url: str) -> str:
    """Return `url` with user info (anything before the last '@') and key-like segments replaced by `***`."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    if "@" in rest:
        rest = "***@" + rest.rsplit("@", 1)[1]
    try:
        parts = urlsplit(f"{scheme}://{rest}" if scheme else f"//{rest}")
    except ValueError:  # unparseable (an unclosed IPv6 bracket): hide what looks like a key, keep the rest
        shown = _SECRETISH.sub("***", _SECRET_PARAM.sub(r"\1***", rest))
        return f"{scheme}://{shown}" if scheme else shown
    path = _SECRETISH.sub("***", parts.path)
    query = _SECRET_PARAM.sub(r"\1***", "?" + parts.query)[1:]
    query = _SECRETISH.sub("***", query)
    shown = urlunsplit((parts.scheme, parts.netloc, path, query, ""))
    return shown if scheme else shown.removeprefix("//")


def redact_text(text: str, urls: tuple[str, ...] = ()) -> str:
    """`text` (a workload's YAML) with every URL in it redacted as `redact_url` does, and every secret
    part of the `urls` it is known to hold (user, password, key-like segments) replaced wherever it appears,
    however the YAML quoted it."""

    def redact(match: re.Match[str]) -> str:
        url = match.group(0)
        core = url.rstrip(",]}")  # a URL in a YAML flow collection: `{url: http://h/x, metrics: [...]}`
        return redact_url(core) + url[len(core) :]

    shown = _SECRET_PARAM_IN_TEXT.sub(r"\1***", _URL_IN_TEXT.sub(redact, text))
    for secret in sorted({s for url in urls for s in _secrets(url)}, key=len, reverse=True):
        for form in (secret, secret.replace("'", "''"), json.dumps(secret)[1:-1]):
            shown = shown.replace(form, "***")
    return shown


def _secrets(url: str) -> list[str]:
    """The parts of `url` that `redact_url` hides, as written in it (4 characters or more)."""
    _, _, rest = url.partition("://")
    found = []
    if "@" in rest:
        user_info = rest.rsplit("@", 1)[0]
        found += [user_info, *user_info.split(":", 1), *(unquote(p) for p in user_info.split(":", 1))]
    found += _SECRETISH.findall(rest.rsplit("@", 1)[-1])
    found += [m.group(0).split("=", 1)[1] for m in _SECRET_PARAM.finditer(rest)]
    return [s for s in found if len(s) >= 4]
