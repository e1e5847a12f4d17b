"""Fake Autotask PSA REST API v1.0: zone discovery, then companies, contracts, services and their units.

    GET  /autotask/atservicesrest/v1.0/zoneInformation?user=   no auth; names the zone (here, the same base)
    GET  /autotask/atservicesrest/v1.0/{Entity}/query?search=<json>
    POST /autotask/atservicesrest/v1.0/{Entity}/query                   {"filter": [...], "MaxRecords": 500}
    GET|POST …/{Entity}/query/next?paging=…&search=…                    the next page (see query.py)
    GET|POST …/{Entity}/query/count                                     {"queryCount": n}
    GET  …/{Entity}/{id}                                                {"item": {...}} (not for units)
    GET  …/ThresholdInformation                                         the hour's quota and its use so far
    GET  …/Contracts/entityInformation/fields                           contractType and status picklists

Entities: Companies, Contracts, ContractServices, ContractServiceUnits, Services (`records.py`: a view of
the truth's PSA role). `zone_root` is where the zone answer sends clients: the discovery base itself
here; a test serves the data under another root (`Autotask(zone_root="/zone14/atservicesrest")`, as
webservices14.autotask.net stands beside webservices.autotask.net) to see a client follow it.
The query POSTs are routes of kind READ: they change nothing, as Autotask documents. Auth is the
three headers `ApiIntegrationCode`, `UserName` and `Secret`; errors are `{"errors": ["…"]}` (an
unknown user at discovery and a bad query are 500s, as Autotask answers them); a 429 says
`Retry-After`.

No `spec` is set: the stored swagger (`autotask/rest-swagger-partial-paths.json`) is Swagger 2.0, has
only the Companies and Contracts paths and no schemas, so `tests/vendors/test_autotask.py` checks the
fake's paths, methods and required headers against it instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.auth import Headers
from sandbox.paging import list_route
from sandbox.routing import PUBLIC, READ, BadQuery, Call, Incoming, Reply, Route
from sandbox.truth import catalog
from sandbox.truth.model import Role, World
from sandbox.vendor import FakeVendor, Owned
from sandbox.vendors.autotask import query, records

API = "/atservicesrest"
USERNAME = "sbx-api@sandboxmsp.example"
INTEGRATION_CODE = "SBXTRACKINGID7Q2M4K"
SECRET = "sbx-autotask-Secret$9vR2"
PAGES = query.QueryPages()
METRICS = {f"billed:{p.code}": f"billed:{p.name}" for p in catalog.SOLD}

Rows = Callable[[Call], list[dict[str, Any]]]
ENTITIES: dict[str, Rows] = {
    "Companies": lambda call: call.view.companies,
    "Contracts": lambda call: call.view.contracts,
    "ContractServices": lambda call: call.view.contract_services,
    "ContractServiceUnits": lambda call: call.view.units,
    "Services": lambda call: call.view.services,
}
QUERY_ONLY = frozenset({"ContractServiceUnits"})


class Autotask(FakeVendor):
    kind = "autotask"
    display_name = "Autotask PSA"
    roles = (Role.PSA,)
    prefix = "/autotask"
    api_root = API
    auth = Headers({"ApiIntegrationCode": INTEGRATION_CODE, "UserName": USERNAME, "Secret": SECRET})
    credentials = {"username": USERNAME, "integration_code": INTEGRATION_CODE, "secret": SECRET}

    def __init__(self, zone_root: str = API, quota_used: int = 120) -> None:
        self.zone_root = zone_root
        self.quota_used = quota_used  # what ThresholdInformation says this hour has used
        super().__init__()

    def declare_routes(self) -> tuple[Route, ...]:
        routes = [Route("GET", API + "/v1.0/zoneInformation", self.zone, kind=PUBLIC),
                  Route("GET", f"{self.zone_root}/v1.0/ThresholdInformation", self.threshold),
                  Route("GET", f"{self.zone_root}/v1.0/Contracts/entityInformation/fields",
                        lambda call: Reply(200, {"fields": records.CONTRACT_FIELDS}))]
        for entity, rows in ENTITIES.items():
            where = f"{self.zone_root}/v1.0/{entity}/query"
            for path in (where, where + "/next"):
                routes += [list_route("GET", path, rows, PAGES),
                           list_route("POST", path, rows, PAGES, kind=READ)]
            routes += [Route("GET", where + "/count", self._counting(rows)),
                       Route("POST", where + "/count", self._counting(rows), kind=READ)]
            if entity not in QUERY_ONLY:
                routes.append(Route("GET", f"{self.zone_root}/v1.0/{entity}/{{id}}", self._detail(rows)))
        return tuple(routes)

    def render(self, world: World) -> records.View:
        return records.render(world)

    def accounts(self, world: World) -> dict[str, Owned]:
        return self.view(world).owners

    def metric(self, neutral: str) -> str | None:
        return METRICS.get(neutral)

    # -- how Autotask says no ------------------------------------------------------------------------

    def error(self, incoming: Incoming, status: int, message: str) -> Reply:
        return Reply(status, {"errors": [message]})

    def refuse(self, incoming: Incoming) -> Reply:
        return self.error(incoming, 401, "Authorization has been denied for this request.")

    def bad_query(self, incoming: Incoming, problem: BadQuery) -> Reply:
        return self.error(incoming, 500, str(problem))

    # -- route functions ---------------------------------------------------------------------------

    def zone(self, call: Call) -> Reply:
        if (call.incoming.arg("user") or "").lower() != USERNAME.lower():
            return self.error(call.incoming, 500, "Zone information could not be determined for this user.")
        return Reply(200, {"zoneName": "Sandbox Zone 14", "url": f"{call.incoming.root}{self.prefix}{self.zone_root}/",
                           "webUrl": f"{call.incoming.root}{self.prefix}/web/", "ci": 123456})

    def threshold(self, call: Call) -> Reply:
        return Reply(200, {"externalRequestThreshold": 10_000, "requestThresholdTimeframe": 60,
                           "currentTimeframeRequestCount": self.quota_used})

    def _counting(self, rows: Rows) -> Callable[[Call], Reply]:
        def route(call: Call) -> Reply:
            asked = query.asked(call)
            all_rows = rows(call)
            fields = {key.lower() for row in all_rows for key in row}
            return Reply(200, {"queryCount": sum(1 for r in all_rows if query.predicate(asked["filter"], fields)(r))})

        return route

    def _detail(self, rows: Rows) -> Callable[[Call], Reply]:
        def route(call: Call) -> Reply:
            found = next((r for r in rows(call) if str(r["id"]) == call.params["id"]), None)
            return Reply(200, {"item": found})  # Autotask answers an unknown id with a null item

        return route
