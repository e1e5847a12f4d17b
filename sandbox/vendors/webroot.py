"""Fake Webroot Unity API: the GSM console's sites and the endpoints on each, behind the password grant.

    POST /webroot/auth/token                                          grant_type=password | refresh_token
    GET  /webroot/service/api/console/gsm/{gsmKey}/sites              every site, unpaged
    GET  /webroot/service/api/console/gsm/{gsmKey}/sites/{siteId}/endpoints
                                   ?type=active|deactivated&pageSize=&pageNr=&order=&orderDirection=&hostName=&machineId=
    GET  /webroot/service/api/status/reporting/gsm/{gsmKey}/sites     ?reportType=ActiveEndpoints|…

A view of the truth's security role: each security account is a GSM site (`SiteId` a GUID, its
`AccountKeyCode` the site's agent keycode, a secret a reader must drop), and every security agent
of a device at the account's sites is an endpoint of that site. The truth holds no seat allocation,
so every site's `DevicesAllowed` is 0 (no cap set); `TotalEndpoints` counts its active endpoints.
Only this fake's GSM parent keycode is served: any other is the API's 404.

How the truth's traps look here: a decommissioned agent is a deactivated endpoint (`Deactivated:
true`, listed under `type=deactivated` only); a reinstall's old agent is a second active endpoint
with the same `HostName`, another `EndpointId` and an old `LastSeen`; an unmanaged detected endpoint
is no endpoint at all (Webroot has no network discovery); a server without an agent is absent.

Auth is the OAuth2 password grant (`sandbox.auth.PasswordGrant`): the API client by Basic, the
console user in the form, scope `Console.GSM`; access tokens live 299 s; refresh tokens are single-
use and each refresh returns the next. Endpoints page by `pageNr` (from 1) and `pageSize` (default
50; above 1000 is refused, a maximum the doc does not give: UNCONFIRMED), the body echoing both
beside `TotalAvailable`. Errors are ASP.NET's `{"Message": "…"}`; token errors OAuth's shape.
Webroot publishes no rate limit; the sandbox's generous default stands in.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.auth import Bearer, PasswordGrant
from sandbox.paging import Envelope, Page, PageNumber, Whole, list_route
from sandbox.routing import BadQuery, Call, Incoming, Reply, Route
from sandbox.truth.model import DECOMMISSIONED, DETECTED, Device, Role, SecurityAgent, World
from sandbox.vendor import FakeVendor, Owned, stable_uuid

CLIENT_ID = "client_sbx-webroot-7Hq2Lm"
CLIENT_SECRET = "sbx-webroot-secret-P4z8Kd2wQx6N"
USERNAME = "billrec@northwind-msp.example"
PASSWORD = "Sbx-Webroot-Console-3Vt9!"
GSM_KEY = "SBX1-N0RT-HW1N-DMSP-GSM9"
GSM = f"/service/api/console/gsm/{GSM_KEY}"
REPORTING = f"/service/api/status/reporting/gsm/{GSM_KEY}"
GRANT = PasswordGrant(("/auth/token",), {"username": USERNAME, "password": PASSWORD},
                      client=(CLIENT_ID, CLIENT_SECRET), scope="Console.GSM",
                      malformed="The token request must be form-encoded")
METRICS = {"endpoints:standard": "endpoints:secureanywhere", "endpoints:advanced": "endpoints:secureanywhere",
           "endpoints:complete": "endpoints:secureanywhere"}
REPORTS = ("ActiveEndpoints", "ActiveEndpointsWithoutHidden", "EndpointsSeenInLast30Days")
ORDERS = {"hostname": "HostName", "firstseen": "FirstSeen", "lastseen": "LastSeen", "agentversion": "AgentVersion",
          "lastinfected": "LastInfected"}

JSON = dict[str, Any]


def _endpoints_page(page: Page) -> JSON:
    return {"TotalAvailable": page.total, "PageNr": page.number, "PageSize": page.size, "Endpoints": page.items}


ENDPOINT_PAGES = PageNumber(Envelope(_endpoints_page, items_at="Endpoints"), page="pageNr", size="pageSize",
                            first=1, default=50, maximum=1000)


@dataclass(frozen=True)
class View:
    sites: list[JSON]
    endpoints: dict[str, list[JSON]]  # site id → its endpoints, active and deactivated
    owners: dict[str, Owned]


class Webroot(FakeVendor):
    kind = "webroot"
    display_name = "Webroot"
    roles = (Role.SECURITY,)
    prefix = "/webroot"
    grant = GRANT
    auth = Bearer(GRANT)
    credentials = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "username": USERNAME,
                   "password": PASSWORD, "gsm_key": GSM_KEY}
    token_lifetime = 299.0

    def declare_routes(self) -> tuple[Route, ...]:
        endpoints = list_route("GET", GSM + "/sites/{siteId}/endpoints", _endpoints, ENDPOINT_PAGES)
        return (
            list_route("GET", GSM + "/sites", lambda call: call.view.sites,
                       Whole(Envelope(self._sites_answer, items_at="Sites"))),
            Route(endpoints.method, endpoints.pattern, lambda call: endpoints.function(call)
                  if call.params["siteId"] in call.view.endpoints else self.error(
                      call.incoming, 404, f"The site '{call.params['siteId']}' was not found under this GSM console"),
                  listing=ENDPOINT_PAGES),
            list_route("GET", REPORTING + "/sites", _reported, Whole(Envelope(_report, items_at="Sites"))),
        )

    @staticmethod
    def _sites_answer(page: Page) -> JSON:
        """The site list with the GSM console's totals beside it."""
        sites = page.items
        return {"ParentDescription": "Northwind MSP", "TotalCount": len(sites),
                "TotalSeatsAllowed": sum(s["DevicesAllowed"] for s in sites),
                "SumTotalDevices": sum(s["TotalEndpoints"] for s in sites),
                "SumTotalDevicesAllowed": sum(s["DevicesAllowed"] for s in sites),
                "SumTotalDevicesNotTrial": sum(s["TotalEndpoints"] for s in sites if s["SiteType"] != "T"),
                "SumTotalMobileDevicesAllowed": 0, "Sites": sites}

    def render(self, world: World) -> View:
        rng = random.Random(f"{world.seed}:webroot")
        sites, endpoints, owners = [], {}, {}
        for customer, account in world.accounts(Role.SECURITY):
            site_id = stable_uuid(world.seed, "webroot site", account.number)
            held = [(device, agent) for device in customer.held_by(account) for agent in device.security
                    if agent.state != DETECTED]  # seen on the network only: Webroot lists no such endpoint
            rows = sorted((_endpoint(world, device, agent) for device, agent in held),
                          key=lambda e: (e["HostName"], e["EndpointId"]))
            endpoints[site_id] = rows
            sites.append(_site(rng, world, site_id, account.name, not account.live,
                               sum(1 for e in rows if not e["Deactivated"])))
            owners[site_id] = (customer, account)
        return View(sites, endpoints, owners)

    def accounts(self, world: World) -> dict[str, Owned]:
        return self.view(world).owners

    def metric(self, neutral: str) -> str | None:
        return METRICS.get(neutral)

    def list_query(self, route: Route, world: World) -> dict[str, str]:
        return {"reportType": REPORTS[0]} if route.pattern.startswith(REPORTING) else {}

    def error(self, incoming: Incoming, status: int, message: str) -> Reply:
        return Reply(status, {"Message": message})

    def refuse(self, incoming: Incoming) -> Reply:
        return Reply(401, {"Message": "Authorization has been denied for this request."})

    def not_found(self, incoming: Incoming) -> Reply:
        return self.error(incoming, 404, f"No HTTP resource was found that matches the request URI "
                                         f"'{incoming.url}'.")


def _site(rng: random.Random, world: World, site_id: str, name: str, deactivated: bool, active: int) -> JSON:
    digest = hashlib.sha256(f"{world.seed}:webroot keycode:{site_id}".encode()).hexdigest().upper()
    keycode = "SA" + "-".join(digest[i:i + 4] for i in range(2, 20, 4))[:22]
    return {
        "SiteId": site_id, "SiteName": name, "SiteType": "R", "AccountKeyCode": keycode,
        "TotalEndpoints": active, "DevicesAllowed": 0, "MobileSeats": 0, "PCsInfected24": 0,
        "Deactivated": deactivated, "Suspended": False, "EndDate": _stamp(world.now.replace(day=1, hour=0, minute=0)),
        "BillingCycle": "Monthly", "BillingDate": "1",
        "Modules": [{"Type": "DNSP"}] if rng.random() < 0.3 else [],
    }


def _endpoint(world: World, device: Device, agent: SecurityAgent) -> JSON:
    digest = hashlib.sha256(f"{world.seed}:webroot endpoint:{agent.number}".encode()).digest()
    server = device.cls.value in ("server", "virtual")
    return {
        "EndpointId": stable_uuid(world.seed, "webroot endpoint", agent.number).replace("-", ""),
        "HostName": device.hostname, "MachineId": digest[:4].hex().upper(),
        "GroupName": "Servers" if server else "Default Group", "GroupId": stable_uuid("webroot group", server),
        "PolicyName": "Server Defaults" if server else "Recommended Defaults",
        "AgentVersion": ("9.0.35.40", "9.0.36.40", "9.0.37.50")[digest[4] % 3],
        "FirstSeen": _stamp(agent.installed), "LastSeen": _stamp(agent.last_seen), "LastInfected": None,
        "Deactivated": agent.state == DECOMMISSIONED,
    }


def _endpoints(call: Call) -> list[JSON]:
    rows = call.view.endpoints[call.params["siteId"]]
    kind = (call.arg("type") or "active").lower()
    if kind not in ("active", "deactivated"):
        raise BadQuery(f"The type '{call.arg('type')}' is not valid; use active or deactivated", "type")
    rows = [r for r in rows if r["Deactivated"] == (kind == "deactivated")]
    for param, field in (("hostName", "HostName"), ("machineId", "MachineId")):
        wanted = call.arg(param)
        if wanted:
            rows = [r for r in rows if str(r[field]).lower() == wanted.lower()]
    order = (call.arg("order") or "hostname").lower()
    if order not in ORDERS:
        raise BadQuery(f"The order '{call.arg('order')}' is not valid", "order")
    backwards = (call.arg("orderDirection") or "A").upper() == "D"
    return sorted(rows, key=lambda r: (str(r[ORDERS[order]] or ""), r["EndpointId"]), reverse=backwards)


def _reported(call: Call) -> list[JSON]:
    report = call.arg("reportType")
    if report not in REPORTS:
        raise BadQuery(f"The reportType '{report}' is not valid; use one of {', '.join(REPORTS)}", "reportType")
    return [{"SiteId": s["SiteId"], "SiteKey": s["AccountKeyCode"], "SiteName": s["SiteName"], "LicenseType": "Paid",
             "ExpiryDate": s["EndDate"], "TotalEndpoints": s["TotalEndpoints"]}
            for s in call.view.sites if not s["Deactivated"]]


def _report(page: Page) -> JSON:
    return {"ReportInfo": {"Count": len(page.items), "ReportType": "ActiveEndpoints", "EffectiveDate": None,
                           "GSMKey": GSM_KEY}, "Sites": page.items}


def _stamp(moment: datetime) -> str:
    """`2024-05-30T08:00:00Z`, as the Unity API writes times."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
