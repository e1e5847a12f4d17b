"""`OAuth2PerTenant`: a token per directory tenant, each signed in to once at its own token URL, sent only
to requests made as that tenant, and renewed on its own after a 401 without touching the others'."""

from __future__ import annotations

import httpx

from connectors.auth import OAuth2PerTenant, TenantTokens
from connectors.http import VendorClient
from tests.conftest import FAST_POLICY
from tests.scripted import ScriptedServer

SPEC = OAuth2PerTenant(token_path="{login_url}/{tenant}/oauth2/v2.0/token", scope="https://graph.example/.default")


def token_for(tenant: str):
    issued = {"n": 0}

    def answer(seen):
        issued["n"] += 1
        return 200, {}, {"access_token": f"{tenant}-token-{issued['n']}", "expires_in": 3599}
    return answer


def bearer_of(seen) -> str:
    return seen.headers.get("Authorization", "")


def test_each_tenant_gets_its_own_token_once_and_a_401_renews_only_that_one():
    with ScriptedServer() as server:
        for tenant in ("home", "acme"):
            server.answer_with(f"/login/{tenant}/oauth2/v2.0/token", token_for(tenant))
        server.answer_with("/api/skus", lambda seen: (
            401, {}, {}) if bearer_of(seen) == "Bearer acme-token-1" else (200, {}, {"who": bearer_of(seen)}))
        settings = {"login_url": server.url + "/login", "tenant_id": "home", "client_id": "app",
                    "client_secret": "s3cret"}
        auth = SPEC.build(settings, server.url + "/api")
        assert isinstance(auth, TenantTokens)
        client = VendorClient("Graph", server.url + "/api", auth=auth, policy=FAST_POLICY)
        try:
            assert client.json("skus") == {"who": "Bearer home-token-1"}
            with auth.tenant("acme"):
                assert client.json("skus") == {"who": "Bearer acme-token-2"}  # refused once, renewed once
            assert client.json("skus") == {"who": "Bearer home-token-1"}  # back to the home tenant's, cached
        finally:
            client.close()
        posts = [seen.path for seen in server.requests if seen.method == "POST"]
        assert posts == ["/login/home/oauth2/v2.0/token", "/login/acme/oauth2/v2.0/token",
                         "/login/acme/oauth2/v2.0/token"]
        form = httpx.QueryParams(next(s for s in server.requests if s.method == "POST").body.decode())
        assert form["grant_type"] == "client_credentials" and form["scope"] == "https://graph.example/.default"
        assert {"app:s3cret", "home-token-1", "acme-token-2"} <= set(auth.secrets)  # masked in every message
