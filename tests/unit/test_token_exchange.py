"""The shared token exchange over real loopback HTTP: a stored user token traded for access and refresh tokens."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest

from connectors.auth import TokenExchange
from connectors.errors import AuthFailed, BadResponse
from connectors.http import HttpPolicy, VendorClient
from tests.scripted import ScriptedServer

SETTINGS = {"user_token": "eyJ-stored-user-token-Qx81Lm"}
POLICY = HttpPolicy(timeout=1.0, attempts=2, backoff_initial=0.01, backoff_max=0.02, requests_per_second=0)


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as running:
        yield running


def client(server: ScriptedServer, spec: TokenExchange | None = None) -> VendorClient:
    auth = (spec or TokenExchange()).build(SETTINGS, server.url)
    return VendorClient("N-central", server.url, auth=auth, secrets=[SETTINGS["user_token"]], policy=POLICY)


class Issuer:
    """authenticate and refresh as N-central answers them; `lifetime` of each access token."""

    def __init__(self, lifetime: float = 300) -> None:
        self.lifetime, self.calls, self.revoked = lifetime, [], set()

    def tokens(self) -> tuple[int, dict, dict]:
        n = len(self.calls)
        access = {"token": f"access-{n}", "type": "Bearer", "expirySeconds": self.lifetime}
        return 200, {}, {"tokens": {"access": access,
                                    "refresh": {"token": f"refresh-{n}", "type": "Body", "expirySeconds": 90000}}}

    def authenticate(self, seen):
        self.calls.append(("authenticate", seen.headers.get("Authorization")))
        return self.tokens()

    def refresh(self, seen):
        presented = seen.body.decode()
        self.calls.append(("refresh", presented, seen.headers.get("Content-Type")))
        if presented in self.revoked:
            return 401, {}, {"status": 401, "message": "Invalid or expired token"}
        return self.tokens()

    def served(self, server: ScriptedServer) -> Issuer:
        server.answer_with("/auth/authenticate", self.authenticate)
        server.answer_with("/auth/refresh", self.refresh)
        return self


def test_the_stored_token_is_sent_once_as_a_bearer_and_the_access_token_thereafter(server):
    issuer = Issuer().served(server)
    server.answer("/customers", 200, {"data": []})
    http = client(server)
    http.json("/customers")
    http.json("/customers")
    assert issuer.calls == [("authenticate", "Bearer eyJ-stored-user-token-Qx81Lm")]
    assert [r.headers["Authorization"] for r in server.requests if r.path == "/customers"] == ["Bearer access-1"] * 2


def test_an_expiring_access_token_is_renewed_with_the_refresh_token_as_plain_text(server):
    issuer = Issuer(lifetime=0.2).served(server)
    server.answer("/customers", 200, {"data": []})
    http = client(server, TokenExchange(expiry_margin=30))
    http.json("/customers")
    time.sleep(0.15)  # past half of a 0.2 s life: renewed before the call
    http.json("/customers")
    assert issuer.calls[1] == ("refresh", "refresh-1", "text/plain")
    assert [r.headers["Authorization"] for r in server.requests if r.path == "/customers"][-1] == "Bearer access-2"


def test_a_refused_refresh_exchanges_the_stored_token_again(server):
    issuer = Issuer(lifetime=0.2).served(server)
    issuer.revoked.add("refresh-1")
    server.answer("/customers", 200, {"data": ["ok"]})
    http = client(server)
    http.json("/customers")
    time.sleep(0.15)
    assert http.json("/customers") == {"data": ["ok"]}
    assert [call[0] for call in issuer.calls] == ["authenticate", "refresh", "authenticate"]


def test_a_401_mid_sync_renews_once(server):
    issuer = Issuer().served(server)
    server.answer_with("/customers", lambda seen: (401, {}, {"status": 401, "message": "Invalid or expired token"})
                       if seen.headers["Authorization"] == "Bearer access-1" else (200, {}, {"data": ["ok"]}))
    assert client(server).json("/customers") == {"data": ["ok"]}
    assert [call[0] for call in issuer.calls] == ["authenticate", "refresh"]


def test_a_refused_user_token_is_auth_failed_and_never_shown(server, caplog):
    caplog.set_level(logging.DEBUG)
    server.answer("/auth/authenticate", 401, {"status": 401, "message": "Invalid or expired token"})
    with pytest.raises(AuthFailed) as caught:
        client(server).json("/customers")
    assert SETTINGS["user_token"] not in caught.value.message and SETTINGS["user_token"] not in caplog.text


def test_an_answer_without_tokens_is_a_bad_response_not_a_crash(server):
    server.answer("/auth/authenticate", 200, {"status": "ok"})
    with pytest.raises(BadResponse, match="without a readable access token"):
        client(server).json("/customers")
