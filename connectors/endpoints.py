"""Declared endpoints: what a connector reads, where the items are, how it pages, and what hangs under what.

A connector lists its endpoints as class attributes and its `sync()` only says what each item
means; `base.Connector.items / one / walk` do the reading:

    test_call = Endpoint("system/info")
    agreements = Endpoint("finance/agreements", params={"conditions": "cancelledFlag=false"},
                          keep=lambda agreement: agreement.get("agreementStatus", "Active") == "Active")
    additions = Endpoint("finance/agreements/{id}/additions", each=agreements)

`keep=` drops what the vendor lists but never counts (a cancelled agreement, an unapproved
device) before the connector sees it, and before a walk reads its children.

`each=` makes a parent → child walk: the path (and any parameter value) is a template filled
from every parent item, `{id}` or a nested `{company.id}`. Filled path values are quoted, so a
vendor's id can never step outside its path. `descend=` makes the walk a tree walk (tenants
under partners under folders): a child it accepts is walked in turn.

`paging` and `items_at` left as None take the connector's defaults (`Connector.paging`,
`Connector.items_at`); `items_at=""` means the body is the list itself.

A vendor whose reads are POSTs (JSON-RPC, Autotask's query calls) declares `method="POST"` and
the `body`; `Connector.read_posts()` turns those declarations into the allow-list the read-only
test checks the vendor's log against.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from connectors.paging import Paginator
from connectors.parse import Reader

Item = Any  # one object of a vendor's list, as its JSON decodes
PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True, eq=False)  # compared by identity: `each=` points at one declaration
class Endpoint:
    """One list or object a connector reads.

    Args:
        path: under the connector's base URL; a template when `each` is set.
        params: query parameters sent with every page (values may be templates too).
        items_at: dotted path to the list in the body; None takes the connector's default.
        paging: the paging style; None takes the connector's default.
        keep: which listed items count at all; the others are skipped.
        each: the parent endpoint whose every item this one is read for.
        descend: for a tree, which children are parents in turn.
        missing_ok: a 404 means "gone" (`one()` gives None) rather than a failed sync.
        method: "GET", or "POST" for a vendor whose read calls are POSTs.
        body: the JSON body of a declared read POST (a JSON-RPC call names its `method`).
    """

    path: str
    params: Mapping[str, Any] = field(default_factory=dict)
    items_at: str | None = None
    paging: Paginator | None = None
    keep: Callable[[Item], bool] | None = None
    each: Endpoint | None = None
    descend: Callable[[Item], bool] | None = None
    missing_ok: bool = False
    method: str = "GET"
    body: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.method not in ("GET", "POST"):
            raise ValueError(f"{self.path}: a read is a GET or a declared read POST, not {self.method}")
        if self.method == "GET" and self.body is not None:
            raise ValueError(f"{self.path}: a GET carries no body; declare the read with method=\"POST\"")

    def sent(self, body: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
        """The body a read sends: `body` given for this call, else the declared one; a GET sends none."""
        if self.method == "GET":
            if body is not None:
                raise TypeError(f"{self.path} is read with GET, which carries no body")
            return None
        return self.body if body is None else body

    def bound(self, parent: Item, read: Reader) -> tuple[str, dict[str, Any]]:
        """The path and parameters for one parent item (`{id}` filled from it)."""
        if parent is None:
            if PLACEHOLDER.search(self.path):
                # reading a child endpoint without its parent would send a literal "{id}" to the vendor
                raise TypeError(f"{self.path} is read for each parent item; walk it, or pass the parent")
            return self.path, dict(self.params)
        path = fill(self.path, parent, read, quoted=True)
        params = {k: fill(v, parent, read) if isinstance(v, str) else v for k, v in self.params.items()}
        return path, params

    @property
    def rpc_method(self) -> str | None:
        """The JSON-RPC method a declared read POST calls, if its body names one."""
        method = (self.body or {}).get("method")
        return str(method) if method else None


def fill(template: str, parent: Item, read: Reader, *, quoted: bool = False) -> str:
    """`"finance/agreements/{id}/additions"` with the parent's `id`; a missing field is a BadResponse."""
    def value(match: re.Match[str]) -> str:
        found = str(read.require(parent, match.group(1)))
        return quote(found, safe="") if quoted else found
    return PLACEHOLDER.sub(value, template)
