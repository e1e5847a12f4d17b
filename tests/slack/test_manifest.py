"""manifest.yml is valid for Slack and says what the code registers."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot import commands, oauth, wsgi
from bot.settings import Settings
from bot.views.links import CHOOSE
from tests.shared import SHARED

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = SHARED / "slack" / "manifest.schema.1.0.0.json"


@pytest.fixture(scope="module")
def manifest():
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


@pytest.mark.skipif(not SCHEMA.exists(), reason="Slack's manifest schema is not next to the repository")
def test_the_manifest_validates_against_slacks_schema(manifest):
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    assert [error.message for error in validator.iter_errors(manifest)] == []


def test_the_slash_command_is_the_one_the_app_registers(manifest):
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == commands.COMMAND and command["usage_hint"] == commands.USAGE_HINT
    assert command["should_escape"] is True  # mentions arrive as <@U…> ids, which settings parses
    assert command["url"].endswith(wsgi.EVENTS_PATH)


def test_scopes_urls_and_settings_match_the_code(manifest):
    assert manifest["oauth_config"]["scopes"]["bot"] == list(oauth.BOT_SCOPES)
    assert [u.endswith(oauth.REDIRECT_PATH) for u in manifest["oauth_config"]["redirect_urls"]] == [True]
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith(wsgi.EVENTS_PATH)
    # the "Choose another client" external select loads its options from here
    assert settings["interactivity"]["message_menu_options_url"].endswith(wsgi.EVENTS_PATH) and CHOOSE
    assert settings["event_subscriptions"]["request_url"].endswith(wsgi.EVENTS_PATH)
    assert settings["token_rotation_enabled"] is Settings(_env_file=None).slack_token_rotation
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


def test_every_subscribed_event_has_a_listener(manifest, slack):
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]:
        body = {"type": event, "user": "U_TECH", "tab": "home"} if event == "app_home_opened" else {"type": event}
        if event == "tokens_revoked":
            body["tokens"] = {"oauth": [], "bot": []}
        response = slack.driver.event(body)
        assert response.status_code == 200, f"{event} is not handled"  # Bolt answers 404 when unhandled
    slack.served.settle()
