"""How a fake vendor checks credentials, issues tokens, and how a raw test client presents them.

    auth = AllOf(Headers({"clientId": CLIENT_ID}), Basic("sandbox_msp+Key", "secret", fold=...))
    auth = QueryKey("apikey", KEY)                       # the key travels in the URL
    auth = AnyOf(Headers({"Authorization": f"Bearer {KEY}"}), QueryKey("api_key", KEY))  # either way
    GRANT = ClientCredentials("/ws/oauth/token", {"client_id": ID, "client_secret": SECRET}, scope="monitoring")
    auth = Bearer(GRANT)                                 # tokens the grant issued
    GRANT = PasswordGrant(("/auth/token",), {"username": USER, "password": PASSWORD}, client=(ID, SECRET))
    GRANT = TokenExchange("/api/auth/authenticate", "/api/auth/refresh", USER_TOKEN, error=...)  # N-central

Each strategy answers `refusal(incoming, tokens)`: None to let a request through, else the
reason it is refused (the vendor says no in its own shape). `sign(request, login)` sets the
credentials on a raw `httpx.Request`, so tests reach any fake without knowing its kind.
"""

from __future__ import annotations

import base64
import binascii
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol
from urllib.parse import parse_qs

import httpx

from sandbox.routing import TOKEN, Call, Incoming, Reply, Route

if TYPE_CHECKING:
    from sandbox.tokens import TokenIssuer

Login = Callable[[], str]  # fetches a token the way a client would (for `Bearer.sign`)


class Auth(Protocol):
    def refusal(self, incoming: Incoming, tokens: TokenIssuer | None) -> str | None: ...

    def sign(self, request: httpx.Request, login: Login) -> None: ...


@dataclass(frozen=True)
class Basic:
    """HTTP Basic; `fold` normalises the user name before comparing (a case-insensitive part)."""

    user: str
    password: str
    fold: Callable[[str], str] = lambda user: user

    def refusal(self, incoming: Incoming, tokens: TokenIssuer | None) -> str | None:
        scheme, _, encoded = (incoming.header("Authorization") or "").partition(" ")
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return "the Basic credentials do not decode"
        if scheme.lower() != "basic" or self.fold(user) != self.fold(self.user) or password != self.password:
            return "wrong user or password"
        return None

    def sign(self, request: httpx.Request, login: Login) -> None:
        pair = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        request.headers["Authorization"] = f"Basic {pair}"


@dataclass(frozen=True)
class Headers:
    """Headers that must carry exact values (an integration code, a subscription key, an API token)."""

    required: Mapping[str, str]

    def refusal(self, incoming: Incoming, tokens: TokenIssuer | None) -> str | None:
        wrong = [name for name, value in self.required.items() if incoming.header(name) != value]
        return f"the {', '.join(wrong)} header is missing or wrong" if wrong else None

    def sign(self, request: httpx.Request, login: Login) -> None:
        request.headers.update(self.required)


@dataclass(frozen=True)
class QueryKey:
    """A key in the query string (it then travels in every URL, so clients must redact it)."""

    name: str
    key: str

    def refusal(self, incoming: Incoming, tokens: TokenIssuer | None) -> str | None:
        return None if incoming.arg(self.name) == self.key else f"the {self.name} parameter is missing or wrong"

    def sign(self, request: httpx.Request, login: Login) -> None:
        request.url = request.url.copy_merge_params({self.name: self.key})


@dataclass(frozen=True)
class AllOf:
    """Every strategy must pass; the first refusal is the answer."""

    parts: tuple[Auth, ...]

    def __init__(self, *parts: Auth) -> None:
        object.__setattr__(self, "parts", parts)

    def refusal(self, incoming: Incoming, tokens: TokenIssuer | None) -> str | None:
        return next((reason for part in self.parts if (reason := part.refusal(incoming, tokens))), None)

    def sign(self, request: httpx.Request, login: Login) -> None:
        for part in self.parts:
            part.sign(request, login)


@dataclass(frozen=True)
class AnyOf:
    """One of several ways to present the same credential passes (a key in a header or in the URL);
    a raw client signs with the first. Refused, the first way's reason is the answer."""

    parts: tuple[Auth, ...]

    def __init__(self, *parts: Auth) -> None:
        object.__setattr__(self, "parts", parts)

    def refusal(self, incoming: Incoming, tokens: TokenIssuer | None) -> str | None:
        reasons = [part.refusal(incoming, tokens) for part in self.parts]
        return None if None in reasons else reasons[0]

    def sign(self, request: httpx.Request, login: Login) -> None:
        self.parts[0].sign(request, login)


@dataclass(frozen=True)
class ClientCredentials:
    """The OAuth2 client-credentials grant at `paths`, as one vendor words it.

    `fields` must carry exactly these values (client id, secret, audience…); `required` ones must
    be present at all or the request is malformed (400 `invalid_request`, `malformed` saying why);
    wrong values are `denied` (401); a `scope` other than the one granted is `invalid_scope`.
    """

    paths: tuple[str, ...]
    fields: Mapping[str, str]
    form: bool = True  # form-encoded; False: a JSON body
    scope: str | None = None
    required: tuple[str, ...] = ()
    malformed: str = "The token request is malformed"
    denied: tuple[str, str] = ("invalid_client", "Bad client credentials")
    unsupported: Callable[[str], str] = lambda grant: f"Unsupported grant type: {grant}"
    no_store: bool = True  # answers carry `Cache-Control: no-store`
    extra: Mapping[str, str] = field(default_factory=dict)  # more fields in a good answer

    def routes(self) -> tuple[Route, ...]:
        return tuple(Route("POST", path, self.token, kind=TOKEN) for path in self.paths)

    def token(self, call: Call) -> Reply:
        body = self._body(call.incoming)
        if body is None or any(not isinstance(body.get(name), str) for name in self.required):
            return self.error(400, "invalid_request", self.malformed)
        if body.get("grant_type") != "client_credentials":
            return self.error(400, "unsupported_grant_type", self.unsupported(str(body.get("grant_type"))))
        if any(body.get(name) != value for name, value in self.fields.items()):
            return self.refuse()
        if self.scope is not None and set(str(body.get("scope", "")).split()) != {self.scope}:
            return self.error(400, "invalid_scope", f"Invalid scope: {body.get('scope', '')!r}; this app has {self.scope}")
        assert call.tokens is not None
        answer = {"access_token": call.tokens.issue(self.subject(call)), "token_type": "Bearer",
                  "expires_in": int(call.tokens.lifetime)}
        if self.scope is not None:
            answer["scope"] = self.scope
        return Reply(200, answer | dict(self.extra), self._headers())

    def subject(self, call: Call) -> str:
        """Whom the token is for (a tenant of a multi-tenant directory, from the token path): "" for all."""
        return ""

    def refuse(self) -> Reply:
        return self.error(401, *self.denied)

    def error(self, status: int, code: str, description: str) -> Reply:
        return oauth_error(status, code, description, self._headers())

    def access_token(self, answer: Mapping[str, object]) -> str:
        """The access token in a good answer (for raw clients)."""
        return str(answer["access_token"])

    def request(self, root: str) -> tuple[str, dict[str, object]]:
        """A good token request: its URL (`root` is where the vendor's prefix is served) and the
        keyword arguments of `httpx.post`."""
        fields = {"grant_type": "client_credentials", **self.fields} | ({"scope": self.scope} if self.scope else {})
        return root + self.paths[0], ({"data": fields} if self.form else {"json": fields})

    def _body(self, incoming: Incoming) -> dict[str, object] | None:
        if not self.form:
            return incoming.json if isinstance(incoming.json, dict) else None
        if "application/x-www-form-urlencoded" not in (incoming.header("Content-Type") or ""):
            return None
        return {k: v[0] for k, v in parse_qs(incoming.body.decode("utf-8", "replace"), keep_blank_values=True).items()}

    def _headers(self) -> dict[str, str]:
        return {"Cache-Control": "no-store"} if self.no_store else {}


@dataclass(frozen=True)
class PasswordGrant(ClientCredentials):
    """The OAuth2 password grant (RFC 6749 §4.3) with rotating refresh tokens (§6), as Webroot words it.

    The API `client` (id, secret) signs in with HTTP Basic: wrong, it is `denied` (401
    `invalid_client`, also the `auth` fault). `fields` are the console user's name and password:
    wrong, 400 `invalid_grant` (`wrong_user`). `grant_type=refresh_token` takes a refresh token
    this grant issued and has not yet taken: each is good once, and every good answer carries a
    new one; any other is 400 `invalid_grant` (`stale_refresh`). `refreshes` counts the refreshes
    taken, so a test can tell a refresh from a new password grant.
    """

    client: tuple[str, str] | None = ("", "")  # None: no API client, the user alone (Veeam SPC)
    denied: tuple[str, str] = ("invalid_client", "Client authentication failed")
    wrong_user: str = "The user name or password is incorrect."
    stale_refresh: str = "The refresh token is invalid, expired or already used."
    # refresh token → whether it is still good; shared by every server the vendor serves from
    _refresh: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def token(self, call: Call) -> Reply:
        body = self._body(call.incoming)
        if body is None:
            return self.error(400, "invalid_request", self.malformed)
        if self.client is not None and Basic(*self.client).refusal(call.incoming, call.tokens) is not None:
            return self.refuse()
        grant = body.get("grant_type")
        if grant == "refresh_token":
            presented = str(body.get("refresh_token") or "")
            if not self._refresh.get(presented):
                return self.error(400, "invalid_grant", self.stale_refresh)
            self._refresh[presented] = False
        elif grant != "password":
            return self.error(400, "unsupported_grant_type", self.unsupported(str(grant)))
        elif any(body.get(name) != value for name, value in self.fields.items()):
            return self.error(400, "invalid_grant", self.wrong_user)
        if self.scope is not None and set(str(body.get("scope", "")).split()) != {self.scope}:
            return self.error(400, "invalid_scope", f"Invalid scope: {body.get('scope', '')!r}; this app has {self.scope}")
        assert call.tokens is not None
        refresh = f"sbx-refresh-{len(self._refresh) + 1:05d}-{uuid.uuid4().hex[:16]}"
        self._refresh[refresh] = True
        answer = {"access_token": call.tokens.issue(), "token_type": "Bearer", "expires_in": int(call.tokens.lifetime),
                  "refresh_token": refresh}
        if self.scope is not None:
            answer["scope"] = self.scope
        return Reply(200, answer | dict(self.extra), self._headers())

    @property
    def refreshes(self) -> int:
        return sum(1 for good in self._refresh.values() if not good)

    def request(self, root: str) -> tuple[str, dict[str, object]]:
        fields = {"grant_type": "password", **self.fields} | ({"scope": self.scope} if self.scope else {})
        return root + self.paths[0], {"data": fields} if self.client is None else {"data": fields, "auth": self.client}


@dataclass(frozen=True)
class BasicClientCredentials(ClientCredentials):
    """The grant with the client authenticated by HTTP Basic (RFC 6749 §2.3.1), as Acronis takes it.

    `fields` name `client_id` and `client_secret` as usual, but they are read only from the
    `Authorization: Basic` header: the same pair in the body is not authentication. With
    `absolute_expiry` the answer says `expires_on`, a Unix time, instead of `expires_in`.
    """

    absolute_expiry: bool = False

    def token(self, call: Call) -> Reply:
        reply = super().token(call)
        if reply.status == 200 and self.absolute_expiry and isinstance(reply.body, dict):
            lifetime = reply.body.pop("expires_in")
            reply.body["expires_on"] = int(time.time() + lifetime)
        return reply

    def request(self, root: str) -> tuple[str, dict[str, object]]:
        url, arguments = super().request(root)
        body = dict(arguments["data"])  # type: ignore[call-overload]
        pair = (body.pop("client_id", ""), body.pop("client_secret", ""))
        return url, {"data": body, "auth": pair}

    def _body(self, incoming: Incoming) -> dict[str, object] | None:
        body = super()._body(incoming)
        if body is None:
            return None
        body = {k: v for k, v in body.items() if k not in ("client_id", "client_secret")}
        scheme, _, encoded = (incoming.header("Authorization") or "").partition(" ")
        try:
            client_id, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return body  # no readable client: the fields do not match, and the grant is refused
        return body | {"client_id": client_id, "client_secret": secret} if scheme.lower() == "basic" else body


@dataclass(frozen=True)
class TokenExchange:
    """A stored user token traded for an access and a refresh token (N-central's `/api/auth/authenticate`).

    `authenticate` takes `Authorization: Bearer <user token>`; `refresh` takes a refresh token this
    grant issued as a `text/plain` body. Both answer `{"tokens": {"access": {...}, "refresh": {...}}}`.
    A wrong user token or refresh token is a 401 in the vendor's own `error` shape (also the `auth`
    fault). `refreshes` counts the refreshes taken, so a test can tell a refresh from a new exchange.
    """

    authenticate: str
    refresh: str
    user_token: str
    error: Callable[[int, str], Reply]
    refresh_lifetime: float = 90000.0
    denied: str = "Invalid or expired token"
    _counts: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.authenticate, self.refresh)

    def routes(self) -> tuple[Route, ...]:
        return (Route("POST", self.authenticate, self.exchange, kind=TOKEN),
                Route("POST", self.refresh, self.renew, kind=TOKEN))

    def exchange(self, call: Call) -> Reply:
        scheme, _, token = (call.incoming.header("Authorization") or "").partition(" ")
        return self.tokens(call) if scheme.lower() == "bearer" and token.strip() == self.user_token else self.refuse()

    def renew(self, call: Call) -> Reply:
        assert call.tokens is not None
        if not call.tokens.valid_refresh(call.incoming.body.decode("utf-8", "replace").strip()):
            return self.refuse()
        self._counts["refresh"] = self._counts.get("refresh", 0) + 1
        return self.tokens(call)

    def tokens(self, call: Call) -> Reply:
        assert call.tokens is not None
        access = {"token": call.tokens.issue(), "type": "Bearer", "expirySeconds": int(call.tokens.lifetime)}
        refresh = {"token": call.tokens.issue_refresh(self.refresh_lifetime), "type": "Body",
                   "expirySeconds": int(self.refresh_lifetime)}
        return Reply(200, {"tokens": {"access": access, "refresh": refresh}})

    @property
    def refreshes(self) -> int:
        return self._counts.get("refresh", 0)

    def refuse(self) -> Reply:
        return self.error(401, self.denied)

    def request(self, root: str) -> tuple[str, dict[str, object]]:
        """A good exchange: its URL and the keyword arguments of `httpx.post`."""
        return root + self.authenticate, {"headers": {"Authorization": f"Bearer {self.user_token}"}}

    def access_token(self, answer: Mapping[str, object]) -> str:
        return str(answer["tokens"]["access"]["token"])  # type: ignore[index]


@dataclass(frozen=True)
class Bearer:
    """`Authorization: Bearer <token>` with a live token from this vendor's issuer."""

    grant: ClientCredentials | None = None  # how a raw client gets one (a PasswordGrant too)

    def refusal(self, incoming: Incoming, tokens: TokenIssuer | None) -> str | None:
        scheme, _, token = (incoming.header("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or tokens is None or not tokens.valid(token.strip()):
            return "the access token is missing, invalid or expired"
        return None

    def sign(self, request: httpx.Request, login: Login) -> None:
        request.headers["Authorization"] = f"Bearer {login()}"


def oauth_error(status: int, code: str, description: str, headers: dict[str, str] | None = None) -> Reply:
    """RFC 6749's error answer, which every OAuth token endpoint shares."""
    return Reply(status, {"error": code, "error_description": description}, dict(headers or {}))


class Signed(httpx.Auth):
    """An `httpx.Auth` that signs each request with a fake vendor's own strategy (for raw tests)."""

    def __init__(self, auth: Auth, login: Login) -> None:
        self.auth, self.login = auth, login

    def auth_flow(self, request: httpx.Request):  # type: ignore[no-untyped-def]
        self.auth.sign(request, self.login)
        yield request
