"""Nothing is done for a request Slack did not sign, and a signed body Slack would never send is refused.

Each request names a `response_url` on a local recording server (what an attacker would name)
and a real user and channel in the fake Slack (where the error handler would post with the bot
token); a refused request must reach neither.
"""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import urlencode

import pytest
from slack_bolt import BoltRequest

from bot import inbound
from bot.app import create_app
from bot.background import Background
from bot.posting import Pacer
from bot.settings import Settings
from sandbox import slack_payloads as payloads
from sandbox.slack_payloads import PUBLISHED_SIGNATURE
from sandbox.slack_driver import FORM, STALE_SECONDS, SlackDriver
from sandbox.slack_seed import ADMIN_ID, BILLING, BOT_TOKEN, TEAM_ID
from tests.scripted import ScriptedServer
from tests.slack.conftest import SECRET

JSON_TYPE = "application/json"


@pytest.fixture
def sink():
    """Where a forged response_url points: it records every request it gets."""
    with ScriptedServer() as server:
        server.answer("/hook", 200, {"ok": True})
        yield server


def command_body(fake, response_url: str | None, text: str = "status") -> str:
    """A /billrec command from the seeded admin in #billing; without a response_url if None."""
    actor = payloads.Actor(team_id=TEAM_ID, team_domain="acme-msp", user_id=ADMIN_ID, user_name="dana",
                           api_app_id=fake.app_id, token="fake-verification-token")
    fields = payloads.slash_command(actor, command="/billrec", text=text, channel_id=BILLING, channel_name="billing",
                                    response_url=response_url or "", trigger_id=fake.issue_trigger_id(ADMIN_ID))
    if response_url is None:
        del fields["response_url"]
    return urlencode(fields)


def now() -> str:
    return str(int(time.time()))


def signed_with(driver: SlackDriver, raw: bytes, **override: str) -> dict[str, str]:
    return {**driver.signature_headers(raw), **override}


def signed_at(raw: bytes, at: float, secret: str = SECRET) -> dict[str, str]:
    """The headers Slack would send for `raw` signed with `secret` at the time `at`."""
    with SlackDriver("http://127.0.0.1:9/slack/events", secret, clock=lambda: at) as elsewhere:
        return elsewhere.signature_headers(raw)


# each shape: the signature headers sent, given the driver and the raw body
BAD_SIGNATURES = {
    "no signature": lambda d, raw: {"X-Slack-Request-Timestamp": now()},
    "no timestamp": lambda d, raw: {"X-Slack-Signature": d.signature_headers(raw)["X-Slack-Signature"]},
    "timestamp x": lambda d, raw: signed_with(d, raw, **{"X-Slack-Request-Timestamp": "x"}),
    "timestamp 1e9": lambda d, raw: signed_with(d, raw, **{"X-Slack-Request-Timestamp": "1e9"}),
    "empty timestamp": lambda d, raw: signed_with(d, raw, **{"X-Slack-Request-Timestamp": ""}),
    "huge timestamp": lambda d, raw: signed_with(d, raw, **{"X-Slack-Request-Timestamp": "9" * 5000}),
    "negative timestamp": lambda d, raw: signed_with(d, raw, **{"X-Slack-Request-Timestamp": "-" + now()}),
    "empty signature": lambda d, raw: signed_with(d, raw, **{"X-Slack-Signature": ""}),
    "signature not hex": lambda d, raw: signed_with(d, raw, **{"X-Slack-Signature": "v0=" + "z" * 64}),
    "signature v1": lambda d, raw: signed_with(
        d, raw, **{"X-Slack-Signature": "v1=" + d.signature_headers(raw)["X-Slack-Signature"][3:]}),
    "huge signature": lambda d, raw: signed_with(d, raw, **{"X-Slack-Signature": "v0=" + "a" * 6000}),
    "wrong secret": lambda d, raw: d.signature_headers(raw, "bad"),
    "stale, 6 minutes old": lambda d, raw: d.signature_headers(raw, "stale"),
    "6 minutes ahead": lambda d, raw: signed_at(raw, time.time() + STALE_SECONDS),
    "signed for another body": lambda d, raw: d.signature_headers(raw + b"&x=1"),
}


def no_traceback_or_error(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


@pytest.mark.parametrize("with_response_url", [True, False], ids=["response_url", "user and channel only"])
def test_an_unverified_request_is_refused_with_401_and_nothing_is_sent_anywhere(slack, sink, caplog,
                                                                               with_response_url):
    caplog.set_level(logging.INFO)
    raw = command_body(slack.fake, f"{sink.url}/hook" if with_response_url else None).encode()
    calls_before = len(slack.fake.calls)
    statuses = {shape: slack.driver.send(raw, sign="none", headers=headers(slack.driver, raw)).status_code
                for shape, headers in BAD_SIGNATURES.items()}
    slack.served.settle()
    assert statuses == dict.fromkeys(BAD_SIGNATURES, 401)
    assert sink.requests == []
    assert slack.fake.calls[calls_before:] == [] and slack.fake.hooks == []
    assert no_traceback_or_error(caplog) == []


def test_the_verifier_accepts_slacks_published_example_and_nothing_a_byte_away():
    known = PUBLISHED_SIGNATURE
    headers = {"x-slack-request-timestamp": known.timestamp, "x-slack-signature": known.signature}
    then = float(known.timestamp) + 1
    inbound.verify(known.body.encode(), headers, known.signing_secret, now=lambda: then)
    with pytest.raises(inbound.Refused) as refused:
        inbound.verify(known.body.encode() + b" ", headers, known.signing_secret, now=lambda: then)
    assert refused.value.status == 401


def test_a_request_four_minutes_old_is_still_inside_slacks_window(served, fake):
    with SlackDriver(served.events_url, SECRET, fake=fake, clock=lambda: time.time() - 4 * 60) as late:
        assert late.command("status").status_code == 200
    fake.wait_for(lambda f: f.hooks, timeout=20)


MALFORMED = {
    "payload=notjson": (b"payload=notjson", FORM),
    "payload={bad": (b"payload={bad", FORM),
    "payload is a JSON array": (b"payload=%5B1%2C2%5D", FORM),
    "invalid UTF-8": (b"command=%2Fbillrec&text=\xff\xfe", FORM),
    "invalid UTF-8 escaped in a field": (b"command=%2Fbillrec&text=%ff%fe", FORM),
    "a JSON array": (b"[1, 2]", JSON_TYPE),
    "a JSON string": (b'"event_callback"', JSON_TYPE),
    "JSON that does not parse": (b'{"type": "event_callback", ', JSON_TYPE),
    "JSON nested past any parser": (b"[" * 200_000, JSON_TYPE),
    "a JSON body for a form route": (b'{"type": "event_callback", "event": {"type": "app_home_opened"}}', FORM),
    "a form that is not a form": (b"just some words", FORM),
    "an event whose user is a number": (b'{"type": "event_callback", "event": {"type": "x", "user": 5}}', JSON_TYPE),
    "a click with no actions": (b"payload=" + json.dumps({"type": "block_actions", "actions": [],
                                                          "response_url": "http://x"}).encode(), FORM),
    "an event that is null": (b'{"type": "event_callback", "event": null}', JSON_TYPE),
    # found by tests/slack/test_fuzz_requests.py: Bolt looks for a workflow step in every request
    "a workflow step edit without its step": (b'{"type": "workflow_step_edit", "callback_id": "x"}', JSON_TYPE),
    "a submitted view without a type": (b"payload=" + json.dumps({"type": "view_submission", "view": {
        "callback_id": "connect_submit"}}).encode(), FORM),
    "a command without its user": (b"command=%2Fbillrec&text=status&channel_id=C_BILLING", FORM),
    "a content type Slack never sends": (b"<xml/>", "text/xml"),
}


def test_a_signed_body_slack_would_never_send_is_a_400_without_a_traceback(slack, caplog):
    caplog.set_level(logging.INFO)
    statuses = {case: slack.driver.send(raw, kind).status_code for case, (raw, kind) in MALFORMED.items()}
    slack.served.settle()
    assert statuses == {case: 415 if kind == "text/xml" else 400 for case, (_, kind) in MALFORMED.items()}
    assert no_traceback_or_error(caplog) == []
    assert slack.fake.hooks == []


def test_an_unsigned_malformed_body_is_a_401(slack, caplog):
    statuses = {(case, sign): slack.driver.send(raw, content_type, sign=sign).status_code
                for case, (raw, content_type) in MALFORMED.items() for sign in ("missing", "bad")}
    assert statuses == dict.fromkeys(statuses, 401)
    assert no_traceback_or_error(caplog) == []


def test_the_error_handler_does_not_answer_a_request_that_reached_bolt_unverified(served, fake, sink, caplog):
    """Behind any server but ours, Bolt's own check raises on `x`; the error handler stays silent."""
    raw = command_body(fake, f"{sink.url}/hook")
    response = served.app.dispatch(BoltRequest(body=raw, headers={
        "content-type": FORM, "x-slack-request-timestamp": "x", "x-slack-signature": "v0=" + "0" * 64}))
    served.settle()
    assert response.status >= 400
    assert sink.requests == [] and fake.calls_to("chat.postEphemeral") == []
    assert no_traceback_or_error(caplog) == []


def test_a_socket_mode_app_acts_on_no_http_request_whatever_it_is_signed_with(services, fake, sink):
    settings = Settings(_env_file=None, slack_bot_token=BOT_TOKEN, slack_app_token="xapp-1-test",
                        slack_api_url=fake.api_url)
    background = Background()
    app = create_app(services, settings, background=background, socket_mode=True, pacer=Pacer(interval=0))
    raw = command_body(fake, f"{sink.url}/hook", text="settings")
    for secret in ("socket-mode", SECRET):  # today's fixed stand-in, and the HTTP app's secret
        headers = {"content-type": FORM, **signed_at(raw.encode(), time.time(), secret)}
        assert app.dispatch(BoltRequest(body=raw, headers=headers)).status == 401
    assert app.dispatch(BoltRequest(body=raw, headers={"content-type": FORM})).status == 401
    background.shutdown()
    assert sink.requests == [] and fake.hooks == []
