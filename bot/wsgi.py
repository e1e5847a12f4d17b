"""The WSGI application gunicorn serves: Slack's Request URL, the OAuth pages and a health check.

    gunicorn --worker-class gthread --threads 8 'bot.wsgi:create()'     (what `billrec serve` runs)

    POST /slack/events          slash commands, interactions, events (signed by Slack)
    GET  /slack/install         OAuth mode: the "Add to Slack" page
    GET  /slack/oauth_redirect  OAuth mode: Slack's redirect after approval
    GET  /healthz               200 "ok" for load balancers

Before Bolt sees a POST, `bot.inbound` reads the body within its limit (413 otherwise, unread),
checks Slack's signature over the exact bytes (401), and parses the body strictly (400): no
request that Slack did not sign is parsed, routed or answered by a listener or the error
handler. Bolt then gets the parsed body as it is (`VerifiedRequest`), which also mends Bolt
1.30's reading of any form mentioning "payload" as an interaction (`/billrec history payload
corp` would be answered 404).
"""

from __future__ import annotations

import copy
import io
import logging
import sys
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.request.internals import build_context
from slack_bolt.response import BoltResponse

from bot import inbound
from bot import settings as settings_module
from bot.app import create_app
from bot.settings import Settings
from reconcile import bootstrap

EVENTS_PATH = "/slack/events"
# A worker answers Slack (acks due within 3 s) in the same process where a reconcile computes on
# the job runner. CPython hands the GIL to a waiting thread every 5 ms by default, and an ack
# waits for it several times; 1 ms keeps acks quick while a job computes (bench/ack.py: p99
# during a reconcile from ~170-340 ms down to ~100 ms) at a small cost in the job's throughput.
GIL_SWITCH_INTERVAL = 0.001
HEALTH_PATH = "/healthz"
RAW_BODY = "billrec.raw_body"  # the environ key for the body bytes, read once within the limit
StartResponse = Callable[[str, list[tuple[str, str]]], Any]

log = logging.getLogger(__name__)


class VerifiedRequest(BoltRequest):
    """A BoltRequest for a body `bot.inbound` verified and parsed: Bolt uses that body as it is.

    The raw text stays for Bolt's own signature check, which runs again and agrees.
    """

    def __init__(self, *, raw: str, body: dict[str, Any], query: Any = None, headers: Any = None,
                 context: dict[str, Any] | None = None) -> None:
        super().__init__(body="", query=query, headers=headers, context={**(context or {}), inbound.VERIFIED: True})
        self.raw_body, self.body = raw, body
        self.context = build_context(self.context, body)

    def to_copyable(self) -> BoltRequest:
        # what lazy listeners get: Bolt's own copy would parse the raw text again, its way
        return VerifiedRequest(raw=self.raw_body, body=copy.deepcopy(self.body), query=self.query,
                               headers=self.headers, context=self.context.to_copyable())


class EventsHandler(SlackRequestHandler):
    """Bolt's WSGI adapter behind `bot.inbound`'s checks, with a health check."""

    def __init__(self, app: App, signing_secret: str, path: str = EVENTS_PATH) -> None:
        super().__init__(app, path=path)
        self._signing_secret = signing_secret

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        raw, headers = request.environ[RAW_BODY], request.get_headers()
        try:
            inbound.verify(raw, headers, self._signing_secret)
            body = inbound.parse(raw, headers.get("content-type"))
            verified = VerifiedRequest(raw=raw.decode("utf-8"), body=body, query=request.query_string,
                                       headers=headers)
        except inbound.Refused as refused:
            return _refusal(refused, request.method, request.path)
        return self.app.dispatch(verified)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok"]
        try:
            raw = inbound.read_body(environ)
        except inbound.Refused as refused:
            refusal = _refusal(refused, environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""))
            response = WsgiHttpResponse(status=refusal.status, headers=refusal.headers, body=refusal.body)
            start_response(response.status, response.get_headers())
            return response.get_body()
        # every path below (Bolt's OAuth pages included) reads these bytes, never the socket
        environ = {**environ, RAW_BODY: raw, "wsgi.input": io.BytesIO(raw), "CONTENT_LENGTH": str(len(raw))}
        return super().__call__(environ, start_response)


def _refusal(refused: inbound.Refused, method: str, path: str) -> BoltResponse:
    log.info("refused %s %s with %s: %s", method, path, refused.status, refused.reason)
    return BoltResponse(status=refused.status, body=refused.reason,
                        headers={"content-type": "text/plain; charset=utf-8"})


def latency_first() -> None:
    """Favour short requests over long jobs when threads compete for the GIL (per process)."""
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)


def handler(app: App, signing_secret: str) -> EventsHandler:
    return EventsHandler(app, signing_secret, path=EVENTS_PATH)


def create(settings: Settings | None = None, *, with_scheduler: bool = False) -> EventsHandler:
    """The WSGI app from the environment: one `Services` and one `App` per worker process.

    With `with_scheduler`, the worker also runs a clock over the same services (gunicorn loads
    the app in each worker after the fork, which is where the clock's threads and lock belong);
    one worker leads and the others stand by.
    """
    latency_first()
    settings = settings or settings_module.load()
    services = bootstrap.build(settings.config())
    if with_scheduler:
        from bot.schedule import service

        service.in_process(settings, services)
    return handler(create_app(services, settings), settings.slack_signing_secret.get_secret_value())
