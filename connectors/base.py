"""What every connector declares, and the little machinery that turns a declaration into a client.

A vendor module subclasses `Connector`, fills in the class attributes (fields, guidance, metrics,
auth, its endpoints and the cheap `test_call`) and writes `sync()`, which only says what each
item means; see `ninjaone.py` for a complete one. Reading a declared endpoint (`items`, `one`,
`walk`) and everything under it (auth, retries, paging, pace, redaction) is shared.
"""

from __future__ import annotations

import fnmatch
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar

import httpx

from connectors.auth import AuthSpec
from connectors.endpoints import Endpoint, Item
from connectors.guidance import Guidance
from connectors.errors import BadResponse, ConfigError
from connectors.http import DEFAULT_POLICY, JSON_BODY, BodyFormat, HttpPolicy, VendorClient, error_message, paced_for
from connectors.paging import Paginator, Unpaged
from connectors.parse import Reader
from connectors.records import Record


class Role(str, Enum):
    """Which side of a check a source can stand on."""

    BILLING = "billing"
    USAGE = "usage"
    BOTH = "both"


class PriceBasis(str, Enum):
    """What a source's unit prices are: the MSP's price to its client, or what the MSP pays for it."""

    SALE = "sale"  # a PSA's agreement price: what the client is billed
    COST = "cost"  # a distributor's price to the MSP: money from it is labelled "at cost"


@dataclass(frozen=True)
class Field:
    """One setting a user gives when connecting: shown in the connect modal and `billrec connect`.

    `choices` are (value, label) pairs such as regional base URLs; a user may still type another
    value (a self-hosted server, a test sandbox).
    """

    name: str
    label: str
    secret: bool = False
    default: str | None = None
    required: bool = True
    hint: str = ""
    choices: tuple[tuple[str, str], ...] = ()


class Connector:
    """Base of every vendor connector: declare the class attributes and endpoints, implement `sync`."""

    kind: ClassVar[str]
    display_name: ClassVar[str]
    role: ClassVar[Role]
    fields: ClassVar[tuple[Field, ...]]
    guidance: ClassVar[Guidance]
    # metric key or pattern ("billed:*") → what it counts
    metrics: ClassVar[dict[str, str]]
    # what the unit prices on its quantities are; never summed with the other kind
    price_basis: ClassVar[PriceBasis] = PriceBasis.SALE
    auth: ClassVar[AuthSpec | None] = None
    # the vendor's documented request limit, paced at in production; None where none is published
    rate_limit: ClassVar[RateLimit | None] = None
    # how the vendor writes its answers: JSON, or `connectors.http.XML_BODY` for an XML API
    body_format: ClassVar[BodyFormat] = JSON_BODY
    # extra headers on every request; values are format strings over the settings
    headers: ClassVar[dict[str, str]] = {}
    # one cheap authenticated read: what `test()` calls
    test_call: ClassVar[Endpoint]
    # defaults for every declared endpoint that does not say otherwise
    paging: ClassVar[Paginator] = Unpaged()
    items_at: ClassVar[str | None] = None
    # strict value readers that name this vendor (`read.require(org, "id")`), bound per class
    read: ClassVar[Reader]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "display_name" in cls.__dict__:
            cls.read = Reader(cls.display_name)

    def __init__(
        self,
        settings: Mapping[str, str],
        *,
        policy: HttpPolicy = DEFAULT_POLICY,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = self.clean_settings(settings)
        base_url = self.settings["base_url"]
        self.http = VendorClient(
            self.display_name,
            base_url,
            auth=self.auth.build(self.settings, base_url) if self.auth else None,
            headers={name: value.format(**self.settings) for name, value in self.headers.items()},
            secrets=self.secret_values(),
            policy=paced_for(policy, self.rate_limit),
            check_response=self.check_response,
            describe_error=self.describe_error,
            sleep=sleep,
            body_format=self.body_format,
        )

    # -- declared behaviour ---------------------------------------------------------------

    def test(self) -> None:
        """One cheap authenticated read (`test_call`); raises a `ConnectorError` when it fails."""
        self.one(self.test_call)

    def sync(self) -> Iterator[Record]:
        """Yield accounts, quantities and assets, page by page."""
        raise NotImplementedError

    # -- reading declared endpoints --------------------------------------------------------

    def items(self, endpoint: Endpoint, parent: Item = None, *,
              body: Mapping[str, Any] | None = None) -> Iterator[Item]:
        """Every item of a declared list that it keeps, page by page; `parent` fills a child's path.

        `body` replaces a declared read POST's body for this call (a query's filter built at run time:
        these contract ids, today's date); the method and path stay the declared ones.
        """
        path, params = endpoint.bound(parent, self.read)
        items_at = self.items_at if endpoint.items_at is None else endpoint.items_at
        listed = self.http.items(path, params, paging=endpoint.paging or self.paging, items_at=items_at,
                                 method=endpoint.method, body=endpoint.sent(body))
        return listed if endpoint.keep is None else filter(endpoint.keep, listed)

    def one(self, endpoint: Endpoint, parent: Item = None, *, body: Mapping[str, Any] | None = None) -> Any:
        """The body of a declared single read; None when it is `missing_ok` and the vendor says 404.

        `body` replaces a declared read POST's body for this call, as for `items`.
        """
        path, params = endpoint.bound(parent, self.read)
        try:
            return self.http.json(path, params, method=endpoint.method, body=endpoint.sent(body))
        except BadResponse as error:
            if endpoint.missing_ok and error.status == 404:
                return None
            raise

    def walk(self, endpoint: Endpoint, parents: Iterable[Item] | None = None) -> Iterator[tuple[Item, Item]]:
        """(parent, child) for every child of every parent: the items of `endpoint.each`, or `parents`.

        `parents` are the connector's own choice of them (only agreements of listed companies) or
        a tree's roots. With `descend=` declared, a child it accepts is a parent in turn.
        """
        if endpoint.each is None and parents is None:
            raise TypeError(f"{endpoint.path} declares no parent (each=) to walk over")
        levels: deque[Iterable[Item]] = deque([self.items(endpoint.each) if parents is None else parents])
        walked: set[str] = set()
        while levels:
            for parent in levels.popleft():
                if endpoint.descend is not None:
                    # a tenant listed under two parents (or under itself) must not loop the sync
                    where = repr(endpoint.bound(parent, self.read))
                    if where in walked:
                        raise BadResponse(f"{self.display_name}: {endpoint.path} lists the same parent twice; "
                                          "stopping so the sync cannot loop")
                    walked.add(where)
                deeper: list[Item] = []
                for child in self.items(endpoint, parent):
                    yield parent, child
                    if endpoint.descend is not None and endpoint.descend(child):
                        deeper.append(child)
                if deeper:
                    levels.append(deeper)

    @classmethod
    def endpoints(cls) -> dict[str, Endpoint]:
        """Every endpoint this connector declares, by attribute name, base classes first."""
        found: dict[str, Endpoint] = {}
        for klass in reversed(cls.__mro__):
            found.update({name: value for name, value in vars(klass).items() if isinstance(value, Endpoint)})
        return found

    @classmethod
    def read_posts(cls, base_url: str) -> frozenset[tuple[str, str | None]]:
        """The only POSTs this connector may send: (URL path, JSON-RPC method or None).

        Its token request, if its auth has one, every endpoint declared with `method="POST"`, and
        where such an endpoint's paging says where its next pages are (`NextLink(follow=…)`), there.
        The read-only contract test allows these in the vendor's log and nothing else.
        """
        root = httpx.URL(base_url.rstrip("/") + "/")
        posts: set[tuple[str, str | None]] = set()
        for endpoint in cls.endpoints().values():
            if endpoint.method == "POST":
                path = root.join(endpoint.path.lstrip("/")).path
                following = getattr(endpoint.paging or cls.paging, "following", None)
                posts |= {(path, endpoint.rpc_method)}
                if following is not None and following(path):
                    posts |= {(following(path), endpoint.rpc_method)}
        token = cls.token_url(base_url)
        # an auth that renews at a second address (a refresh route) names every address it posts to
        tokens = getattr(cls.auth, "token_urls", lambda url: (token,) if token else ())(base_url)
        return frozenset(posts | {(httpx.URL(url).path, None) for url in tokens})

    @classmethod
    def token_url(cls, base_url: str) -> str | None:
        """Where the auth posts its token request, for auth that fetches a token."""
        token_url = getattr(cls.auth, "token_url", None)  # only token-issuing auth has one
        return token_url(base_url) if token_url else None

    # -- hooks a vendor may override -------------------------------------------------------

    def check_response(self, response: httpx.Response, body: Any) -> None:
        """Raise a `ConnectorError` for a vendor that reports errors inside a 200 body."""

    def describe_error(self, response: httpx.Response) -> str:
        """The vendor's own words for an error response."""
        return error_message(response)

    # -- mechanics ------------------------------------------------------------------------

    @classmethod
    def clean_settings(cls, settings: Mapping[str, str]) -> dict[str, str]:
        """Apply defaults, strip whitespace and refuse missing or unknown fields."""
        known = {f.name for f in cls.fields}
        unknown = sorted(set(settings) - known)
        if unknown:
            raise ConfigError(f"{cls.display_name} has no setting {', '.join(unknown)}; "
                              f"it takes {', '.join(sorted(known))}")
        clean: dict[str, str] = {}
        missing = []
        for field in cls.fields:
            value = (settings.get(field.name) or field.default or "").strip()
            if field.required and not value:
                missing.append(field.label)
            clean[field.name] = value
        if missing:
            raise ConfigError(f"{cls.display_name} needs {', '.join(missing)}")
        base = clean.get("base_url", "")
        if base and not base.startswith(("https://", "http://")):
            raise ConfigError(f"{cls.display_name}: the API URL must start with https://")
        return clean

    def secret_values(self) -> list[str]:
        return [self.settings[f.name] for f in self.fields if f.secret and self.settings.get(f.name)]

    @classmethod
    def declares(cls, metric: str) -> bool:
        """True when `metric` is in this connector's catalog (patterns such as `billed:*` count)."""
        return any(fnmatch.fnmatchcase(metric, pattern) for pattern in cls.metrics)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

