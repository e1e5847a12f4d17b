"""Fake SentinelOne Management API v2.1: sites with their SKU and licences, and the agents on them.

    GET /sentinelone/web/api/v2.1/sites     ?limit=&cursor=&state=&siteType=&siteIds=&accountIds=&countOnly=
    GET /sentinelone/web/api/v2.1/agents    ?limit=&cursor=&siteIds=&isDecommissioned=&isUninstalled=&isActive=
                                             &osTypes=&machineTypes=&countOnly=

A view of the truth's security role: each security account is a site under one MSP account, its
SKU the tier its agents run (standard → Core, advanced → Control, complete → Complete), its
licences unlimited (the truth holds no security licence allocation, so `totalLicenses` is 0 with
`unlimitedLicenses: true`; `activeLicenses` is its agents in use). Every security agent of a device
at the account's sites is an agent, ordered by id: `isActive` for an active one, `isActive: false`
with an old `lastActiveDate` for an inactive one, `isDecommissioned: true` for a decommissioned one.

How the truth's traps look here: a decommissioned agent stays listed with `isDecommissioned: true`
(gone with `isDecommissioned=false`); a reinstall's old agent is a second, inactive agent with the
same `computerName` and another `uuid`; an unmanaged detected endpoint is no agent at all (the
console shows it under Ranger's network discovery, which this fake does not serve); a server
without a security agent is simply absent.

Auth is `Authorization: ApiToken <token>`. Lists page by an opaque cursor: `limit` 1–1000
(default 10), `pagination.nextCursor` null on the last page, `countOnly=true` gives `data: []` and
the count. `/sites` puts its list in `data.sites` beside `data.allSites`' licence totals. Every
site carries a `registrationToken`, an agent-install secret a reader must drop. Errors are
`{"errors": [{"code", "title", "detail"}]}`; 4010010 is the doc's code for a refused token, the
other codes follow its pattern (status × 10000 + 10) and are UNCONFIRMED.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.auth import Headers
from sandbox.paging import BodyCursor, Envelope, Page, list_route
from sandbox.routing import BadQuery, Call, Incoming, Reply, Route
from sandbox.truth.model import (
    ACTIVE,
    DECOMMISSIONED,
    DETECTED,
    Customer,
    Device,
    DeviceClass,
    Role,
    SecurityAgent,
    World,
)
from sandbox.vendor import FakeVendor, Owned, stable_uuid

API = "/web/api/v2.1"
TOKEN = "sbx-s1-apitoken-eyJraWQiOiJzYngiLCJhbGciOiJFUzI1NiJ9.Qk3vT8wLm2"
MSP_ACCOUNT = ("987654321098765432", "Northwind MSP")
SKUS = {"standard": "Core", "advanced": "Control", "complete": "Complete"}
METRICS = {"endpoints:standard": "endpoints:core", "endpoints:advanced": "endpoints:control",
           "endpoints:complete": "endpoints:complete"}
MACHINE_TYPES = {DeviceClass.WORKSTATION: "desktop", DeviceClass.LAPTOP: "laptop", DeviceClass.SERVER: "server",
                 DeviceClass.VIRTUAL: "server"}
TITLES = {400: "Validation Error", 401: "Authentication Failed", 403: "Insufficient Permissions",
          404: "Not Found", 405: "Method Not Allowed", 429: "Too Many Requests", 500: "Server Error"}
SITE_FIRST, AGENT_FIRST = 1_234_567_890_123_400_000, 1_500_000_000_000_000_000


def envelope(data: Callable[[Page], Any], items_at: str) -> Envelope:
    """SentinelOne's answer to a list: `{"data": …, "pagination": {"nextCursor", "totalItems"}}`."""
    return Envelope(lambda page: {"data": data(page),
                                  "pagination": {"nextCursor": page.next, "totalItems": page.total}},
                    items_at=items_at, next_at="pagination.nextCursor")


AGENT_PAGES = BodyCursor(envelope(lambda page: page.items, "data"))
SITE_PAGES = BodyCursor(envelope(lambda page: {"sites": page.items}, "data.sites"))

JSON = dict[str, Any]


@dataclass(frozen=True)
class View:
    sites: list[JSON]
    agents: list[JSON]
    owners: dict[str, Owned]


class SentinelOne(FakeVendor):
    kind = "sentinelone"
    display_name = "SentinelOne"
    roles = (Role.SECURITY,)
    prefix = "/sentinelone"
    api_root = API
    auth = Headers({"Authorization": f"ApiToken {TOKEN}"})
    credentials = {"api_token": TOKEN}
    # the doc's slower limit, the one on /agents: about 25 requests a second per token
    rate_limit = (25.0, 50)

    def declare_routes(self) -> tuple[Route, ...]:
        return (
            list_route("GET", API + "/sites", _sites, SITE_PAGES, respond=_with_totals),
            list_route("GET", API + "/agents", _agents, AGENT_PAGES, respond=_counted_only),
        )

    def render(self, world: World) -> View:
        rng = random.Random(f"{world.seed}:sentinelone")
        sites, agents, owners = [], [], {}
        for customer, account in world.accounts(Role.SECURITY):
            site_id = str(SITE_FIRST + account.number * 17 + rng.randint(0, 9))
            held = [(device, agent) for device in customer.held_by(account) for agent in device.security
                    if agent.state != DETECTED]  # a detected endpoint has no agent: Ranger sees it, not /agents
            sites.append(_site(rng, world, customer, account.name, site_id, held))
            agents += [_agent(world, site_id, account.name, device, agent) for device, agent in held]
            owners[site_id] = (customer, account)
        agents.sort(key=lambda a: int(a["id"]))
        return View(sites, agents, owners)

    def accounts(self, world: World) -> dict[str, Owned]:
        return self.view(world).owners

    def metric(self, neutral: str) -> str | None:
        return METRICS.get(neutral)

    def error(self, incoming: Incoming, status: int, message: str) -> Reply:
        return Reply(status, {"errors": [{"code": status * 10000 + 10, "title": TITLES.get(status, "Error"),
                                          "detail": message}]})

    def refuse(self, incoming: Incoming) -> Reply:
        return Reply(401, {"errors": [{"code": 4010010, "title": "Authentication Failed", "detail": None}]})


def _site(rng: random.Random, world: World, customer: Customer, name: str, site_id: str,
          held: list[tuple[Device, SecurityAgent]]) -> JSON:
    tiers = {agent.tier for _, agent in held}
    if len(tiers) > 1:
        raise ValueError(f"{name} runs agents of several tiers; a SentinelOne site has one SKU")
    sku = SKUS[tiers.pop() if tiers else "advanced"]
    in_use = sum(1 for _, agent in held if agent.state != DECOMMISSIONED)
    created = min((agent.installed for _, agent in held), default=customer.entered)
    return {
        "id": site_id, "name": name, "accountId": MSP_ACCOUNT[0], "accountName": MSP_ACCOUNT[1], "state": "active",
        "siteType": "Paid", "sku": sku, "suite": sku, "totalLicenses": 0, "activeLicenses": in_use,
        "unlimitedLicenses": True, "expiration": None, "unlimitedExpiration": True, "externalId": "",
        "description": None, "isDefault": False, "healthStatus": True, "createdAt": _stamp(created),
        "updatedAt": _stamp(world.now), "creator": "MSP Admin", "creatorId": "1100000000000000001",
        "licenses": {"bundles": [{"name": sku.lower(), "displayName": sku, "totalSurfaces": 0,
                                  "surfaces": [{"name": "Total Agents", "count": 0}]}], "modules": [], "settings": []},
        "registrationToken": hashlib.sha256(f"{world.seed}:s1 site token:{site_id}".encode()).hexdigest()
        + f"{rng.randint(10**5, 10**6 - 1)}",
    }


def _agent(world: World, site_id: str, site_name: str, device: Device, agent: SecurityAgent) -> JSON:
    os_type = "macos" if device.os.startswith("macOS") else "linux" if "Ubuntu" in device.os else "windows"
    digest = hashlib.sha256(f"{world.seed}:s1 agent:{agent.number}".encode()).digest()
    return {
        "id": str(AGENT_FIRST + agent.number),
        "uuid": stable_uuid(world.seed, "s1 agent", agent.number).replace("-", ""),
        "computerName": device.hostname, "siteId": site_id, "siteName": site_name,
        "accountId": MSP_ACCOUNT[0], "accountName": MSP_ACCOUNT[1],
        "groupId": str(int(site_id) + 10**17), "groupName": "Default Group",
        "agentVersion": ("23.4.2.14", "24.1.4.257", "23.3.3.264")[digest[0] % 3], "osType": os_type,
        "osName": device.os, "osArch": "64 bit", "machineType": MACHINE_TYPES.get(device.cls, "unknown"),
        "networkStatus": "connected" if agent.state == ACTIVE else "disconnected",
        "isActive": agent.state == ACTIVE, "isDecommissioned": agent.state == DECOMMISSIONED,
        "isUninstalled": False, "isUpToDate": digest[1] % 4 != 0, "infected": False, "activeThreats": 0,
        "lastActiveDate": _stamp(agent.last_seen), "registeredAt": _stamp(agent.installed),
        "createdAt": _stamp(agent.installed), "updatedAt": _stamp(agent.last_seen),
        "domain": "WORKGROUP" if os_type != "windows" else device.hostname.split("-")[0],
        "lastIpToMgmt": f"10.{digest[2]}.{digest[3]}.{digest[4] % 254 + 1}",
        "operationalState": "na", "mitigationMode": "protect",
    }


# -- the lists and their filters --------------------------------------------------------------------

def _sites(call: Call) -> list[JSON]:
    rows: list[JSON] = call.view.sites
    return _narrowed(call, rows, {"state": "state", "siteType": "siteType", "siteIds": "id", "accountIds": "accountId"})


def _agents(call: Call) -> list[JSON]:
    rows: list[JSON] = call.view.agents
    for flag in ("isDecommissioned", "isUninstalled", "isActive"):
        wanted = call.arg(flag)
        if wanted is not None:
            if wanted.lower() not in ("true", "false"):
                raise BadQuery(f"{flag} must be true or false, not {wanted!r}", flag)
            rows = [a for a in rows if a[flag] == (wanted.lower() == "true")]
    return _narrowed(call, rows, {"siteIds": "siteId", "accountIds": "accountId", "osTypes": "osType",
                                  "machineTypes": "machineType"})


def _narrowed(call: Call, rows: list[JSON], filters: dict[str, str]) -> list[JSON]:
    """Rows whose field is one of a comma-separated filter's values (SentinelOne's list filters)."""
    for param, field in filters.items():
        wanted = call.arg(param)
        if wanted:
            values = {v.strip().lower() for v in wanted.split(",") if v.strip()}
            rows = [r for r in rows if str(r[field]).lower() in values]
    return rows


def _counted_only(call: Call, body: JSON, headers: dict[str, str]) -> Reply:
    """`countOnly=true`: no records, only how many there are."""
    if (call.arg("countOnly") or "").lower() == "true":
        body = {"data": [], "pagination": {"nextCursor": None, "totalItems": body["pagination"]["totalItems"]}}
    return Reply(200, body, headers)


def _with_totals(call: Call, body: JSON, headers: dict[str, str]) -> Reply:
    """`data.allSites`: the licence totals of every site the query matches, beside the page of them."""
    matched = _sites(call)
    body["data"]["allSites"] = {"activeLicenses": sum(s["activeLicenses"] for s in matched),
                                "totalLicenses": sum(s["totalLicenses"] for s in matched)}
    counted = _counted_only(call, body, headers)
    if counted.body is not body:
        counted.body["data"] = {"allSites": body["data"]["allSites"], "sites": []}
    return counted


def _stamp(moment: datetime) -> str:
    """`2024-05-30T08:12:00.000000Z`, as SentinelOne writes times."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
