"""What every fake vendor declares: a view of the truth in one vendor's API.

A vendor module subclasses `FakeVendor`, fills in the class attributes and writes `routes()`,
`render()`, `accounts()` and `metric()`; `sandbox/vendors/ninjaone.py` is a complete one. The
server (`server.py`) does the rest the same way for every vendor: log → rate limit → route
(404 / 405) → auth → faults → route function → faults on the body.

    class Acme(FakeVendor):
        kind = "acme"                              # the connector's kind (connectors.REGISTRY)
        roles = (Role.RMM,)                        # what it is a view of
        prefix, api_root = "/acme", "/v1"          # the connector's base_url is prefix + api_root
        auth = Headers({"X-Api-Key": KEY})
        credentials = {"api_key": KEY}             # the connector's settings, but base_url
        spec = Spec(("acme/openapi.json",), "https://api.acme.example")
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from sandbox.auth import Auth, ClientCredentials, oauth_error
from sandbox.bucket import DEFAULT_BURST, DEFAULT_RATE
from sandbox.routing import BadQuery, Incoming, Reply, Route
from sandbox.truth.model import Account, Customer, Role, World

Owned = tuple[Customer, Account]


@dataclass(frozen=True)
class Spec:
    """The vendor's own API description in `../shared/vendor-specs/`, for tests to validate against.

    `files` are relative to that folder (several when the vendor splits its API); `server` is the
    host the documents describe, which stands for `prefix` when a request is replayed against them.
    """

    files: tuple[str, ...]
    server: str
    # (file, path) for a document that names no server of its own (Sherweb's Service Provider API):
    # its paths sit at `server` + path, as the vendor's clients call it
    roots: tuple[tuple[str, str], ...] = ()


class FakeVendor:
    """Base of every fake vendor."""

    kind: ClassVar[str]
    display_name: ClassVar[str]
    roles: ClassVar[tuple[Role, ...]]
    prefix: ClassVar[str]
    api_root: ClassVar[str] = ""
    auth: ClassVar[Auth]
    credentials: ClassVar[Mapping[str, str]]  # the connector's settings other than base_url
    grant: ClassVar[ClientCredentials | None] = None  # the token endpoint, for vendors that use one
    token_lifetime: ClassVar[float | None] = None
    retry_after: ClassVar[bool] = True  # whether its 429s say when to come back
    # the sandbox's stand-in for the vendor's limit: requests per second, burst (generous by default)
    rate_limit: ClassVar[tuple[float, int]] = (DEFAULT_RATE, DEFAULT_BURST)
    spec: ClassVar[Spec | None] = None
    # whether its answers carry the truth's unit prices; False where the vendor's API returns none
    # (Partner Center's subscriptions), so a full sync's money is nothing, not the truth's cost
    prices: ClassVar[bool] = True

    def __init__(self) -> None:
        self.routes = self.declare_routes() + (self.grant.routes() if self.grant else ())
        self._views: dict[int, tuple[World, Any]] = {}
        self._lock = threading.Lock()

    # -- what a vendor declares ------------------------------------------------------------

    def declare_routes(self) -> tuple[Route, ...]:
        raise NotImplementedError

    def render(self, world: World) -> Any:
        """The world in this vendor's records (JSON-ready); called once per world, see `view`."""
        raise NotImplementedError

    def accounts(self, world: World) -> dict[str, Owned]:
        """Vendor account id → the customer and truth account it shows (deleted ones included)."""
        raise NotImplementedError

    def metric(self, neutral: str) -> str | None:
        """The connector metric a neutral one (`measures.py`) is reported under; None: not served."""
        raise NotImplementedError

    def reported(self, world: World) -> dict[str, Owned]:
        """The accounts a full sync must report: every account but a deleted one, or a tenant that
        withdrew the MSP's access (override where the connector reports more)."""
        return {i: (c, a) for i, (c, a) in self.accounts(world).items() if a.live and a.consent}

    # -- how it says no (override for the vendor's own shapes) -------------------------------

    def error(self, incoming: Incoming, status: int, message: str) -> Reply:
        return Reply(status, {"error": message})

    def refuse(self, incoming: Incoming) -> Reply:
        """A data request with bad credentials (and the `auth` fault)."""
        return self.error(incoming, 401, "Unauthorized")

    def refuse_token(self, incoming: Incoming) -> Reply:
        """A token request refused (the `auth` fault)."""
        return self.grant.refuse() if self.grant else oauth_error(401, "invalid_client", "Unauthorized")

    def too_many(self, incoming: Incoming, seconds: int) -> Reply:
        reply = self.error(incoming, 429, "Too many requests")
        if self.retry_after:
            reply.headers["Retry-After"] = str(seconds)
        return reply

    def bad_query(self, incoming: Incoming, problem: BadQuery) -> Reply:
        """A query the vendor refuses (a page size out of range, an unknown filter field)."""
        return self.error(incoming, 400, str(problem))

    def not_found(self, incoming: Incoming) -> Reply:
        return self.error(incoming, 404, f"{incoming.path} was not found")

    def reshaped(self, reply: Reply) -> Reply:
        """The `wrong_shape` fault: the answer's payload moved where no client looks for it."""
        reply.body = {"unexpected": reply.body}
        return reply

    def operation_of(self, incoming: Incoming) -> str:
        """Which call a request makes, where one path serves several (JSON-RPC `method`, `service=`)."""
        return ""

    def list_query(self, route: Route, world: World) -> dict[str, str]:
        """The query a list cannot be read without (Sherweb's subscriptions need a `customerId`), filled
        for one of `world`'s records, so a test that walks every list can walk this one too."""
        return {}

    # -- mechanics -------------------------------------------------------------------------

    def settings(self, base_url: str) -> dict[str, str]:
        """Exactly the settings the connector declares, with this fake's credentials."""
        return {"base_url": base_url, **self.credentials}

    def view(self, world: World) -> Any:
        """`render(world)`, once per world (by identity): a list of 1,000 devices is rendered once, not
        once per page. Callers must not mutate what they get back."""
        with self._lock:
            hit = self._views.get(id(world))
            if hit is None or hit[0] is not world:
                if len(self._views) > 8:
                    self._views.clear()
                hit = self._views[id(world)] = (world, self.render(world))
            return hit[1]

    def route(self, method: str, path: str, operation: str = "") -> tuple[Route | None, dict[str, str], list[str]]:
        """The route for a request, its parameters, and the methods the path allows (for a 405)."""
        allowed: list[str] = []
        for route in self.routes:
            params = route.match(path)
            if params is None:
                continue
            if route.method != method:
                allowed.append(route.method)  # whichever call it makes: a HEAD names none, and is still a 405
                continue
            if route.operation is None or route.operation == operation:
                return route, params, allowed
        return None, {}, allowed


def stable_uuid(*parts: object) -> str:
    """A UUID that depends only on `parts`: the same record keeps its id in every world built alike."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "sandbox:" + ":".join(map(str, parts))))


def split(total: int, weights: list[int]) -> list[int]:
    """`total` in whole bytes, shared out by `weights` (evenly when they are all 0); the last part takes
    what rounding leaves, so the parts add up to `total` exactly, as a vendor's own figures would."""
    whole = sum(weights)
    shares = weights if whole else [1] * len(weights)
    parts = [total * w // (whole or len(weights)) for w in shares[:-1]]
    return parts + [total - sum(parts)]
