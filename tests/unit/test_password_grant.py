"""The shared OAuth2 password grant over real loopback HTTP: Basic client, a console user, rotating refresh tokens."""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Iterator
from urllib.parse import parse_qsl

import pytest

from connectors.auth import OAuth2Password
from connectors.errors import AuthFailed, VendorUnavailable
from connectors.http import HttpPolicy, VendorClient
from tests.scripted import ScriptedServer

SETTINGS = {"client_id": "client-7", "client_secret": "Client-Secret-4455", "username": "ops@msp.example",
            "password": "Console-Password-9911"}
POLICY = HttpPolicy(timeout=1.0, attempts=2, backoff_initial=0.01, backoff_max=0.02, requests_per_second=0)


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as running:
        yield running


def client(server: ScriptedServer, spec: OAuth2Password | None = None) -> VendorClient:
    auth = (spec or OAuth2Password(token_path="auth/token", scope="Console.GSM")).build(SETTINGS, server.url)
    return VendorClient("Acme AV", server.url, auth=auth, secrets=[SETTINGS["client_secret"], SETTINGS["password"]],
                        policy=POLICY)


class Issuer:
    """A token endpoint with single-use refresh tokens; `lifetime` of each access token."""

    def __init__(self, lifetime: float = 300) -> None:
        self.lifetime, self.forms, self.spent = lifetime, [], set()

    def __call__(self, seen):
        form = dict(parse_qsl(seen.body.decode()))
        self.forms.append(form)
        if form["grant_type"] == "refresh_token":
            if form["refresh_token"] in self.spent:
                return 400, {}, {"error": "invalid_grant", "error_description": "refresh token already used"}
            self.spent.add(form["refresh_token"])
        n = len(self.forms)
        return 200, {}, {"access_token": f"access-{n}", "expires_in": self.lifetime, "refresh_token": f"refresh-{n}"}

    def grants(self) -> list[str]:
        return [f["grant_type"] for f in self.forms]


def test_the_client_signs_in_with_basic_and_the_user_with_the_form(server):
    issuer = Issuer()
    server.answer_with("/auth/token", issuer)
    server.answer("/items", 200, [])
    client(server).json("/items")
    seen = server.requests[0]
    assert seen.headers["Authorization"] == "Basic " + base64.b64encode(b"client-7:Client-Secret-4455").decode()
    assert issuer.forms == [{"grant_type": "password", "username": "ops@msp.example",
                             "password": "Console-Password-9911", "scope": "Console.GSM"}]
    assert server.requests[1].headers["Authorization"] == "Bearer access-1"


def test_an_expiring_token_is_renewed_with_the_newest_refresh_token_not_the_password(server):
    issuer = Issuer(lifetime=0.2)
    server.answer_with("/auth/token", issuer)
    server.answer("/items", 200, [])
    http = client(server, OAuth2Password(token_path="auth/token", expiry_margin=30))
    http.json("/items")
    for _ in range(2):
        time.sleep(0.15)  # past half of a 0.2 s life: renewed before the call
        http.json("/items")
    assert issuer.grants() == ["password", "refresh_token", "refresh_token"]
    assert [f.get("refresh_token") for f in issuer.forms[1:]] == ["refresh-1", "refresh-2"]  # each one once
    assert [r.headers["Authorization"] for r in server.requests if r.path == "/items"][-1] == "Bearer access-3"


def test_a_refused_refresh_falls_back_to_the_password_grant(server):
    issuer = Issuer(lifetime=0.2)
    issuer.spent.add("refresh-1")  # revoked at the vendor
    server.answer_with("/auth/token", issuer)
    server.answer("/items", 200, ["ok"])
    http = client(server)
    http.json("/items")
    time.sleep(0.15)
    assert http.json("/items") == ["ok"]
    assert issuer.grants() == ["password", "refresh_token", "password"]


def test_a_401_mid_sync_renews_once_through_the_refresh_token(server):
    issuer = Issuer()
    server.answer_with("/auth/token", issuer)
    server.answer_with("/items", lambda seen: (401, {}, {"Message": "Authorization has been denied for this request."})
                       if seen.headers["Authorization"] == "Bearer access-1" else (200, {}, ["ok"]))
    assert client(server).json("/items") == ["ok"]
    assert issuer.grants() == ["password", "refresh_token"]


def test_a_wrong_password_is_auth_failed_and_never_shown(server, caplog):
    caplog.set_level(logging.DEBUG)
    server.answer("/auth/token", 400, {"error": "invalid_grant",
                                       "error_description": "The user name or password is incorrect."})
    with pytest.raises(AuthFailed, match="The user name or password is incorrect") as caught:
        client(server).json("/items")
    for secret in (SETTINGS["password"], SETTINGS["client_secret"]):
        assert secret not in caught.value.message and secret not in caplog.text


def test_a_token_endpoint_that_is_down_is_not_mistaken_for_a_refused_refresh(server):
    issuer = Issuer(lifetime=0.2)
    server.answer_with("/auth/token", issuer)
    server.answer("/items", 200, [])
    http = client(server)
    http.json("/items")
    time.sleep(0.15)
    server.answers["/auth/token"] = [(503, {}, {"Message": "down for maintenance"})]
    with pytest.raises(VendorUnavailable):
        http.json("/items")
    assert all(f["grant_type"] != "password" for f in issuer.forms[1:])


def test_without_an_api_client_the_user_alone_signs_in_and_no_basic_header_is_sent(server):
    issuer = Issuer()
    server.answer_with("/token", issuer)
    server.answer("/items", 200, [])
    http = client(server, OAuth2Password(token_path="token", client_auth=False))
    http.json("/items")
    assert "Authorization" not in server.requests[0].headers
    assert issuer.forms == [{"grant_type": "password", "username": "ops@msp.example",
                             "password": "Console-Password-9911"}]
    assert server.requests[1].headers["Authorization"] == "Bearer access-1"
