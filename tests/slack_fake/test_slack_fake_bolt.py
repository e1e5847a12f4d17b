"""The fake and the driver with a real Bolt app in between, served over WSGI on loopback.

A tiny stand-in app (not ours): a command that posts a button or opens a modal, a button
that answers through response_url, a modal that validates. It shows Bolt accepts what the
driver sends and that what Bolt's client sends lands in the fake.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.http_retry import RateLimitErrorRetryHandler
from slack_sdk.oauth.installation_store import FileInstallationStore
from slack_sdk.oauth.state_store import FileOAuthStateStore

from sandbox.slack_driver import SlackDriver, render_channel
from sandbox.slack_seed import ADMIN_ID, BILLING, BOT_TOKEN, TEAM_ID

SECRET = "bolt-test-secret"

CONNECT_MODAL = {
    "type": "modal",
    "callback_id": "connect",
    "title": {"type": "plain_text", "text": "Connect"},
    "submit": {"type": "plain_text", "text": "Save"},
    "blocks": [
        {
            "type": "input",
            "block_id": "key",
            "label": {"type": "plain_text", "text": "API key"},
            "element": {"type": "plain_text_input", "action_id": "input"},
        }
    ],
}


def build_app(fake) -> App:
    web = WebClient(
        token=BOT_TOKEN, base_url=fake.api_url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)]
    )
    app = App(signing_secret=SECRET, client=web)

    @app.command("/billrec")
    def billrec(ack, command, client, say):  # Bolt injects its WebClient by the name `client`
        ack("On it")
        if command["text"] == "connect":
            client.views_open(trigger_id=command["trigger_id"], view=CONNECT_MODAL)
            return
        say(
            text="Acme &amp; Co differs",
            blocks=[
                {"type": "section", "text": {"type": "mrkdwn", "text": "*Acme &amp; Co* differs"}},
                {
                    "type": "actions",
                    "block_id": "decide",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": "approve",
                            "value": "acme",
                            "text": {"type": "plain_text", "text": "Approve"},
                        }
                    ],
                },
            ],
        )

    @app.action("approve")
    def approve(ack, body, respond):
        ack()
        respond(replace_original=True, text=f"Approved by <@{body['user']['id']}>")

    @app.view("connect")
    def connect(ack, view):
        if not view["state"]["values"]["key"]["input"]["value"]:
            ack(response_action="errors", errors={"key": "Paste the API key"})
        else:
            ack()

    return app


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args) -> None:
        pass


@contextmanager
def serving(app: App) -> Iterator[str]:
    """Serve `app` over WSGI on a free loopback port; yields its events URL."""
    server = make_server(
        "127.0.0.1", 0, SlackRequestHandler(app), server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/slack/events"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def driver(fake):
    with serving(build_app(fake)) as events_url, SlackDriver(events_url, SECRET, fake=fake) as running:
        yield running


def test_command_then_button_replaces_the_message_through_response_url(fake, driver):
    answer = driver.command("reconcile")
    assert (answer.status_code, answer.text) == (200, "On it")
    message = fake.wait_for(lambda f: f.messages(BILLING))[0]

    assert driver.block_action("approve", message=message).status_code == 200
    fake.wait_for(lambda f: f.hooks)
    assert render_channel(fake, BILLING) == "#billing\n\nApproved by @dana\n"


def test_command_opens_a_modal_and_submission_errors_come_back_to_slack(fake, driver):
    driver.command("connect")
    fake.wait_for("views.open")
    [view] = fake.open_views(ADMIN_ID)

    refused = driver.view_submission("connect", {"key": {"input": ""}}, view_id=view["id"])
    assert refused.json() == {"response_action": "errors", "errors": {"key": "Paste the API key"}}
    accepted = driver.view_submission("connect", {"key": {"input": "abc"}}, view_id=view["id"])
    assert (accepted.status_code, accepted.text) == (200, "")


@pytest.mark.parametrize("sign", ["bad", "missing", "stale"])
def test_bolt_refuses_requests_not_signed_right(fake, driver, sign):
    assert driver.command("reconcile", sign=sign).status_code == 401
    assert fake.calls_to("chat.postMessage") == []


def test_bolt_checked_its_token_against_the_fake(fake, driver):
    assert fake.calls_to("auth.test")[0].status == 200


def test_install_then_redirect_stores_the_installation_from_the_fakes_code(fake, tmp_path):
    store = FileInstallationStore(base_dir=str(tmp_path / "installations"))
    settings = OAuthSettings(
        client_id="1111.2222",
        client_secret="fake-client-secret",
        scopes=["commands", "chat:write"],
        state_store=FileOAuthStateStore(expiration_seconds=600, base_dir=str(tmp_path / "states")),
        install_page_rendering_enabled=False,
    )
    app = App(
        signing_secret=SECRET,
        client=WebClient(base_url=fake.api_url),
        installation_store=store,
        oauth_settings=settings,
    )
    with serving(app) as events_url, SlackDriver(events_url, SECRET, fake=fake) as driver:
        assert driver.install().status_code == 302
        assert driver.install_state
        answer = driver.oauth_redirect(fake.issue_oauth_code(TEAM_ID))
    assert answer.status_code == 200
    bot = store.find_bot(enterprise_id=None, team_id=TEAM_ID)
    assert (bot.bot_token, bot.bot_user_id, bot.bot_id) == (BOT_TOKEN, "U_BOT", "B_BOT")
