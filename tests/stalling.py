"""A loopback server that accepts connections and then never finishes answering.

    with StallingServer() as server:                        # reads the request, answers nothing
    with StallingServer(trickle=True) as server:            # one header byte at a time, for ever
    with StallingServer(answers={"/ws/oauth/token": {...}}) as server:   # those paths answer; the rest stall

`answers` maps a path to the JSON answered there (200); a path not in it stalls. Tests may
change `answers` while the server runs (answer the connection test, then stall the sync).
`returned(work)` runs `work` and says whether it came back before a generous bound, so a test
can assert "it returned" without timing anything.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from typing import Any

GENEROUS = 60.0  # seconds: far beyond any small test policy, far below "hangs for ever"


class StallingServer:
    def __init__(self, *, answers: dict[str, Any] | None = None, trickle: bool = False) -> None:
        self.answers: dict[str, Any] = dict(answers or {})
        self.trickle = trickle
        self.stalled: list[str] = []  # "METHOD /path" of every request left hanging
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._open: list[socket.socket] = []
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def __enter__(self) -> StallingServer:
        threading.Thread(target=self._accept, daemon=True, name="stalling-accept").start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._listener.close()
        for connection in list(self._open):
            connection.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self._open.append(connection)
            threading.Thread(target=self._serve, args=(connection,), daemon=True, name="stalling-conn").start()

    def _serve(self, connection: socket.socket) -> None:
        reader = connection.makefile("rb")
        try:
            while not self._stop.is_set():
                method, path = self._read_request(reader)
                if path is None:
                    return
                if path in self.answers:
                    body = json.dumps(self.answers[path]).encode()
                    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                       b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                    continue
                self.stalled.append(f"{method} {path}")
                if self.trickle:
                    connection.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                    while not self._stop.wait(0.05):
                        connection.sendall(b"z")  # each byte well inside any read timeout
                self._stop.wait()
                return
        except OSError:
            return

    @staticmethod
    def _read_request(reader: Any) -> tuple[str, str | None]:
        line = reader.readline()
        if not line:
            return "", None
        method, target = line.decode("latin-1").split()[:2]
        length = 0
        while (header := reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = header.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if length:
            reader.read(length)
        return method, target.split("?", 1)[0]


def returned(work: Callable[[], Any]) -> tuple[bool, Any]:
    """(True, what `work` returned or raised) if it came back within `GENEROUS` seconds, else (False, None)."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as error:  # the test looks at what was raised
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True, name="returned")
    thread.start()
    thread.join(GENEROUS)
    return (not thread.is_alive(), outcome[0] if outcome else None)
