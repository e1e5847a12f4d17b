"""A total deadline per HTTP request, from connecting to the last byte of the body.

httpx's timeouts bound each wait on the socket (a connect, one read, one write), not the
request: a server that trickles a byte every few seconds keeps every read inside its timeout
and holds the worker for ever. httpx has no total timeout for its sync client (encode/httpx
issue #1450 says it belongs in httpcore), so this module gives one at httpcore's level:

    transport = DeadlineTransport(total=120.0)
    httpx.Client(transport=transport, timeout=httpx.Timeout(30.0, connect=10.0))

Each request the transport handles starts a deadline; every connect, TLS handshake, read and
write on its connection then waits no longer than what is left of it, and one past it raises
httpx's own `ConnectTimeout` / `ReadTimeout` / `WriteTimeout`. Requests an `httpx.Auth` flow
yields (an OAuth token request) pass through the same transport, so they get their own deadline.

Known limit: the host name is resolved by the operating system's resolver, which no timeout
here can interrupt.
"""

from __future__ import annotations

import contextvars
import ssl
import time
import urllib.request
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

# When the request this thread is sending must be done by (time.monotonic()); None: no deadline.
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("billrec_http_deadline", default=None)


def _clamp(timeout: float | None, expired: type[Exception]) -> float | None:
    """`timeout`, shortened to what is left of the current request's deadline."""
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("the request's total time limit passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname,
                                                      _clamp(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._backend.connect_tcp(host, port, _clamp(timeout, httpcore.ConnectTimeout),
                                                         local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._backend.connect_unix_socket(path, _clamp(timeout, httpcore.ConnectTimeout),
                                                                 socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class DeadlineTransport(httpx.HTTPTransport):
    """httpx's own transport, each of whose requests must be done within `total` seconds.

    Giving httpx.Client a transport turns off its reading of proxy variables, so the one the
    environment names for `base_url` (HTTPS_PROXY, NO_PROXY…) is passed here instead.
    """

    def __init__(self, total: float, base_url: str = "") -> None:
        super().__init__(proxy=environment_proxy(base_url))
        # httpx 0.28 takes no network backend, so ours wraps the one its pool made (pinned in pyproject)
        self._pool._network_backend = _DeadlineBackend(self._pool._network_backend)
        self.total = total

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # The deadline stays set while the body is read, which happens after this returns.
        _deadline.set(time.monotonic() + self.total)
        return super().handle_request(request)


def environment_proxy(url: str) -> str | None:
    """The proxy the environment names for `url`, as httpx would have read it; None for none."""
    if not url:
        return None
    parts = httpx.URL(url)
    if urllib.request.proxy_bypass(parts.host):
        return None
    return urllib.request.getproxies().get(parts.scheme)
