"""The WSGI application gunicorn serves: Slack's Request URL, the OAuth pages and a health check.

    gunicorn --worker-class gthread --threads 8 'bot.wsgi:create()'     (what `billrec serve` runs)

    POST /slack/events          slash commands, interactions, events (signed by Slack)
    GET  /slack/install         OAuth mode: the "Add to Slack" page
    GET  /slack/oauth_redirect  OAuth mode: Slack's redirect after approval
    GET  /healthz               200 "ok" for load balancers

One fix sits between the server and Bolt. Bolt 1.30 reads any form body containing the word
"payload" as an interaction and finds no `payload=` field in it, so `/billrec history payload
corp` would be answered 404. `FormSafeRequest` parses such a body as the plain form it is,
from the same raw bytes, so the signature check is untouched.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltContext, BoltRequest
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request.internals import build_context
from slack_bolt.response import BoltResponse

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
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class FormSafeRequest(BoltRequest):
    """A BoltRequest that reads a slash command mentioning "payload" as the form it is."""

    def __init__(self, *, body: str | dict[str, Any], query: Any = None, headers: Any = None,
                 context: dict[str, Any] | None = None, mode: str = "http") -> None:
        super().__init__(body=body, query=query, headers=headers, context=context, mode=mode)
        if mode == "http" and not self.body and self.raw_body and not self.raw_body.lstrip().startswith("{"):
            fields = dict(parse_qsl(self.raw_body, keep_blank_values=True))
            if fields and "payload" not in fields:
                self.body = fields
                self.context = build_context(BoltContext(context or {}), self.body)

    def to_copyable(self) -> BoltRequest:
        copied = super().to_copyable()
        copied.body, copied.context = self.body, build_context(copied.context, self.body)
        return copied


class EventsHandler(SlackRequestHandler):
    """Bolt's WSGI adapter with `FormSafeRequest` and a health check."""

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        return self.app.dispatch(FormSafeRequest(body=request.get_body(), query=request.query_string,
                                                 headers=request.get_headers()))

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok"]
        return super().__call__(environ, start_response)


def latency_first() -> None:
    """Favour short requests over long jobs when threads compete for the GIL (per process)."""
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)


def handler(app: App) -> EventsHandler:
    return EventsHandler(app, path=EVENTS_PATH)


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
    return handler(create_app(services, settings))
