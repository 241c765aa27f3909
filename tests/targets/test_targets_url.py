"""bench.targets.url: what chainmark connects to versus what it shows (credentials never shown)."""

from __future__ import annotations

import base64

import pytest

from bench.targets.url import Endpoint, parse_endpoint, redact_text, redact_url, url_problem

INFURA_KEY = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    ("url", "base", "path", "redacted"),
    [
        ("http://127.0.0.1:8545", "http://127.0.0.1:8545", "/", "http://127.0.0.1:8545"),
        ("http://localhost:8545/", "http://localhost:8545", "/", "http://localhost:8545/"),
        (
            "https://rpc.example.com/v1?x=1",
            "https://rpc.example.com",
            "/v1?x=1",
            "https://rpc.example.com/v1?x=1",
        ),
        (
            "https://alice:s3cret@rpc.example.com:8443/v1",
            "https://rpc.example.com:8443",
            "/v1",
            "https://***@rpc.example.com:8443/v1",
        ),
        (
            f"https://mainnet.infura.io/v3/{INFURA_KEY}",
            "https://mainnet.infura.io",
            f"/v3/{INFURA_KEY}",
            "https://mainnet.infura.io/v3/***",
        ),
        (
            "https://eth.example/rpc?apikey=ABCDEFGHIJKLMNOPQRSTUV&chain=1",
            "https://eth.example",
            "/rpc?apikey=ABCDEFGHIJKLMNOPQRSTUV&chain=1",
            "https://eth.example/rpc?apikey=***&chain=1",
        ),
        ("http://[::1]:8545/", "http://[::1]:8545", "/", "http://[::1]:8545/"),
        ("http://node.local/#fragment", "http://node.local", "/", "http://node.local/"),
    ],
)
def test_parse_endpoint(url: str, base: str, path: str, redacted: str) -> None:
    endpoint = parse_endpoint(url)
    assert (endpoint.base, endpoint.path, endpoint.redacted) == (base, path, redacted)


@pytest.mark.parametrize(
    ("url", "user_password"),
    [
        ("https://alice:s3cret@h.example/", b"alice:s3cret"),
        ("https://alice@h.example/", b"alice:"),
        ("https://:token-only@h.example/", b":token-only"),
        ("https://u%40corp:p%3Aw%2Fd@h.example/", b"u@corp:p:w/d"),  # percent-encoded user info is decoded
    ],
)
def test_basic_auth_header_from_user_info(url: str, user_password: bytes) -> None:
    endpoint = parse_endpoint(url)
    assert endpoint.authorization == "Basic " + base64.b64encode(user_password).decode()
    assert endpoint.base == "https://h.example"
    assert endpoint.redacted == "https://***@h.example/"
    assert "@" not in endpoint.base + endpoint.path


def test_no_user_info_no_header() -> None:
    assert parse_endpoint("http://127.0.0.1:8545").authorization is None


def test_credentials_never_in_what_is_shown() -> None:
    url = f"https://alice:s3cret-pw@rpc.example.com/v3/{INFURA_KEY}?token=ZYXWVUTSRQPONMLKJIHGFEDCBA"
    endpoint = parse_endpoint(url)
    for secret in ("alice", "s3cret-pw", INFURA_KEY, "ZYXWVUTSRQPONMLKJIHGFEDCBA"):
        assert secret not in endpoint.redacted
    assert endpoint.redacted == "https://***@rpc.example.com/v3/***?token=***"
    # what is connected to keeps the key (the node needs it); the password only travels in the header
    assert INFURA_KEY in endpoint.path
    assert "s3cret-pw" not in endpoint.base + endpoint.path


@pytest.mark.parametrize(
    ("url", "redacted"),
    [
        ("https://a:b@h/", "https://***@h/"),
        ("https://a:p@ss@h/", "https://***@h/"),  # the last @ ends the user info
        (
            "https://h/short/path?key=abc",
            "https://h/short/path?key=***",
        ),  # a parameter named as a secret is hidden, however short
        ("https://h/" + "k" * 19, "https://h/" + "k" * 19),
        ("https://h/" + "k" * 20, "https://h/***"),
        ("https://h/a_b-c" + "1" * 20 + "/rpc", "https://h/***/rpc"),
    ],
)
def test_redact_url(url: str, redacted: str) -> None:
    assert redact_url(url) == redacted


@pytest.mark.parametrize(
    ("url", "ws"),
    [
        ("http://127.0.0.1:8545", "ws://127.0.0.1:8545/"),
        ("https://alice:pw@rpc.example.com:8443/v1?k=1", "wss://rpc.example.com:8443/v1?k=1"),
        ("http://[::1]:8545/ws", "ws://[::1]:8545/ws"),
    ],
)
def test_ws_url(url: str, ws: str) -> None:
    assert parse_endpoint(url).ws_url == ws


def test_endpoint_is_frozen() -> None:
    endpoint = parse_endpoint("http://h")
    assert isinstance(endpoint, Endpoint)
    with pytest.raises(AttributeError):
        endpoint.base = "http://other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("ftp://alice:s3cret-pw@host/", "ftp://***@host/"),
        ("ws://alice:s3cret-pw@host:8546", "ws://***@host:8546"),
        ("", ""),
        (f"wss://mainnet.infura.io/ws/v3/{INFURA_KEY}", "wss://mainnet.infura.io/ws/v3/***"),
    ],
)
def test_invalid_url_error_does_not_show_the_password(url: str, shown: str) -> None:
    with pytest.raises(ValueError, match=r"^expected an http:// or https:// URL, got ") as info:
        parse_endpoint(url)
    message = str(info.value)
    assert "s3cret-pw" not in message
    assert INFURA_KEY not in message
    assert message.endswith(f"got {shown}")


@pytest.mark.parametrize(
    "url",
    [
        "http://alice:s3cret/rest@host:8545/",
        "http://alice:s3cret?rest@host:8545/",
        "http://alice:s3cret#rest@host:8545/",
        "alice:s3cret@host:8545",
    ],
)
def test_misparsed_user_info_is_not_shown(url: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_endpoint(url)
    assert "s3cret" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("url: http://bob:pw1@h:1/?apikey=k\n", "url: http://***@h:1/?apikey=***\n"),
        (
            "prometheus: {url: http://u:p2@h:9/m?token=t, metrics: [a]}",
            "prometheus: {url: http://***@h:9/m?token=***, metrics: [a]}",
        ),
        (f"url: 'https://h/v3/{INFURA_KEY}'", "url: 'https://h/v3/***'"),
        (
            "description: see http://docs.example/guide, then run\n",
            "description: see http://docs.example/guide, then run\n",
        ),
        ("name: plain text, no URL\n", "name: plain text, no URL\n"),
    ],
)
def test_redact_text(text: str, shown: str) -> None:
    assert redact_text(text) == shown


def test_redact_text_hides_known_secrets_however_quoted() -> None:
    url = "http://bob:it's-4-me@127.0.0.1:8545"
    text = "target:\n  url: 'http://bob:it''s-4-me@127.0.0.1:8545'\n"
    shown = redact_text(text, (url,))
    assert "it''s-4-me" not in shown and "it's-4-me" not in shown and "127.0.0.1:8545" in shown


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://[::1", "the host is not a valid [IPv6] address (a missing ']'?)"),
        ("http://h:99999", "the port must be 1-65535"),
        ("http://h:0", "the port must be 1-65535"),
        ("http://", "the host is empty"),
        (
            "http://u:12/x@h",
            "'@' after the host 'u:12' (a '/', '?' or '#' in the password? percent-encode it: %2F, %3F, %23)",
        ),
        ("http://h/ x", "a URL cannot contain spaces or control characters"),
        ("http://127.0.0.1:8545", None),
        ("https://u:p%2Fw@h.example/v1?k=1#frag", None),
    ],
)
def test_url_problem(url: str, problem: str | None) -> None:
    assert url_problem(url) == problem
