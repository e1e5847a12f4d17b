"""Fake Acronis Cyber Protect Cloud, Account Management API v2: the tenant tree and its usages.

    POST /acronis/api/2/idp/token                   Basic client_id:client_secret, grant_type=client_credentials
    GET  /acronis/api/2/clients/{client_id}         the API client: its partner's `tenant_id`
    GET  /acronis/api/2/tenants/{tenant_id}
    GET  /acronis/api/2/tenants/{tenant_id}/children   {"items": [<uuid>, …]}: direct children's ids only
    GET  /acronis/api/2/tenants?uuids=<uuid>,…      {"items": [tenant, …]}: at most 100 ids
    GET  /acronis/api/2/tenants/{tenant_id}/usages  {"items": [usage, …]}: this billing month
    GET  /acronis/api/2/applications                {"items": [application, …]} (never read by the connector)

A view of the truth's backup role: the MSP is the partner tenant that owns the API client, and each
backup account is a customer tenant. Most hang straight under the partner; some sit in a folder
("Direct clients"); a customer under a reseller folder sits in the sub-reseller's partner tenant,
inside its folder, two levels down (the trap, in Acronis' terms: it still belongs to its client).

A customer's usages are one item per offering item, counted from the truth: `workstations`,
`servers`, `vms`, `m365_seats` (users), `m365_mailboxes` (shared mailboxes) and `storage` in bytes,
split over two storage infrastructures for some. A few customers count their servers under two
editions. Offering items that are enabled but unused are listed with value 0, and a `feature` item
(on or off) is always there. `value` is the tenant's own, `absolute_value` adds its children's: a
partner or folder has value 0 and the sum of everything under it, so reading one counts twice.

Tokens live 7200 s and their answer says `expires_on`, a Unix time. Nothing pages. Errors are
`{"error": {"code", "message", "domain", "context"}}`; Acronis publishes no rate limit, and its
429s carry a `Retry-After`.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sandbox.auth import BasicClientCredentials, Bearer
from sandbox.paging import Envelope, Whole, list_route
from sandbox.routing import BadQuery, Call, Incoming, Reply, Route, detail
from sandbox.truth import measures
from sandbox.truth.model import Role, World
from sandbox.vendor import FakeVendor, Owned, stable_uuid

API = "/api/2"
CLIENT_ID = "5b2c7e1a-sbx0-4a1c-9f3e-acr0n1sc11e7"
CLIENT_SECRET = "sbx-acronis-secret-Qm8Tz2Lw6Hv4Nc1R"
GRANT = BasicClientCredentials((API + "/idp/token",), {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
                               denied=("unauthorized_client", "Client authentication failed"),
                               absolute_expiry=True, extra={"id_token": "", "scope": ""})
LISTED = Whole(Envelope(lambda page: {"items": page.items}, items_at="items"))
BATCH = 100
# neutral metric → Acronis usage name; the connector's metric follows from the name
NAMES = {"protected:workstation": "workstations", "protected:server": "servers", "protected:vm": "vms",
         "seats:user": "m365_seats", "seats:shared mailbox": "m365_mailboxes"}
METRICS = {"protected:workstation": "protected:workstation", "protected:server": "protected:server",
           "protected:vm": "protected:vm", "seats:user": "seats:user", "seats:shared mailbox": "seats:mailbox",
           "storage:bytes": "storage:bytes"}
APPLICATION = "6e6d758d-8e74-3ae3-ac84-50eb0dff12eb"  # Cyber Protection
# the platform's applications (usage items name theirs); the connector never needs this list
APPLICATIONS = ({"id": APPLICATION, "name": "Cyber Protection", "type": "backup", "api_base_url": "/api/2"},
                {"id": "f9c6a2b1-4e3d-4c1a-8b7e-0d5f3a2c1e90", "name": "Notary", "type": "notary",
                 "api_base_url": "/api/notary"})
EDITIONS = ("pck_per_workload", "pck_per_gigabyte")
RESELLER_FOLDER = "Managed clients"

JSON = dict[str, Any]


@dataclass(frozen=True)
class View:
    partner: str  # the tenant that owns the API client
    tenants: dict[str, JSON]  # id → tenant
    children: dict[str, list[str]]  # id → its children's ids
    usages: dict[str, list[JSON]]  # id → its usage items
    owners: dict[str, Owned]


class Acronis(FakeVendor):
    kind = "acronis"
    display_name = "Acronis Cyber Protect Cloud"
    roles = (Role.BACKUP,)
    prefix = "/acronis"
    api_root = API
    grant = GRANT
    auth = Bearer(GRANT)
    token_lifetime = 7200.0
    credentials = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    # Acronis publishes no rate; usages are one call per customer, so the stand-in lets a whole sync
    # through at a test's unpaced speed (tests set a tiny one for 429s)
    rate_limit = (100.0, 200)

    def declare_routes(self) -> tuple[Route, ...]:
        return (
            Route("GET", API + "/clients/{client_id}", self._client),
            list_route("GET", API + "/tenants", _batch, LISTED),
            list_route("GET", API + "/applications", lambda call: list(APPLICATIONS), LISTED),
            Route("GET", API + "/tenants/{tenant_id}", detail(
                lambda call: list(call.view.tenants.values()), self._missing, "tenant_id", "id")),
            self._under("/tenants/{tenant_id}/children", lambda view: view.children),
            self._under("/tenants/{tenant_id}/usages", lambda view: view.usages),
        )

    def render(self, world: World) -> View:
        rng = random.Random(f"{world.seed}:acronis")
        partner = stable_uuid(world.seed, "acronis partner")
        tenants: dict[str, JSON] = {partner: _tenant(partner, "Sandbox MSP", "partner", None, 1)}
        children: dict[str, list[str]] = defaultdict(list)
        usages: dict[str, list[JSON]] = {}
        owners: dict[str, Owned] = {}
        month = world.now.replace(day=1, hour=0, minute=0, second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:%S")

        def place(name: str, kind: str, parent: str) -> str:
            tenant_id = stable_uuid(world.seed, "acronis tenant", parent, name)
            if tenant_id not in tenants:
                tenants[tenant_id] = _tenant(tenant_id, name, kind, parent, rng.randint(1, 9))
                children[parent].append(tenant_id)
                tenants[parent]["has_children"] = True
            return tenant_id

        direct = place("Direct clients", "folder", partner)
        for customer, account in world.accounts(Role.BACKUP):
            if account.folder:
                parent = place(RESELLER_FOLDER, "folder", place(account.folder, "partner", partner))
            else:
                parent = direct if rng.random() < 0.3 else partner
            tenant_id = stable_uuid(world.seed, "acronis customer", account.role.value, account.number, account.name)
            tenants[tenant_id] = _tenant(tenant_id, account.name, "customer", parent, rng.randint(1, 30),
                                         enabled=account.live, customer_type="default")
            children[parent].append(tenant_id)
            tenants[parent]["has_children"] = True
            owners[tenant_id] = (customer, account)
            counts: Counter[str] = Counter()
            for item in measures.items(customer, account, world.now):
                counts[item.metric] += item.units
            usages[tenant_id] = _usages(rng, tenant_id, counts, month)
        _roll_up(partner, children, usages, month)
        return View(partner, tenants, dict(children), usages, owners)

    def accounts(self, world: World) -> dict[str, Owned]:
        return self.view(world).owners

    def reported(self, world: World) -> dict[str, Owned]:
        # a disabled customer keeps its backups and storage, and the connector reports it
        return self.accounts(world)

    def metric(self, neutral: str) -> str | None:
        return METRICS.get(neutral)

    def list_query(self, route: Route, world: World) -> dict[str, str]:
        if route.pattern != API + "/tenants":
            return {}
        view = self.view(world)
        return {"uuids": ",".join(view.children[view.partner][:BATCH])}  # the partner's children, as a walk asks

    def error(self, incoming: Incoming, status: int, message: str) -> Reply:
        return Reply(status, {"error": {"code": _CODES.get(status, "Error"), "message": message,
                                        "domain": "PlatformAccountServer", "context": {}}})

    def _client(self, call: Call) -> Reply:
        if call.params["client_id"] != CLIENT_ID:
            return self._missing(call, call.params["client_id"])
        return Reply(200, {"client_id": CLIENT_ID, "tenant_id": call.view.partner, "type": "api_client",
                           "status": "enabled", "data": {"client_name": "BillingReconcile"}})

    def _missing(self, call: Call, wanted: str) -> Reply:
        return self.error(call.incoming, 404, f"Object {wanted} not found")

    def _under(self, path: str, lists: Any) -> Route:
        """A tenant's own list; an unknown tenant is a 404, a tenant without any an empty list."""
        listed = list_route("GET", API + path, lambda call: lists(call.view).get(call.params["tenant_id"], []),
                            LISTED)

        def answer(call: Call) -> Reply:
            if call.params["tenant_id"] not in call.view.tenants:
                return self._missing(call, call.params["tenant_id"])
            return listed.function(call)

        return Route("GET", listed.pattern, answer, listing=LISTED)


_CODES = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 429: "TooManyRequests",
          500: "InternalServerError", 503: "ServiceUnavailable"}


def _batch(call: Call) -> list[JSON]:
    """`GET /tenants?uuids=a,b,…`: the tenants named, in the order asked; unknown ids are left out."""
    asked = [u for u in (call.incoming.arg("uuids") or "").split(",") if u]
    if not asked:
        raise BadQuery("uuids is required", "uuids")
    if len(asked) > BATCH:
        raise BadQuery(f"uuids accepts at most {BATCH} ids", "uuids")
    return [call.view.tenants[u] for u in asked if u in call.view.tenants]


def _tenant(tenant_id: str, name: str, kind: str, parent: str | None, version: int, *, enabled: bool = True,
            customer_type: str | None = None) -> JSON:
    record: JSON = {"id": tenant_id, "name": name, "kind": kind, "parent_id": parent, "enabled": enabled,
                    "has_children": False, "version": version}
    if customer_type:
        record["customer_type"] = customer_type
    return record


def _usages(rng: random.Random, tenant_id: str, counts: Counter[str], month: str) -> list[JSON]:
    """The truth's counts as usage items, in Acronis' names and editions; unused items listed at 0."""
    edition = rng.choice(EDITIONS)
    rows: list[JSON] = []
    for neutral, name in NAMES.items():
        count = int(counts.get(neutral, 0))
        if neutral == "protected:server" and count >= 2 and rng.random() < 0.3:
            moved = rng.randint(1, count - 1)  # some servers on the other edition: both are counted
            rows.append(_item(tenant_id, name, EDITIONS[edition == EDITIONS[0]], "quantity", "count", moved, month))
            count -= moved
        if count or rng.random() < 0.4:  # an enabled offering item nothing uses yet is listed at 0
            rows.append(_item(tenant_id, name, edition, "quantity", "count", count, month, quota=rng.random() < 0.2))
    rows.append(_item(tenant_id, "mobiles", edition, "quantity", "count", 0, month))
    rows.append(_item(tenant_id, "notary", edition, "quantity", "feature", 1, month))  # on/off, no count
    stored = int(counts.get("storage:bytes", 0))
    if stored:
        local = int(stored * rng.uniform(0.1, 0.4)) if rng.random() < 0.3 else 0
        for infra, part in (("cloud", stored - local), ("second", local)):
            if part:
                rows.append(_item(tenant_id, "storage", edition, "bytes", "infra", part, month,
                                  infra=stable_uuid("acronis infra", infra)))
    return rows


def _item(tenant_id: str, name: str, edition: str, unit: str, kind: str, value: int, month: str, *,
          quota: bool = False, infra: str | None = None) -> JSON:
    cap = {"value": value + 5, "overage": 0, "version": 1} if quota else {"value": None, "overage": None, "version": 0}
    return {"tenant_id": tenant_id, "name": name, "usage_name": name, "edition": edition,
            "application_id": APPLICATION, "infra_id": infra, "measurement_unit": unit, "type": kind,
            "value": value, "absolute_value": value, "range_start": month,
            "offering_item": {"status": 1, "quota": cap}}


def _roll_up(tenant_id: str, children: dict[str, list[str]], usages: dict[str, list[JSON]],
             month: str) -> Counter[tuple[str, str, str, str, str]]:
    """Give every partner and folder its items: value 0 (it uses nothing itself), absolute_value the
    sum of everything under it. Returns the sums for its parent."""
    if tenant_id in usages:  # a customer: its own items
        return Counter({(u["name"], u["edition"], u["measurement_unit"], u["type"], u["infra_id"] or ""):
                        u["absolute_value"] for u in usages[tenant_id]})
    total: Counter[tuple[str, str, str, str, str]] = Counter()
    for child in children.get(tenant_id, []):
        total.update(_roll_up(child, children, usages, month))
    rows = []
    for (name, edition, unit, kind, infra), under in sorted(total.items()):
        row = _item(tenant_id, name, edition, unit, kind, 0, month, infra=infra or None)
        row["absolute_value"] = int(Decimal(under))
        rows.append(row)
    usages[tenant_id] = rows
    return total
