"""Auth strategies, declared on a connector and bound to its settings at run time.

A connector says *how* it authenticates, by naming the settings fields to use:

    auth = ApiKeyHeader("X-Api-Key", field="api_key")
    auth = Basic(username="{company_id}+{public_key}", password_field="private_key")
    auth = OAuth2ClientCredentials(token_path="ws/oauth/token", scope="monitoring")

`build(settings, base_url)` returns an `httpx.Auth` that the shared client installs once; its
`secrets` are the credentials it sends in a form no settings field holds (the `user:secret`
pair a Basic header encodes, `client_id:secret`, the current access token), which the client
masks in every message as it masks the secret fields. Auth failures are not raised here: a refused token request comes back to `http.VendorClient` as the
response it is (401, 429, 500…), so one place turns statuses into typed errors and retries.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from connectors.errors import BadResponse

Settings = Mapping[str, str]


class AuthSpec(Protocol):
    def build(self, settings: Settings, base_url: str) -> httpx.Auth: ...


class _HeaderAuth(httpx.Auth):
    def __init__(self, headers: dict[str, str], secrets: tuple[str, ...] = ()) -> None:
        self.headers, self.secrets = headers, secrets

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(self.headers)
        yield request


@dataclass(frozen=True)
class ApiKeyHeader:
    """A key sent in a header on every request: `X-Api-Key: <key>` or `Authorization: Bearer <key>`."""

    header: str
    field: str = "api_key"
    prefix: str = ""

    def build(self, settings: Settings, base_url: str) -> httpx.Auth:
        return _HeaderAuth({self.header: f"{self.prefix}{settings[self.field]}"})


@dataclass(frozen=True)
class HeaderSet:
    """Several headers on every request, each a format string over the settings (Autotask's
    `ApiIntegrationCode`, `UserName` and `Secret`). Set as auth, not as plain headers, so a call
    sent `anonymous` (a public discovery lookup) carries none of them."""

    headers: tuple[tuple[str, str], ...]

    def build(self, settings: Settings, base_url: str) -> httpx.Auth:
        return _HeaderAuth({name: value.format(**settings) for name, value in self.headers})


@dataclass(frozen=True)
class Basic:
    """HTTP Basic; `username` is a format string over the settings (`"{company_id}+{public_key}"`)."""

    username: str = "{username}"
    password_field: str | None = "password"  # None: an empty password (GravityZone's key is the user name)

    def build(self, settings: Settings, base_url: str) -> httpx.Auth:
        password = settings[self.password_field] if self.password_field else ""
        pair = f"{self.username.format(**settings)}:{password}"
        return _HeaderAuth({"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}, (pair,))


@dataclass(frozen=True)
class OAuth2ClientCredentials:
    """OAuth2 client-credentials grant with a cached token, refreshed before expiry and once on a 401.

    Vendors differ in small ways, so the two hooks are what a subclass overrides:
    `token_request()` (form or JSON body, extra fields such as `audience`) and `read_token()`
    (where the token and its lifetime are in the answer).
    """

    token_path: str
    client_id_field: str = "client_id"
    client_secret_field: str = "client_secret"
    scope: str | None = None
    extra: tuple[tuple[str, str], ...] = ()
    json_body: bool = False
    # refresh this many seconds before the vendor says the token expires
    expiry_margin: float = 60.0

    def build(self, settings: Settings, base_url: str) -> httpx.Auth:
        return _OAuth2Flow(self, settings, base_url)

    def token_url(self, base_url: str) -> str:
        if self.token_path.startswith(("http://", "https://")):
            return self.token_path
        return base_url.rstrip("/") + "/" + self.token_path.lstrip("/")

    def token_request(self, settings: Settings, base_url: str) -> httpx.Request:
        fields: dict[str, str] = {
            "grant_type": "client_credentials",
            "client_id": settings[self.client_id_field],
            "client_secret": settings[self.client_secret_field],
        }
        if self.scope:
            fields["scope"] = self.scope
        fields.update(dict(self.extra))
        if self.json_body:
            return httpx.Request("POST", self.token_url(base_url), json=fields)
        return httpx.Request("POST", self.token_url(base_url), data=fields)

    def read_token(self, body: dict[str, Any]) -> tuple[str, float]:
        """Return the access token and its lifetime in seconds."""
        return str(body["access_token"]), float(body.get("expires_in") or 3600)


class _OAuth2Flow(httpx.Auth):
    requires_response_body = True

    def __init__(self, spec: OAuth2ClientCredentials, settings: Settings, base_url: str) -> None:
        self.spec, self.settings, self.base_url = spec, settings, base_url
        self.token: str | None = None
        self.expires_at = 0.0

    @property
    def secrets(self) -> tuple[str, ...]:
        pair = f"{self.settings[self.spec.client_id_field]}:{self.settings[self.spec.client_secret_field]}"
        return (pair, self.token) if self.token else (pair,)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.token is None or time.monotonic() >= self.expires_at:
            if not (yield from self._fetch_token(request)):
                return
        request.headers["Authorization"] = f"Bearer {self.token}"
        response = yield request
        if response.status_code == 401:
            # The vendor may have revoked the token early: fetch a new one, once.
            if not (yield from self._fetch_token(request)):
                return
            request.headers["Authorization"] = f"Bearer {self.token}"
            yield request

    def _fetch_token(self, on_behalf_of: httpx.Request) -> Generator[httpx.Request, httpx.Response, bool]:
        self.token = None
        token_request = self.spec.token_request(self.settings, self.base_url)
        # A request an auth flow yields skips the client's defaults: without the timeouts of
        # the request it serves, it would wait for ever on a vendor that never answers.
        if "timeout" in on_behalf_of.extensions and "timeout" not in token_request.extensions:
            token_request.extensions = {**token_request.extensions, "timeout": on_behalf_of.extensions["timeout"]}
        response = yield token_request
        if response.status_code != 200:
            return False  # the token response itself reaches the caller and is judged there
        try:
            token, lifetime = self.spec.read_token(response.json())
        except (ValueError, KeyError, TypeError) as exc:
            raise BadResponse(
                f"POST {response.request.url.path} answered 200 without a readable access token",
                status=200,
            ) from exc
        self.token = token
        # refresh ahead of expiry, but never spend more than half a short-lived token's life doing so
        self.expires_at = time.monotonic() + lifetime - min(self.spec.expiry_margin, lifetime / 2)
        return True
