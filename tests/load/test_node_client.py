"""The send path's HTTP client (`NodeClient`) against a raw socket server on 127.0.0.1 that answers each
request with given bytes: a node's plain HTTP/1.1 answer with a Content-Length is read by chainmark's own
reader and the connection reused; any other answer (chunked, `Connection: close`, HTTP/1.0, a 1xx first) goes
to geventhttpclient's parser with the bytes already read, and nothing is lost either way. (Real nodes answer
in tests/integration; this is the HTTP framing only, which no node lets a test choose.)"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from bench.load.routes import Route
from bench.load.users import NodeClient  # imports Locust, which patches socket and threading for gevent

BODY = b'{"jsonrpc":"2.0","id":1,"result":"0x1"}'


class Server:
    """Accepts connections and answers every request (read up to its body) with `answer`, split in `pieces`
    sends; counts connections. Closes the connection after an answer that says so."""

    def __init__(self, answer: bytes, pieces: int = 1) -> None:
        self.answer, self.pieces = answer, pieces
        self.connections = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while True:
                while b"\r\n\r\n" not in data:
                    more = conn.recv(65536)
                    if not more:
                        return
                    data += more
                head, _, data = data.partition(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                while len(data) < length:
                    data += conn.recv(65536)
                data = data[length:]
                step = max(1, len(self.answer) // self.pieces)
                for start in range(0, len(self.answer), step):
                    conn.sendall(self.answer[start : start + step])
                if b"connection: close" in self.answer.lower() or self.answer.startswith(b"HTTP/1.0"):
                    return


@pytest.fixture
def client_of() -> Iterator[object]:
    made: list[tuple[Server, NodeClient]] = []

    def make(answer: bytes, pieces: int = 1) -> tuple[Server, NodeClient]:
        server = Server(answer, pieces)
        client = NodeClient(
            Route(f"http://127.0.0.1:{server.port}", "/", {"Content-Type": "application/json"})
        )
        made.append((server, client))
        return server, client

    yield make
    for server, client in made:
        client.close()
        server.sock.close()


def _plain(body: bytes = BODY, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n%scontent-length: %d\r\n\r\n%s" % (
        extra,
        len(body),
        body,
    )


def _chunked(body: bytes = BODY) -> bytes:
    half = len(body) // 2
    return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (
        half,
        body[:half],
        len(body) - half,
        body[half:],
    )


@pytest.mark.parametrize(
    ("answer", "pieces", "connections"),
    [
        (_plain(), 1, 1),  # a node's usual answer: read here, one connection kept for every post
        (_plain(), 7, 1),  # the head arriving in pieces
        (_plain(BODY * 5000), 3, 1),  # a body larger than one read
        (_plain(extra=b"Connection: keep-alive\r\n"), 1, 1),
        (_chunked(), 1, 1),  # chunked: geventhttpclient's parser, from the bytes read
        (_plain(extra=b"Connection: close\r\n"), 1, 4),  # a new connection per post
        (_plain().replace(b"HTTP/1.1", b"HTTP/1.0"), 1, 4),
        (b"HTTP/1.1 100 Continue\r\n\r\n" + _plain(), 1, 1),  # an interim answer first
    ],
)
def test_every_answer_is_read_whole_and_the_connection_kept_where_the_answer_allows(
    client_of, answer: bytes, pieces: int, connections: int
) -> None:
    server, client = client_of(answer, pieces)
    expected = answer.rsplit(b"\r\n\r\n", 1)[1] if b"chunked" not in answer else BODY
    for pad in range(4):  # bodies of other lengths: the head made once carries each one's own length
        status, content, error = client.post(
            b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' + b" " * 97 * pad
        )
        assert (status, error) == (200, None)
        assert content == expected
    assert server.connections == connections


def test_an_error_status_is_answered_with_its_body(client_of) -> None:
    body = b'{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"nonce too low"}}'
    _, client = client_of(_plain(body).replace(b"200 OK", b"500 Internal Server Error"))
    assert client.post(b"{}") == (500, body, None)


def test_a_node_that_closes_mid_answer_is_an_error_and_the_next_post_connects_again(client_of) -> None:
    server, client = client_of(_plain())
    talk = server._talk

    def cut_short(conn: socket.socket) -> None:  # the body cut short, then the connection closed
        with conn:
            conn.recv(65536)
            conn.sendall(_plain()[:-5])

    server._talk = cut_short  # type: ignore[method-assign]
    status, content, error = client.post(b"{}")
    assert status == 0 and content is None and error is not None
    server._talk = talk  # type: ignore[method-assign]
    assert client.post(b"{}") == (200, BODY, None)
    assert server.connections == 2
