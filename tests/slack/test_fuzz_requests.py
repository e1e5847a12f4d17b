"""Property-based: whatever arrives at /slack/events, signed or not, is never answered with a 5xx,
and nothing unsigned causes an outbound call of any kind.

The requests go through the real WSGI handler (`bot.wsgi.handler`) and the real app, in
process, so that any bytes and any header values can be sent (a client library refuses some).
Bodies are arbitrary bytes, or shaped like Slack's (JSON events, forms, `payload=` forms) with
arbitrary values under the field names Bolt and our listeners read; every shaped body names
a response_url on a recording server, and a real user and channel in the fake Slack.
"""

from __future__ import annotations

import io
import json
import logging
from typing import Any
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import wsgi
from bot.commands import COMMAND, disconnect
from bot.views import connect as connect_views
from bot.views import home as home_views
from bot.views import links as links_views
from sandbox.slack_seed import ADMIN_ID, BILLING, TEAM_ID
from tests.scripted import ScriptedServer
from tests.slack.conftest import SECRET

FUZZ = settings(max_examples=200, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

FIELDS = ["type", "event", "event_id", "team", "team_id", "user", "user_id", "channel", "channel_id",
          "enterprise", "enterprise_id", "authorizations", "actions", "action_id", "block_id", "callback_id",
          "view", "message", "previous_message", "item", "response_url", "response_urls", "trigger_id",
          "command", "text", "is_enterprise_install", "is_ext_shared_channel", "function_data",
          "assistant_thread", "api_app_id", "token", "container", "state", "challenge", "ssl_check", "value"]
TYPES = ["event_callback", "block_actions", "view_submission", "view_closed", "interactive_message",
         "block_suggestion", "shortcut", "message_action", "url_verification", "dialog_submission",
         "dialog_suggestion", "workflow_step_edit", "app_rate_limited"]
EVENT_TYPES = ["app_home_opened", "app_uninstalled", "tokens_revoked", "message", "app_mention", "function_executed"]
JSON_TYPE, FORM_TYPE = "application/json", "application/x-www-form-urlencoded"
CONTENT_TYPES = ["application/json", "application/x-www-form-urlencoded", "application/json; charset=utf-8",
                 "application/x-www-form-urlencoded; charset=UTF-8", "text/plain", "multipart/form-data", ""]
HEADER_NAMES = ["X-Slack-Signature", "X-Slack-Request-Timestamp", "X-Slack-Retry-Num", "X-Slack-Retry-Reason",
                "Content-Type", "Content-Length", "Transfer-Encoding", "User-Agent", "Cookie", "X-Forwarded-For"]

# the ids our listeners answer to, so that shaped bodies reach them and not only Bolt
LISTENED_FOR = [COMMAND, connect_views.PICK, connect_views.SUBMIT, links_views.CHOOSE, "link_approve", "link_reject",
                "links_approve_above", "hold_confirm", "hold_discard", disconnect.CONFIRM, disconnect.CANCEL,
                home_views.SYNC_ALL, home_views.SNAPSHOT, home_views.EXPORT, "modal", "home"]
text = st.text(max_size=24)
ids = st.sampled_from([TEAM_ID, ADMIN_ID, BILLING, "E0001", "Ev0001", *LISTENED_FOR]) | text
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ids
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.sampled_from(FIELDS) | text, inner, max_size=3), max_leaves=8)
header_values = (st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=80)
                 | st.integers().map(str) | st.from_regex(r"v0=[0-9a-f]{0,70}", fullmatch=True))
field_values = ids | values  # mostly plausible, often not
fields = st.dictionaries(st.sampled_from(FIELDS), field_values, max_size=6)
events = st.builds(lambda event, kind: {**event, "type": kind}, st.dictionaries(st.sampled_from(FIELDS), field_values,
                   max_size=4), st.sampled_from(EVENT_TYPES) | values)
actions = st.lists(st.dictionaries(st.sampled_from(["action_id", "block_id", "value", "type"]), field_values,
                                   max_size=4), max_size=2)
# a JSON object with Slack's field names and arbitrary values
slack_shaped = st.builds(lambda head, rest: {**rest, **head}, st.fixed_dictionaries(
    {"type": st.sampled_from(TYPES) | values}, optional={"event": events, "actions": actions}), fields)
commands = st.dictionaries(text, text, max_size=6).map(lambda form: {**form, "command": "/billrec"})
# ((how it is encoded, what), content type): arbitrary bytes, or a Slack-shaped object as JSON,
# a form or a payload form, under its own content type or, less often, any other
SENT_AS = {"json": JSON_TYPE, "form": FORM_TYPE, "payload": FORM_TYPE}
shaped_bodies = st.tuples(st.sampled_from(list(SENT_AS)), slack_shaped) | st.tuples(st.just("form"), commands)
requests = (shaped_bodies.map(lambda body: (body, SENT_AS[body[0]]))
            | st.tuples(shaped_bodies | st.tuples(st.just("bytes"), st.binary(max_size=2048)),
                        st.sampled_from(CONTENT_TYPES) | header_values))


def encoded(kind: str, content: Any, response_url: str) -> bytes:
    """The body's bytes; every object names `response_url` and a real user and channel."""
    if kind == "bytes":
        return content
    content = {**content, "response_url": response_url, "user_id": ADMIN_ID, "channel_id": BILLING,
               "team_id": TEAM_ID}
    if kind == "json":
        return json.dumps(content).encode()
    return as_form({"payload": content} if kind == "payload" else content)


def as_form(form: dict[str, Any]) -> bytes:
    return urlencode({k: v if isinstance(v, str) else json.dumps(v) for k, v in form.items()}).encode()


def post(handler: wsgi.EventsHandler, body: bytes, headers: dict[str, str]) -> int:
    """POST /slack/events through the WSGI handler, as a server would call it; the status."""
    environ: dict[str, Any] = {"REQUEST_METHOD": "POST", "PATH_INFO": wsgi.EVENTS_PATH,
                               "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    setup_testing_defaults(environ)
    statuses: list[str] = []
    b"".join(handler(environ, lambda status, response_headers, exc_info=None: statuses.append(status)))
    return int(statuses[0].split()[0])


@pytest.fixture
def sink():
    with ScriptedServer() as server:
        server.answer("/hook", 200, {"ok": True})
        yield server


@pytest.fixture
def handler(served) -> wsgi.EventsHandler:
    return wsgi.handler(served.app, SECRET)


def test_an_unsigned_request_is_refused_below_500_and_sends_nothing(handler, served, fake, sink, caplog):
    caplog.set_level(logging.INFO)
    calls_before = len(fake.calls)

    @FUZZ
    @given(st.data())
    def unsigned(data: st.DataObject) -> None:
        (kind, content), content_type = data.draw(requests)
        body = encoded(kind, content, f"{sink.url}/hook")
        headers = data.draw(st.dictionaries(st.sampled_from(HEADER_NAMES) | text.filter(str.isalnum),
                                            header_values, max_size=6))
        status = post(handler, body, {"Content-Type": content_type, **headers})
        served.settle()
        assert status in (400, 401, 411, 413)
        assert fake.calls[calls_before:] == [] and fake.hooks == [] and sink.requests == []

    unsigned()
    assert [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []


def test_a_signed_request_of_any_shape_is_never_answered_with_a_5xx(handler, served, driver, sink):
    @FUZZ
    @given(st.data())
    def signed(data: st.DataObject) -> None:
        (kind, content), content_type = data.draw(requests)
        body = encoded(kind, content, f"{sink.url}/hook")
        extra = data.draw(st.dictionaries(st.sampled_from(HEADER_NAMES[2:4]) | text.filter(str.isalpha),
                                          header_values, max_size=3))
        status = post(handler, body, {**extra, "Content-Type": content_type, **driver.signature_headers(body)})
        served.settle()
        assert status < 500

    signed()
