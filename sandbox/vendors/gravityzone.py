"""Fake Bitdefender GravityZone Cloud Public API (JSON-RPC 2.0): companies, their endpoints, licence usage.

    POST /gravityzone/api/v1.0/jsonrpc/network    getNetworkInventoryItems  {filters.type.companies, page, perPage}
                                                  getEndpointsList          {parentId, isManaged, page, perPage}
    POST /gravityzone/api/v1.0/jsonrpc/licensing  getLicenseInfo            {companyId?}
                                                  getMonthlyUsage           {companyId?, targetMonth: "mm/yyyy"}

A view of the truth's security role: each live security account is a customer company (`type` 1,
24-hex `id`) under one partner company; a deleted one is gone (GravityZone deletes a company with
its inventory). Every security agent of a device at the account's sites is an endpoint of that
company: an active or inactive agent is managed (`isManaged`, `managedWithBest`) with the time of
its last successful scan (`lastSuccessfulScan.date`, the agent's last contact).

How the truth's traps look here: a decommissioned agent (an uninstalled BEST) leaves its endpoint in
the inventory as unmanaged (`isManaged: false`, `managedWithBest: false`); an unmanaged detected
endpoint is a network-discovered machine, unmanaged too; both are gone with `isManaged: true`. A
reinstall's old agent is a second endpoint with the same `name`, its last scan weeks old. A server
without a security agent is simply absent.

Lists page by `page` (from 1) and `perPage` (1–100, default 30) in `params`; the result is
`{"page", "pagesCount", "perPage", "total", "items"}`. Auth is Basic with the API key as the user
name and an empty password. The truth holds no licence usage for security, so `getMonthlyUsage`
reports every counter 0 (its `usage` on the view can be set by a test); `getLicenseInfo` is the
partner's monthly licence. Errors are JSON-RPC error objects; 10 requests a second per key.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sandbox.auth import Basic
from sandbox.jsonrpc import JsonRpcVendor, numbered_pages, rpc_list, rpc_route
from sandbox.routing import BadQuery, Call, Incoming, Reply, Route
from sandbox.truth.model import ACTIVE, INACTIVE, Device, DeviceClass, Role, SecurityAgent, World
from sandbox.vendor import Owned

API = "/api"
NETWORK, LICENSING = "/api/v1.0/jsonrpc/network", "/api/v1.0/jsonrpc/licensing"
KEY = "sbxgz0c6f1e2d3a4b5968778695a4b3c2d1e0f1a2b3c4d5e6f708192a3b4c5d6e7f8"
PARTNER = ("5a4f1c2e3b4d5e6f7a8b9c00", "Northwind MSP")
COUNTERS = ("endpointMonthlyUsage", "edrMonthlyUsage", "patchManagementMonthlyUsage", "emailSecurityMonthlyUsage",
            "exchangeMonthlyUsage", "encryptionMonthlyUsage", "atsMonthlyUsage", "mdrFoundationsMonthlyUsage",
            "mdrResponseMonthlyUsage", "containerProtectionMonthlyUsage", "sveVsMonthlyUsage", "sveVdiMonthlyUsage")
MACHINE_TYPES = {DeviceClass.WORKSTATION: 1, DeviceClass.LAPTOP: 1, DeviceClass.SERVER: 1, DeviceClass.VIRTUAL: 2}
MONTH = re.compile(r"(0[1-9]|1[0-2])/\d{4}")
PAGES = numbered_pages()

JSON = dict[str, Any]


@dataclass(frozen=True)
class View:
    companies: list[JSON]
    endpoints: dict[str, list[JSON]]  # company id → its endpoints, managed or not
    owners: dict[str, Owned]
    usage: dict[str, JSON] = field(default_factory=dict)  # company id → counters a test has set


def hex_id(*parts: object) -> str:
    """A 24-hex id (GravityZone's ObjectId form) that depends only on `parts`."""
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:24]


class GravityZone(JsonRpcVendor):
    kind = "gravityzone"
    display_name = "Bitdefender GravityZone"
    roles = (Role.SECURITY,)
    prefix = "/gravityzone"
    api_root = API
    auth = Basic(KEY, "")
    credentials = {"api_key": KEY}
    # the doc's 10 a second per key; the burst it allows is unpublished, taken as generous
    rate_limit = (10.0, 100)

    def declare_routes(self) -> tuple[Route, ...]:
        return (
            rpc_list(NETWORK, "getNetworkInventoryItems", _companies, PAGES),
            rpc_list(NETWORK, "getEndpointsList", _endpoints, PAGES),
            rpc_route(LICENSING, "getLicenseInfo", _license_info),
            rpc_route(LICENSING, "getMonthlyUsage", _monthly_usage),
        )

    def render(self, world: World) -> View:
        companies, endpoints, owners = [], {}, {}
        for customer, account in world.accounts(Role.SECURITY):
            if not account.live:
                continue  # deleted in GravityZone: its company and inventory are gone
            company_id = hex_id(world.seed, "gz company", account.number)
            companies.append({"id": company_id, "name": account.name, "type": 1, "parentId": PARTNER[0],
                              "companyId": company_id})
            group = hex_id(world.seed, "gz group", account.number)
            endpoints[company_id] = [_endpoint(world, company_id, group, device, agent)
                                     for device in customer.held_by(account) for agent in device.security]
            owners[company_id] = (customer, account)
        companies.sort(key=lambda c: c["id"])
        return View(companies, endpoints, owners)

    def accounts(self, world: World) -> dict[str, Owned]:
        return self.view(world).owners

    def metric(self, neutral: str) -> str | None:
        # GravityZone's endpoint list names no package tier: every managed endpoint counts alike
        return "endpoints:managed" if neutral.startswith("endpoints:") else None

    def refuse(self, incoming: Incoming) -> Reply:
        return self.error(incoming, 401, "Authentication failed: the API key is not valid", -32000)


def _endpoint(world: World, company_id: str, group: str, device: Device, agent: SecurityAgent) -> JSON:
    managed = agent.state in (ACTIVE, INACTIVE)
    digest = hashlib.sha256(f"{world.seed}:gz endpoint:{agent.number}:{device.number}".encode()).digest()
    server = device.cls in (DeviceClass.SERVER, DeviceClass.VIRTUAL)
    os_version = device.os if not server or "Server" in device.os else f"{device.os} Server"
    item: JSON = {
        "id": hex_id(world.seed, "gz endpoint", device.number, agent.number, agent.installed.isoformat()),
        "name": device.hostname, "label": "", "fqdn": f"{device.hostname.lower()}.{company_id[:6]}.local",
        "groupId": group, "isManaged": managed, "machineType": MACHINE_TYPES.get(device.cls, 0),
        "operatingSystemVersion": os_version, "ip": f"10.{digest[0]}.{digest[1]}.{digest[2] % 254 + 1}",
        "macs": [digest[3:9].hex()], "ssid": "", "managedWithBest": managed, "companyId": company_id,
    }
    if managed:
        item["productOutdated"] = digest[9] % 5 == 0
        item["lastSuccessfulScan"] = {"name": "Quick Scan", "date": _stamp(agent.last_seen)}
    return item


# -- the calls ----------------------------------------------------------------------------------------

def _params(call: Call) -> JSON:
    sent = call.incoming.json
    params = sent.get("params") if isinstance(sent, dict) else None
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise BadQuery("params must be an object", "params")
    return params


def _companies(call: Call) -> list[JSON]:
    """The partner's inventory root holds its companies (the fake serves no other inventory items)."""
    wanted = ((_params(call).get("filters") or {}).get("type") or {}).get("companies")
    if wanted is False:
        return []
    return call.view.companies


def _endpoints(call: Call) -> list[JSON]:
    params, view = _params(call), call.view
    parent = params.get("parentId")
    if parent is None:
        rows = [e for company in view.companies for e in view.endpoints[company["id"]]]
    elif parent in view.endpoints:
        rows = view.endpoints[parent]
    else:
        raise BadQuery(f"Invalid value for parentId: no company or group {parent!r}", "parentId")
    managed = params.get("isManaged")
    if managed is not None:
        if not isinstance(managed, bool):
            raise BadQuery("Invalid value for isManaged. It must be a boolean.", "isManaged")
        rows = [e for e in rows if e["isManaged"] == managed]
    return rows


def _company(call: Call) -> str | None:
    company = _params(call).get("companyId")
    if company is not None and company not in call.view.endpoints:
        raise BadQuery(f"Invalid value for companyId: no company {company!r}", "companyId")
    return company


def _license_info(call: Call) -> JSON:
    company = _company(call)
    used = sum(1 for cid, rows in call.view.endpoints.items() if company in (None, cid)
               for e in rows if e["isManaged"])
    return {"subscriptionType": 3, "isAddon": False, "expiryDate": None, "usedSlots": used, "totalSlots": None,
            "licenseKey": hex_id(call.world.seed, "gz licence key").upper()}


def _monthly_usage(call: Call) -> JSON:
    company = _company(call)
    month = _params(call).get("targetMonth")
    if month is not None and not (isinstance(month, str) and MONTH.fullmatch(month)):
        raise BadQuery("Invalid value for targetMonth. It must have the format mm/yyyy.", "targetMonth")
    counters = {name: 0 for name in COUNTERS} | call.view.usage.get(company or PARTNER[0], {})
    return {**counters, "minimumUsage": {"endpointMonthlyUsage": 0}}


def _stamp(moment: datetime) -> str:
    """`2024-05-30T08:12:00`, as GravityZone writes times."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S")

