"""Fake HaloPSA (Halo API v2): clients, client contracts, recurring invoices and their lines, items; GET only.

    POST /halopsa/auth/token?tenant=sandbox           client credentials, form body, read scopes only
    GET  /halopsa/api/Client[/{id}]                   ?pageinate=true&page_size=&page_no=  (or count=)
    GET  /halopsa/api/ClientContract[/{id}]
    GET  /halopsa/api/RecurringInvoice[/{id}]         ?includelines=true, client_id=; {id}: includedetails=true
    GET  /halopsa/api/Item[/{id}]

A view of the truth's PSA role: each PSA account is a client (a deleted company is `inactive`),
each agreement a client contract with one monthly recurring invoice naming it, each billing line
a line of that invoice, and the MSP's catalog the items. Lists answer `{"record_count": N, <key>:
[…]}`; with `pageinate=true` they page by `page_no` (from 1) and `page_size` (1–1000, default 50)
and echo both; without it `count=` caps the list. Invoices carry `lines` only when asked with
`includelines=true` (`lines_in_list = False` plays a tenant that leaves them out anyway).

How the truth's billing traps look here: a line that includes units bills only the rest in
`qty_order` (Halo's line has no included quantity) and says so in its description; a do-not-bill
or no-charge line is an inactive line (`isinactive`); a cancelled line has a past `enddate`, a
future one a `startdate` ahead, a future cancellation an `enddate` ahead; a cancelled agreement is
a contract with a past `end_date` whose recurring invoice is left open (only the contract says it
ended: the first such agreement, and every other one after it) or disabled with the same end
date. Empty dates are Halo's `1900-01-01T00:00:00`.

Halo's rate limit is unconfirmed (one client budgets 500 requests per 3 minutes), so the sandbox
keeps its generous default bucket; a 429 says when to come back in `Retry-After`. Tokens live
3600 s; a wrong or missing bearer token is a 401. Token errors are OAuth's shape, everything else
`{"errors": ["…"]}` (the shape the doc says some answers take).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sandbox.auth import Bearer, ClientCredentials
from sandbox.paging import Envelope, Fetch, PageNumber, list_route
from sandbox.routing import Call, Incoming, Reply, Route, whole_number
from sandbox.truth import catalog
from sandbox.truth.model import BILLABLE, Role, World
from sandbox.vendor import FakeVendor, Owned

TENANT = "sandbox"
CLIENT_ID = "sbx-halo-3e9c1f7a-52d4-4b8e"
CLIENT_SECRET = "sbx-halo-secret-Qz7Lm2Vx9Kd4Rp1T"
# the scopes the sandbox's API application grants: reads only
SCOPES = frozenset({"read:customers", "read:contracts", "read:invoices", "read:items"})
NO_DATE = "1900-01-01T00:00:00"  # how Halo writes an empty date
ITEM_IDS = {product.code: 70 + 7 * n for n, product in enumerate(catalog.SOLD)}
SOLD = frozenset(ITEM_IDS)

JSON = dict[str, Any]


class HaloGrant(ClientCredentials):
    """Halo's token endpoint: a hosted tenant's `?tenant=` must be this one; any subset of the read scopes."""

    def token(self, call: Call) -> Reply:
        if self._body(call.incoming) is None:
            return super().token(call)  # not a form: malformed, in the shared words
        tenant = call.incoming.arg("tenant")
        if tenant is not None and tenant.lower() != TENANT:
            return self.error(400, "invalid_request", f"Unknown tenant {tenant!r}")
        asked = set(str((self._body(call.incoming) or {}).get("scope") or "").split())
        if not asked or not asked <= SCOPES:
            return self.error(400, "invalid_scope", "The application is not allowed the scope requested")
        reply = super().token(call)
        if reply.status == 200:
            reply.body["scope"] = " ".join(sorted(asked))
        return reply

    def request(self, root: str) -> tuple[str, dict[str, object]]:
        url, kwargs = super().request(root)
        form = dict(kwargs["data"]) | {"scope": " ".join(sorted(SCOPES))}  # type: ignore[call-overload]
        return f"{url}?tenant={TENANT}", {"data": form}


GRANT = HaloGrant(("/auth/token",), {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
                  malformed="The token request must be form-encoded",
                  denied=("invalid_client", "The client ID or secret is not valid"))


@dataclass(frozen=True)
class HaloPages:
    """Halo's lists: `pageinate=true` pages by `page_no`/`page_size`; otherwise the whole list (`count=` caps it)."""

    key: str
    default: int = 50
    maximum: int = 1000

    @property
    def pages(self) -> PageNumber:
        return PageNumber(Envelope(lambda page: {"page_no": page.number, "page_size": page.size,
                                                 "record_count": page.total, self.key: page.items}, items_at=self.key),
                          page="page_no", size="page_size", first=1, default=self.default, maximum=self.maximum)

    def serve(self, rows: Sequence[Any], call: Call) -> tuple[Any, dict[str, str]]:
        if (call.arg("pageinate") or "").lower() == "true":
            return self.pages.serve(rows, call)
        count = whole_number(call, "count", None, minimum=1)
        return {"record_count": len(rows), self.key: list(rows[:count] if count else rows)}, {}

    def walk(self, fetch: Fetch, size: int) -> Iterator[Any]:
        for number in range(1, 100_000):
            body = fetch({"pageinate": "true", "page_no": number, "page_size": size}).json()
            yield from body[self.key]
            if not body[self.key] or number * size >= body["record_count"]:
                return
        raise AssertionError("the pages never ended")


@dataclass(frozen=True)
class View:
    clients: list[JSON]
    contracts: list[JSON]
    invoices: list[JSON]  # each with its `lines`
    items: list[JSON]
    owners: dict[str, Owned]


class HaloPSA(FakeVendor):
    kind = "halopsa"
    display_name = "HaloPSA"
    roles = (Role.PSA,)
    prefix = "/halopsa"
    grant = GRANT
    auth = Bearer(GRANT)
    credentials = {"tenant": TENANT, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                   "scope": "read:customers read:contracts read:invoices"}
    token_lifetime = 3600.0
    lines_in_list = True  # False: a tenant whose invoice list leaves the lines out, even when asked

    def declare_routes(self) -> tuple[Route, ...]:
        routes: list[Route] = []
        for path, key, rows in (("/api/Client", "clients", lambda call: call.view.clients),
                                ("/api/ClientContract", "contracts", lambda call: call.view.contracts),
                                ("/api/RecurringInvoice", "invoices", self._invoices),
                                ("/api/Item", "items", lambda call: call.view.items)):
            routes += [list_route("GET", path, rows, HaloPages(key)),
                       Route("GET", path + "/{id}", self._detail(rows, key == "invoices"))]
        return tuple(routes)

    def render(self, world: World) -> View:
        return _render(world)

    def accounts(self, world: World) -> dict[str, Owned]:
        return self.view(world).owners

    def metric(self, neutral: str) -> str | None:
        kind, _, product = neutral.partition(":")
        return neutral if kind == "billed" and product in SOLD else None

    def error(self, incoming: Incoming, status: int, message: str) -> Reply:
        return Reply(status, {"errors": [message]})

    def refuse(self, incoming: Incoming) -> Reply:
        reply = self.error(incoming, 401, "Authorization has been denied for this request.")
        reply.headers["WWW-Authenticate"] = "Bearer"
        return reply

    def _invoices(self, call: Call) -> list[JSON]:
        invoices: list[JSON] = call.view.invoices
        client = call.incoming.arg("client_id")
        if client is not None:
            invoices = [i for i in invoices if str(i["client_id"]) == client]
        if self.lines_in_list and (call.incoming.arg("includelines") or "").lower() == "true":
            return invoices
        return [{k: v for k, v in i.items() if k != "lines"} for i in invoices]

    def _detail(self, rows: Callable[[Call], list[JSON]], invoices: bool) -> Callable[[Call], Reply]:
        def route(call: Call) -> Reply:
            listed = call.view.invoices if invoices else rows(call)
            found = next((r for r in listed if str(r["id"]) == call.params["id"]), None)
            if found is None:
                return self.error(call.incoming, 404, f"No record found with id {call.params['id']}")
            if invoices and (call.incoming.arg("includedetails") or "").lower() != "true":
                found = {k: v for k, v in found.items() if k != "lines"}
            return Reply(200, found)

        return route


def _render(world: World) -> View:
    rng = random.Random(f"{world.seed}:halopsa")
    clients, contracts, invoices, owners = [], [], [], {}
    client_id, contract_id, invoice_id, line_id = 12, 31, 240, 901
    cancelled = 0  # cancelled agreements rendered so far
    for customer, account in world.accounts(Role.PSA):
        clients.append({"id": client_id, "name": account.name, "inactive": not account.live, "toplevel_id": 1,
                        "toplevel_name": "Customers", "accountsid": f"CUST{client_id:05d}",
                        "website": customer.website, "main_phone": customer.phone})
        owners[str(client_id)] = (customer, account)
        under: dict[str, JSON] = {}
        for agreement in customer.agreements:
            ref = f"{agreement.name.upper().replace(' ', '-')[:12]}-{client_id}"
            contracts.append({"id": contract_id, "client_id": client_id, "client_name": account.name, "ref": ref,
                              "contracttype_name": "Managed Services", "start_date": _date(agreement.start),
                              "end_date": _date(agreement.cancelled), "billing_description": agreement.name})
            # a cancelled agreement's invoice is left open under the ended contract (the first, and every
            # other one after it), or disabled and ended
            closed = False
            if agreement.cancelled is not None:
                closed, cancelled = cancelled % 2 == 1, cancelled + 1
            under[agreement.name] = {
                "id": invoice_id, "client_id": client_id, "client_name": account.name, "contract_id": contract_id,
                "contract_ref": ref, "disabled": closed or not account.live, "periodname": "Monthly",
                "period_type": 3, "startdate": _date(agreement.start),
                "enddate": _date(agreement.cancelled) if closed else NO_DATE,
                "nextcreationdate": _date(_next_month(world.now)), "currency_code": "USD", "lines": []}
            contract_id += rng.randint(1, 3)
            invoice_id += rng.randint(1, 6)
        for line in customer.billing:
            invoice = under[line.agreement]
            product = next(p for p in catalog.SOLD if p.code == line.product)
            described = line.description or product.name
            if line.included:
                described += f" ({line.quantity} less {line.included} included)"
            invoice["lines"].append({
                "id": line_id, "ihid": invoice["id"], "recurring_invoice_id": invoice["id"],
                "contract_id": invoice["contract_id"], "_itemid": ITEM_IDS[line.product], "item_code": line.product,
                "item_shortdescription": described, "qty_order": line.billed, "unit_price": float(line.unit_price),
                "unit_cost": float(line.unit_cost), "net_amount": float(line.billed * line.unit_price),
                "isinactive": line.kind != BILLABLE, "startdate": _date(line.start), "enddate": _date(line.end),
                "period_type": 3, "onetimecharge": False})
            line_id += rng.randint(1, 4)
        for invoice in under.values():
            invoice["total"] = float(sum((Decimal(str(li["net_amount"])) for li in invoice["lines"]
                                          if not li["isinactive"]), Decimal(0)))
            invoices.append(invoice)
        client_id += rng.randint(1, 5)
    items = [{"id": ITEM_IDS[p.code], "name": p.name, "baseprice": float(p.price), "costprice": float(p.cost),
              "recurringprice": float(p.price) if p.recurring else 0.0, "isrecurringitem": p.recurring,
              "externalreference": p.maker_id.split(":")[0], "supplier_part_code": p.maker_id}
             for p in catalog.SOLD]
    return View(clients, contracts, invoices, items, owners)


def _date(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S") if moment else NO_DATE


def _next_month(now: datetime) -> datetime:
    return now.replace(year=now.year + now.month // 12, month=now.month % 12 + 1, day=1, hour=0, minute=0, second=0,
                       microsecond=0)
