"""In OAuth mode a workspace's admin cannot point an integration at the server's own network."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

import sandbox
from bot.settings import Settings
from reconcile.audit import Actor
from reconcile.errors import Invalid
from sandbox.server import SandboxServer

ADMIN = Actor("U_ADMIN", "slack")


@pytest.fixture(scope="module")
def vendors() -> Iterator[SandboxServer]:
    with sandbox.start(clients=20, seed=3) as server:
        yield server


def refuse_private_urls(services) -> None:
    services.context.config = dataclasses.replace(services.context.config, allow_private_urls=False)


def test_connecting_to_the_sandbox_on_loopback_is_refused_when_private_urls_are_not_allowed(services, vendors):
    refuse_private_urls(services)
    vendors.requests.clear()
    with pytest.raises(Invalid, match="must start with https://"):
        services.integrations.connect("local", "pax8", "pax8", vendors.settings("pax8"), ADMIN)
    https_loopback = vendors.settings("pax8") | {"base_url": "https://localhost:1/pax8/v1"}
    with pytest.raises(Invalid, match="private network"):
        services.integrations.connect("local", "pax8", "pax8", https_loopback, ADMIN)
    assert len(vendors.requests) == 0  # refused before the connection test, so nothing was fetched
    assert services.integrations.list("local") == []


def test_a_sign_in_server_on_the_private_network_is_refused_like_the_api(services, vendors):
    """Microsoft 365 signs in at its own address: the client secret would travel there."""
    refuse_private_urls(services)
    vendors.requests.clear()
    inward = vendors.settings("m365") | {"base_url": "https://93.184.216.34/v1.0",  # public, and needs no DNS here
                                         "login_url": "https://10.0.0.5/oauth"}
    with pytest.raises(Invalid, match="private network"):
        services.integrations.connect("local", "m365", "m365", inward, ADMIN)
    assert len(vendors.requests) == 0


def test_by_default_the_sandbox_on_loopback_connects(services, vendors):
    info = services.integrations.connect("local", "pax8", "pax8", vendors.settings("pax8"), ADMIN)
    assert info.health == "never synced"


def test_a_private_url_stored_earlier_is_not_used_once_they_are_refused(services, vendors):
    services.integrations.connect("local", "pax8", "pax8", vendors.settings("pax8"), ADMIN)
    refuse_private_urls(services)
    with pytest.raises(Invalid, match="must start with https://"):
        services.integrations.test("local", "pax8")
    vendors.requests.clear()
    outcome = services.syncs.run("local", "pax8", ADMIN)  # a scheduled sync: refused in words, nothing fetched
    assert outcome.status == "failed" and "must start with https://" in outcome.message
    assert len(vendors.requests) == 0


@pytest.mark.parametrize(("environment", "allowed"), [
    ({}, True),  # one workspace: the operator connects the integrations
    ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, True),
    ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c"}, False),  # OAuth: any workspace's admin does
    ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c", "BILLREC_ALLOW_PRIVATE_URLS": "1"}, True),
])
def test_private_urls_are_refused_only_in_oauth_mode_unless_the_operator_allows_them(monkeypatch, environment,
                                                                                      allowed):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert Settings(_env_file=None).config().allow_private_urls is allowed
