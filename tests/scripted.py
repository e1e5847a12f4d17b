"""A tiny real HTTP server whose answers a test scripts, for the shared client's mechanics.

    with ScriptedServer() as server:
        server.answer("/items", 429, headers={"Retry-After": "2"})
        server.answer("/items", 200, body=[1, 2])
        client.json("/items")            # retried once, over real HTTP
        server.requests                  # [("GET", "/items", {...query}, {...headers}), ...]

Answers for a path are used in order; the last one repeats. A callable answer receives the
request and returns (status, headers, body).
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


Answer = tuple[int, dict[str, str], Any] | Callable[[Seen], tuple[int, dict[str, str], Any]]


class ScriptedServer:
    def __init__(self) -> None:
        self.answers: dict[str, list[Answer]] = defaultdict(list)
        self.requests: list[Seen] = []
        self.delay = 0.0
        handler = self._handler()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def answer(self, path: str, status: int = 200, body: Any = None, headers: dict[str, str] | None = None,
               raw: bytes | None = None) -> None:
        self.answers[path].append((status, headers or {}, raw if raw is not None else body))

    def answer_with(self, path: str, function: Callable[[Seen], tuple[int, dict[str, str], Any]]) -> None:
        self.answers[path].append(function)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(self.command, parts.path, dict(parse_qsl(parts.query)), dict(self.headers.items()),
                            self.rfile.read(length) if length else b"")
                server.requests.append(seen)
                script = server.answers.get(parts.path)
                if not script:
                    status, headers, body = 404, {}, {"message": "not scripted"}
                else:
                    answer = script.pop(0) if len(script) > 1 else script[0]
                    status, headers, body = answer(seen) if callable(answer) else answer
                if server.delay:
                    time.sleep(server.delay)
                payload = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        return Handler

    def __enter__(self) -> ScriptedServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
