"""Auth strategies, declared on a connector and bound to its settings at run time.

A connector says *how* it authenticates, by naming the settings fields to use:

    auth = ApiKeyHeader("X-Api-Key", field="api_key")
    auth = ApiKeyQuery("apikey", field="api_key")          # ?apikey=… on every request
    auth = Basic(username="{company_id}+{public_key}", password_field="private_key")
    auth = OAuth2ClientCredentials(token_path="ws/oauth/token", scope="monitoring")
    auth = OAuth2Password(token_path="auth/token", scope="Console.GSM")   # a console user's name and password
    auth = OAuth2BasicClient(token_path="idp/token")     # the client's pair in a Basic header
    auth = TokenExchange("auth/authenticate", refresh_path="auth/refresh")  # a stored token traded for short ones
    auth = OAuth2PerTenant(token_path="{login_url}/{tenant}/oauth2/v2.0/token")   # a token per directory tenant

`build(settings, base_url)` returns an `httpx.Auth` that the shared client installs once; its
`secrets` are the credentials it sends in a form no settings field holds (the `user:secret`
pair a Basic header encodes, `client_id:secret`, the current access token), which the client
masks in every message as it masks the secret fields. Auth failures are not raised here: a refused token request comes back to `http.VendorClient` as the
response it is (401, 429, 500…), so one place turns statuses into typed errors and retries.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Generator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from connectors.errors import BadResponse
from connectors.paging import dig

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
class ApiKeyQuery:
    """A key sent as a query parameter on every request (N-sight's `?apikey=`).

    It then travels in every URL: the shared client never shows a query string, masks the key's
    every form in its messages, and the httpx loggers' filter drops query strings too.
    """

    param: str
    field: str = "api_key"

    def build(self, settings: Settings, base_url: str) -> httpx.Auth:
        return _QueryAuth(self.param, settings[self.field])


class _QueryAuth(httpx.Auth):
    def __init__(self, param: str, key: str) -> None:
        self.param, self.secrets = param, (key,)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.url = request.url.copy_merge_params({self.param: self.secrets[0]})
        yield request


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
        response = yield from self._ask(on_behalf_of, self.spec.token_request(self.settings, self.base_url))
        return self._accept(response)

    def _ask(self, on_behalf_of: httpx.Request,
             token_request: httpx.Request) -> Generator[httpx.Request, httpx.Response, httpx.Response]:
        # A request an auth flow yields skips the client's defaults: without the timeouts of
        # the request it serves, it would wait for ever on a vendor that never answers.
        if "timeout" in on_behalf_of.extensions and "timeout" not in token_request.extensions:
            token_request.extensions = {**token_request.extensions, "timeout": on_behalf_of.extensions["timeout"]}
        return (yield token_request)

    def _accept(self, response: httpx.Response) -> bool:
        """Take the token a 200 carries; any other answer reaches the caller and is judged there."""
        if response.status_code != 200:
            return False
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


@dataclass(frozen=True)
class OAuth2PerTenant(OAuth2ClientCredentials):
    """The client-credentials grant against each tenant of a multi-tenant directory, a token per tenant.

    Microsoft Entra ID issues an app's token for one tenant at a time (`…/{tenant}/oauth2/v2.0/token`),
    and what an API such as Graph answers depends on the tenant the token is for. `token_path` is a format
    string over the settings and `{tenant}`; `home_field` names the setting holding the tenant requests
    go to until `TenantTokens.tenant(id)` chooses another. Each tenant's token is cached, renewed ahead of
    expiry and once on a 401 on its own, exactly as `OAuth2ClientCredentials` does for one.
    """

    home_field: str = "tenant_id"

    def build(self, settings: Settings, base_url: str) -> httpx.Auth:
        return TenantTokens(self, settings, base_url)

    def token_url(self, base_url: str) -> str:
        if "{" in self.token_path:  # the template: each tenant's URL is made from the settings
            return self.token_path
        return super().token_url(base_url)

    def for_tenant(self, settings: Settings, tenant: str) -> OAuth2ClientCredentials:
        """The plain grant against one tenant, its token URL filled in."""
        return OAuth2ClientCredentials(
            token_path=self.token_path.format(**settings, tenant=tenant), client_id_field=self.client_id_field,
            client_secret_field=self.client_secret_field, scope=self.scope, extra=self.extra,
            json_body=self.json_body, expiry_margin=self.expiry_margin)


class TenantTokens(httpx.Auth):
    """A cached token per tenant (`OAuth2PerTenant`); requests go as the tenant `tenant()` chose."""

    requires_response_body = True

    def __init__(self, spec: OAuth2PerTenant, settings: Settings, base_url: str) -> None:
        self.spec, self.settings, self.base_url = spec, settings, base_url
        self.current = settings[spec.home_field]
        self.flows: dict[str, _OAuth2Flow] = {}

    @contextmanager
    def tenant(self, tenant: str) -> Iterator[None]:
        """Send the requests made inside as `tenant`, then go back to the tenant before."""
        before, self.current = self.current, tenant
        try:
            yield
        finally:
            self.current = before

    @property
    def secrets(self) -> tuple[str, ...]:
        pair = f"{self.settings[self.spec.client_id_field]}:{self.settings[self.spec.client_secret_field]}"
        return (pair,) + tuple(flow.token for flow in self.flows.values() if flow.token)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        flow = self.flows.get(self.current)
        if flow is None:
            flow = self.flows[self.current] = _OAuth2Flow(self.spec.for_tenant(self.settings, self.current),
                                                          self.settings, self.base_url)
        yield from flow.auth_flow(request)


@dataclass(frozen=True)
class OAuth2BasicClient(OAuth2ClientCredentials):
    """The client-credentials grant with the client authenticated by HTTP Basic (RFC 6749 §2.3.1).

    For vendors that take `client_id:client_secret` only in the `Authorization` header (Acronis):
    the body carries the grant type (and scope) alone. A token's life is read from `expires_in`, or
    from `expires_on` where the vendor gives an absolute Unix time instead of a duration.
    """

    # a token whose `expires_on` lies behind our clock (clock skew) is still used this long; a 401 renews it
    least_lifetime: float = 60.0

    def token_request(self, settings: Settings, base_url: str) -> httpx.Request:
        fields: dict[str, str] = {"grant_type": "client_credentials"}
        if self.scope:
            fields["scope"] = self.scope
        fields.update(dict(self.extra))
        return httpx.Request("POST", self.token_url(base_url), data=fields, headers=self.client_header(settings))

    def client_header(self, settings: Settings) -> dict[str, str]:
        """`Authorization: Basic base64(client_id:client_secret)`."""
        pair = f"{settings[self.client_id_field]}:{settings[self.client_secret_field]}"
        return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}

    def read_token(self, body: dict[str, Any]) -> tuple[str, float]:
        if body.get("expires_on") is None:
            return super().read_token(body)
        lifetime = float(body["expires_on"]) - time.time()
        return str(body["access_token"]), lifetime if lifetime > 0 else self.least_lifetime


@dataclass(frozen=True)
class OAuth2Password(OAuth2BasicClient):
    """OAuth2 password grant (RFC 6749 §4.3) for an API client acting as a console user, with refresh (§6).

    The client id and secret go as HTTP Basic (§2.3.1, as `OAuth2BasicClient` sends them), the user's
    name and password in the form.
    The answer's `refresh_token` renews the access token before it expires and once after a 401;
    where each refresh returns a new refresh token (Webroot's are single-use), the new one is the
    one used next. A refused refresh (400 `invalid_grant`, 401: used, expired or revoked) falls back
    to the password grant, once; anything else it answers (a 503, a 429) reaches the caller.
    """

    username_field: str = "username"
    password_field: str = "password"
    # False: no API client signs in, the user's name and password alone (Veeam Service Provider Console)
    client_auth: bool = True

    def build(self, settings: Settings, base_url: str) -> httpx.Auth:
        return _PasswordFlow(self, settings, base_url)

    def token_request(self, settings: Settings, base_url: str, refresh_token: str | None = None) -> httpx.Request:
        fields = ({"grant_type": "refresh_token", "refresh_token": refresh_token} if refresh_token else
                  {"grant_type": "password", "username": settings[self.username_field],
                   "password": settings[self.password_field]})
        if self.scope:
            fields["scope"] = self.scope
        fields.update(dict(self.extra))
        return httpx.Request("POST", self.token_url(base_url), data=fields,
                             headers=self.client_header(settings) if self.client_auth else {})

    def read_refresh(self, body: dict[str, Any]) -> str | None:
        """The refresh token a token answer carries, if any."""
        token = body.get("refresh_token")
        return str(token) if token else None


class _PasswordFlow(_OAuth2Flow):
    spec: OAuth2Password

    def __init__(self, spec: OAuth2Password, settings: Settings, base_url: str) -> None:
        super().__init__(spec, settings, base_url)
        self.refresh_token: str | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        if not self.spec.client_auth:  # no client pair in the settings to mask, the tokens alone
            return tuple(token for token in (self.token, self.refresh_token) if token)
        return super().secrets + ((self.refresh_token,) if self.refresh_token else ())

    def _fetch_token(self, on_behalf_of: httpx.Request) -> Generator[httpx.Request, httpx.Response, bool]:
        self.token = None
        if self.refresh_token:
            response = yield from self._ask(
                on_behalf_of, self.spec.token_request(self.settings, self.base_url, self.refresh_token))
            if self._accept(response) or response.status_code not in (400, 401):
                return self.token is not None
            self.refresh_token = None  # refused: used, expired or revoked; the password grant starts over
        response = yield from self._ask(on_behalf_of, self.spec.token_request(self.settings, self.base_url))
        return self._accept(response)

    def _accept(self, response: httpx.Response) -> bool:
        if not super()._accept(response):
            return False
        self.refresh_token = self.spec.read_refresh(response.json()) or self.refresh_token
        return True


@dataclass(frozen=True)
class TokenExchange(OAuth2ClientCredentials):
    """A long-lived token the user stored, exchanged for a short-lived access token and a refresh token.

    N-central's shape: `POST {base}/auth/authenticate` with `Authorization: Bearer <stored token>` answers
    `{"tokens": {"access": {"token", "expirySeconds"}, "refresh": {"token", "expirySeconds"}}}`; `POST
    {base}/auth/refresh` with the refresh token as a `text/plain` body answers the same. The cache and its
    cycle are the password grant's: the refresh token renews the access token before it expires and once
    after a 401, and a refused refresh (expired, revoked) exchanges the stored token again, once.
    """

    token_path: str = "auth/authenticate"
    refresh_path: str = "auth/refresh"
    token_field: str = "user_token"
    access_at: str = "tokens.access"
    refresh_at: str = "tokens.refresh"

    def build(self, settings: Settings, base_url: str) -> httpx.Auth:
        return _ExchangeFlow(self, settings, base_url)

    def token_urls(self, base_url: str) -> tuple[str, str]:
        """Both addresses it posts to: the exchange and the refresh."""
        return self.token_url(base_url), base_url.rstrip("/") + "/" + self.refresh_path.lstrip("/")

    def token_request(self, settings: Settings, base_url: str, refresh_token: str | None = None) -> httpx.Request:
        if refresh_token:
            url = self.token_urls(base_url)[1]
            return httpx.Request("POST", url, content=refresh_token.encode(), headers={"Content-Type": "text/plain"})
        return httpx.Request("POST", self.token_url(base_url),
                             headers={"Authorization": f"Bearer {settings[self.token_field]}"})

    def read_token(self, body: dict[str, Any]) -> tuple[str, float]:
        access = dig(body, self.access_at)
        return str(access["token"]), float(access.get("expirySeconds") or 3600)

    def read_refresh(self, body: dict[str, Any]) -> str | None:
        refresh = dig(body, self.refresh_at)
        return str(refresh["token"]) if isinstance(refresh, dict) and refresh.get("token") else None


class _ExchangeFlow(_PasswordFlow):
    spec: TokenExchange  # type: ignore[assignment]

    @property
    def secrets(self) -> tuple[str, ...]:
        held = (self.settings[self.spec.token_field], self.token, self.refresh_token)
        return tuple(secret for secret in held if secret)
