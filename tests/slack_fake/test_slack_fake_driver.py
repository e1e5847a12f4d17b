"""The driver signs like Slack and sends the field sets Slack documents, over real HTTP."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest
from slack_sdk.signature import SignatureVerifier

from sandbox.slack_driver import SlackDriver
from sandbox.slack_payloads import PUBLISHED_SIGNATURE
from sandbox.slack_seed import ADMIN_ID, BILLING, TEAM_ID

SECRET = "driver-test-secret"

SLASH_COMMAND_FIELDS = [
    "token",
    "team_id",
    "team_domain",
    "channel_id",
    "channel_name",
    "user_id",
    "user_name",
    "command",
    "text",
    "api_app_id",
    "is_enterprise_install",
    "response_url",
    "trigger_id",
]


class Recorder(ThreadingHTTPServer):
    """A stand-in app endpoint that keeps each request's raw body and headers."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _RecordingHandler)
        self.requests: list[tuple[str, dict[str, str], bytes]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/slack/events"


class _RecordingHandler(BaseHTTPRequestHandler):
    server: Recorder

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.requests.append((self.path, dict(self.headers.items()), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST  # noqa: N815

    def log_message(self, format, *args) -> None:
        pass


@pytest.fixture
def app():
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def driver(app, fake):
    with SlackDriver(app.url, SECRET, fake=fake) as running:
        yield running


def form_of(body: bytes) -> dict[str, str]:
    return dict(parse_qsl(body.decode(), keep_blank_values=True))


def payload_of(body: bytes) -> dict:
    return json.loads(form_of(body)["payload"])


def test_slacks_published_signature_vector():
    known = PUBLISHED_SIGNATURE
    driver = SlackDriver("http://127.0.0.1:9/slack/events", known.signing_secret, clock=lambda: int(known.timestamp))
    assert driver.signature_headers(known.body.encode()) == {
        "X-Slack-Request-Timestamp": known.timestamp,
        "X-Slack-Signature": known.signature,
    }
    driver.close()


def test_every_request_kind_carries_a_valid_signature(app, driver):
    driver.command("status")
    driver.block_action("approve", "acme")
    driver.view_submission("connect", {"key": {"input": "abc"}})
    driver.event({"type": "app_uninstalled"})
    verifier = SignatureVerifier(SECRET)
    assert [verifier.is_valid_request(body, headers) for _, headers, body in app.requests] == [True] * 4
    assert [h["Content-Type"] for _, h, _ in app.requests] == ["application/x-www-form-urlencoded"] * 3 + [
        "application/json"
    ]


@pytest.mark.parametrize("sign", ["bad", "missing", "stale"])
def test_deliberately_wrong_signatures_do_not_verify(app, driver, sign):
    driver.command("status", sign=sign)
    [(_, headers, body)] = app.requests
    assert not SignatureVerifier(SECRET).is_valid_request(body, headers)
    assert ("X-Slack-Signature" in headers) is (sign != "missing")


def test_a_slash_command_has_every_documented_field(app, driver, fake):
    driver.command("reconcile acme")
    fields = form_of(app.requests[0][2])
    assert list(fields) == SLASH_COMMAND_FIELDS
    assert (fields["command"], fields["text"], fields["channel_name"], fields["user_name"]) == (
        "/billrec",
        "reconcile acme",
        "billing",
        "dana",
    )
    assert fields["response_url"].startswith(fake.base_url + "/hooks/")
    assert driver.last_elapsed is not None


def test_an_enterprise_team_adds_the_enterprise_fields(app, fake):
    with SlackDriver(app.url, SECRET, fake=fake, enterprise_id="E0001") as grid:
        grid.command("status")
    fields = form_of(app.requests[0][2])
    assert (fields["enterprise_id"], list(fields).index("enterprise_id")) == ("E0001", 3)


def test_the_commands_trigger_id_opens_a_modal_once(app, driver, web):
    driver.command("connect")
    trigger_id = form_of(app.requests[0][2])["trigger_id"]
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Connect"}, "blocks": []}
    assert web.views_open(trigger_id=trigger_id, view=view)["ok"]


def test_a_button_click_in_a_message_reads_the_button_from_the_message(app, driver, fake, web):
    posted = web.chat_postMessage(
        channel=BILLING,
        text="Approve?",
        blocks=[
            {
                "type": "actions",
                "block_id": "decide",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "approve",
                        "value": "acme",
                        "text": {"type": "plain_text", "text": "Approve"},
                    },
                ],
            }
        ],
    )
    driver.block_action("approve", message=fake.messages(BILLING)[0])
    payload = payload_of(app.requests[0][2])
    assert payload["type"] == "block_actions"
    assert payload["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": BILLING,
        "is_ephemeral": False,
    }
    assert payload["channel"] == {"id": BILLING, "name": "billing"}
    assert payload["user"] == {"id": ADMIN_ID, "username": "dana", "name": "dana", "team_id": TEAM_ID}
    assert payload["team"] == {"id": TEAM_ID, "domain": "acme-msp"}
    assert (payload["message"]["ts"], payload["enterprise"], payload["is_enterprise_install"]) == (
        posted["ts"],
        None,
        False,
    )
    [action] = payload["actions"]
    assert {k: action[k] for k in ("action_id", "block_id", "value", "type")} == {
        "action_id": "approve",
        "block_id": "decide",
        "value": "acme",
        "type": "button",
    }
    assert action["text"]["text"] == "Approve"
    assert payload["response_url"].startswith(fake.base_url + "/hooks/")
    assert web.views_open(
        trigger_id=payload["trigger_id"],
        view={"type": "modal", "title": {"type": "plain_text", "text": "Why"}, "blocks": []},
    )["ok"]


def test_a_select_sends_the_selected_option(app, driver):
    driver.block_action("choose_client", selected_option={"text": {"type": "plain_text", "text": "Acme"}, "value": "7"})
    [action] = payload_of(app.requests[0][2])["actions"]
    assert (action["type"], action["selected_option"]["value"], "value" in action) == ("static_select", "7", False)


def test_a_view_submission_carries_state_and_metadata_of_the_opened_view(app, driver, fake, web):
    view = web.views_open(
        trigger_id=fake.issue_trigger_id(ADMIN_ID),
        view={
            "type": "modal",
            "callback_id": "connect",
            "private_metadata": '{"kind": "ninjaone"}',
            "title": {"type": "plain_text", "text": "Connect"},
            "submit": {"type": "plain_text", "text": "Save"},
            "blocks": [
                {
                    "type": "input",
                    "block_id": "key",
                    "label": {"type": "plain_text", "text": "API key"},
                    "element": {"type": "plain_text_input", "action_id": "input"},
                },
                {
                    "type": "input",
                    "block_id": "region",
                    "label": {"type": "plain_text", "text": "Region"},
                    "element": {
                        "type": "static_select",
                        "action_id": "pick",
                        "options": [{"text": {"type": "plain_text", "text": "EU"}, "value": "eu"}],
                    },
                },
            ],
        },
    )["view"]
    driver.view_submission("connect", {"key": {"input": "abc"}, "region": {"pick": "eu"}}, view_id=view["id"])
    payload = payload_of(app.requests[0][2])
    assert (payload["type"], payload["response_urls"], payload["view"]["id"]) == ("view_submission", [], view["id"])
    assert payload["view"]["private_metadata"] == '{"kind": "ninjaone"}'
    assert payload["view"]["hash"] == view["hash"]
    assert payload["view"]["state"]["values"] == {
        "key": {"input": {"type": "plain_text_input", "value": "abc"}},
        "region": {
            "pick": {
                "type": "static_select",
                "selected_option": {"text": {"type": "plain_text", "text": "EU"}, "value": "eu"},
            }
        },
    }


def test_an_event_comes_in_an_event_callback_envelope(app, driver):
    driver.tokens_revoked(bot_user_ids=["U_BOT"])
    envelope = json.loads(app.requests[0][2])
    assert (envelope["type"], envelope["team_id"], envelope["event"]["type"]) == (
        "event_callback",
        TEAM_ID,
        "tokens_revoked",
    )
    assert envelope["event"]["tokens"] == {"oauth": [], "bot": ["U_BOT"]}
    assert envelope["authorizations"][0]["user_id"] == "U_BOT"


def test_the_oauth_redirect_sends_code_state_and_the_state_cookie(app, driver):
    driver.oauth_redirect("the-code", "the-state")
    path, headers, _ = app.requests[0]
    assert path == "/slack/oauth_redirect?code=the-code&state=the-state"
    assert headers["Cookie"] == "slack-app-oauth-state=the-state"
