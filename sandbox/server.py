"""One loopback HTTP server for every fake vendor in `sandbox.VENDORS`, each under its own prefix.

    /connectwise/v4_6_release/apis/3.0/...   ConnectWise PSA (and /connectwise/login/companyinfo/{id})
    /ninjaone/v2/...                         NinjaOne (token at /ninjaone/ws/oauth/token)
    /pax8/v1/...                             Pax8 (token at /pax8/v1/token)
    /_sandbox/faults, /_sandbox/requests     control: inject faults, read the request log

Every vendor request goes through the same steps: log → rate limit → route (404 / 405) → auth →
faults → route function → faults on the body. Other fakes can be mounted under a prefix of their
own (`mount("/slack", app)`); they get the request and answer it, nothing else.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any, Self

from sandbox import control, faults
from sandbox.bucket import TokenBucket
from sandbox.quiet_server import QuietServer
from sandbox.faults import Faults
from sandbox.requestlog import Exchange, Logged, RequestLog
from sandbox.routing import PUBLIC, TOKEN, BadQuery, Call, Incoming, Reply
from sandbox.tokens import TokenIssuer
from sandbox.truth.model import World
from sandbox.vendor import FakeVendor
from sandbox.vendors import VENDORS

HOST = "127.0.0.1"

Mounted = Callable[[Incoming], Reply]


class SandboxServer:
    """The fake vendor APIs over a world, on 127.0.0.1; `start()` returns one already serving."""

    def __init__(self, world: World, *, port: int = 0, vendors: dict[str, FakeVendor] = VENDORS) -> None:
        self._world = world
        self.vendors = dict(vendors)
        self.faults = Faults(self.vendors)
        self.requests = RequestLog()
        self.rate_limits = {kind: TokenBucket(*v.rate_limit) for kind, v in self.vendors.items()}
        self.tokens = {kind: TokenIssuer(kind, v.token_lifetime) for kind, v in vendors.items() if v.token_lifetime}
        self.mounts: dict[str, Mounted] = {}
        self._stopping = threading.Event()
        self._httpd = _HttpServer((HOST, port), _Handler)
        self._httpd.sandbox = self
        self._thread: threading.Thread | None = None

    # -- the world ---------------------------------------------------------------------------

    @property
    def world(self) -> World:
        return self._world

    def replace_world(self, world: World) -> None:
        """Serve another world from the next request on (a sync in flight may see both)."""
        self._world = world

    # -- addresses and credentials -----------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def base_url(self, kind: str) -> str:
        """The `base_url` a connector of `kind` takes, e.g. `http://127.0.0.1:PORT/pax8/v1`."""
        vendor = self._vendor(kind)
        return f"{self.url}{vendor.prefix}{vendor.api_root}"

    def settings(self, kind: str) -> dict[str, str]:
        """Exactly the settings the connector of `kind` declares, with the sandbox's credentials."""
        return self._vendor(kind).settings(self.base_url(kind))

    def set_rate_limit(self, vendor: str, rate: float, burst: int) -> None:
        self.rate_limits[self._vendor(vendor).kind] = TokenBucket(rate, burst)

    def mount(self, prefix: str, app: Mounted) -> None:
        """Serve `prefix` (e.g. "/slack") with another fake; it gets the request with the prefix stripped."""
        self.mounts[prefix.rstrip("/")] = app

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Self:
        if self._thread is None:
            # a short poll makes stop() prompt: shutdown() waits for the loop's next poll
            self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                            name=f"sandbox:{self.port}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes any request sleeping on a timeout fault
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- answering ---------------------------------------------------------------------------

    def answer(self, incoming: Incoming) -> Reply:
        """The reply to one request, whoever it is for."""
        if incoming.path == control.PREFIX or incoming.path.startswith(control.PREFIX + "/"):
            return control.answer(self, incoming)
        for vendor in self.vendors.values():
            if incoming.path == vendor.prefix or incoming.path.startswith(vendor.prefix + "/"):
                return self._vendor_answer(vendor, _under(incoming, vendor.prefix))
        for prefix, app in self.mounts.items():
            if incoming.path == prefix or incoming.path.startswith(prefix + "/"):
                return app(_under(incoming, prefix))
        return Reply(404, {"error": "not_found", "message": f"nothing is served at {incoming.path}",
                           "services": sorted(v.prefix for v in self.vendors.values()) + sorted(self.mounts)})

    def _vendor_answer(self, vendor: FakeVendor, incoming: Incoming) -> Reply:
        reply = self._steps(vendor, incoming)
        if self.requests.keep_exchanges:  # serialising a reply twice costs; only spec checks need it
            reply.body = reply.payload()
            self.requests.answered(Exchange(vendor.kind, incoming.method, incoming.path, incoming.query,
                                            incoming.headers, reply.status, reply.content_type, dict(reply.headers),
                                            reply.body))
        return reply

    def _steps(self, vendor: FakeVendor, incoming: Incoming) -> Reply:
        operation = vendor.operation_of(incoming)
        self.requests.add(Logged(vendor.kind, incoming.method, incoming.path, operation))
        wait = self.rate_limits[vendor.kind].take()
        if wait is not None:
            return vendor.too_many(incoming, wait)
        route, params, allowed = vendor.route(incoming.method, incoming.path, operation)
        if route is None and allowed:
            reply = vendor.error(incoming, 405, f"{incoming.method} is not allowed on {incoming.path}")
            reply.headers["Allow"] = ", ".join(sorted(set(allowed)))
            return reply
        if route is None:
            return vendor.not_found(incoming)
        tokens = self.tokens.get(vendor.kind)
        call = Call(incoming, params, self._world, vendor.view(self._world), tokens)
        if route.kind == PUBLIC:
            return route.function(call)
        if route.kind == TOKEN:
            fault = self.faults.take(vendor.kind, incoming.path, token=True)
            return vendor.refuse_token(incoming) if fault is not None else route.function(call)
        if vendor.auth.refusal(incoming, tokens) is not None:
            return vendor.refuse(incoming)
        fault = self.faults.take(vendor.kind, incoming.path, listing=route.listing is not None)
        kind = fault.fault if fault else None
        if kind == "auth":
            return vendor.refuse(incoming)
        if kind == "rate_limit":
            seconds = fault.seconds if fault.seconds is not None else faults.RETRY_AFTER_SECONDS
            return vendor.too_many(incoming, round(seconds))
        if kind == "server_error":
            return vendor.error(incoming, 500, "An unexpected error occurred (sandbox fault)")
        if kind == "timeout":
            self._stopping.wait(fault.seconds if fault.seconds is not None else faults.TIMEOUT_SECONDS)
        if kind == "drop_pages":
            call = Call(incoming, params, self._world, call.view, tokens, keep=faults.kept)
        try:
            reply = route.function(call)
        except BadQuery as problem:
            return vendor.bad_query(incoming, problem)
        if kind == "bad_json" and reply.status == 200:
            text = reply.payload()
            reply.body = text[: max(1, len(text) // 2)]
        if kind == "wrong_shape" and reply.status == 200:
            reply = vendor.reshaped(reply)
        return reply

    def _vendor(self, kind: str) -> FakeVendor:
        try:
            return self.vendors[kind]
        except KeyError:
            raise KeyError(f"the sandbox serves {', '.join(self.vendors)}, not {kind!r}") from None


def _under(incoming: Incoming, prefix: str) -> Incoming:
    return Incoming(incoming.method, incoming.path[len(prefix):] or "/", incoming.query, incoming.headers,
                    incoming.body, incoming.root, prefix)


class _HttpServer(QuietServer):
    sandbox: SandboxServer


class _Handler(BaseHTTPRequestHandler):
    server: _HttpServer
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects
    # headers and body go out in two writes; with Nagle on, a kept-alive connection stalls ~40 ms each
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        host = self.headers.get("Host") or f"{HOST}:{self.server.server_address[1]}"
        incoming = Incoming.parse(self.command, self.path, dict(self.headers.items()), body, f"http://{host}")
        reply = self.server.sandbox.answer(incoming)
        payload = reply.payload()
        try:
            self.send_response(reply.status)
            if payload or reply.status not in (204, 304):
                self.send_header("Content-Type", reply.content_type)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a timeout fault): nothing to answer

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log is `SandboxServer.requests`."""
