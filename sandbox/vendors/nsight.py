"""Fake N-able N-sight RMM Data Extraction API: clients, their sites, and each site's servers and workstations.

    GET /nsight/api/?apikey=KEY&service=list_clients
    GET /nsight/api/?apikey=KEY&service=list_sites&clientid=ID
    GET /nsight/api/?apikey=KEY&service=list_servers&siteid=ID
    GET /nsight/api/?apikey=KEY&service=list_workstations&siteid=ID

One path serves every call; `service=` names it. Answers are XML, `<result created host status>`
with the records under `<items>` (free text in CDATA, every value text, `<items/>` when empty),
and no paging: each call lists its whole scope.

A view of the truth's RMM role: each RMM account is a client, each of its sites a site, and every
device with an installed agent is a server (servers and virtual guests) or a workstation
(desktops and laptops) at its site. N-sight has no approval step: a device appears once its agent
reports, so a device the truth holds as pending approval is not listed yet. Phones and tablets are
only a count (`mobile_device_count`); network devices and anything else are not agents and are
not served. The client's `server_count` and `workstation_count` are its listed devices.

Freshness: `utc_time_247` (the last 24/7 check, UTC) is when the device was last seen and
`dsc_utc_time` its last daily safety check, a few hours before. How the truth's traps look here:
`online` is what N-sight's own console shows and is not trusted for counting: every fifth stale
device still reads `online` 1 ("offline devices still show 1", as N-sight's API users report);
sites of one customer are several `<site>`s of one client.

Errors are N-sight's: HTTP 200 with `status="FAIL"` and `<error><errorcode><message>`. A missing
or wrong key is error 3 ("Login failed or invalid API key"), a missing or bad parameter error 4.
What the sandbox adds in HTTP terms (its rate limit, a server error, an unknown service, a write)
keeps its HTTP status, with the same `FAIL` body.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sandbox import xmldoc
from sandbox.auth import QueryKey
from sandbox.paging import XmlWhole, list_route
from sandbox.routing import BadQuery, Call, Incoming, Reply, Route
from sandbox.truth.model import Device, DeviceClass, Role, World
from sandbox.vendor import FakeVendor, Owned

API_KEY = "sbxNsightKey4Rt9Wq2Zp7Lm3Xc8Vb6Nd1"
CLIENT_FIRST, SITE_FIRST, DEVICE_FIRST = 120_000, 340_000, 800_000
SERVERS = (DeviceClass.SERVER, DeviceClass.VIRTUAL)
WORKSTATIONS = (DeviceClass.WORKSTATION, DeviceClass.LAPTOP)
# free text N-sight wraps in CDATA
CDATA = frozenset({"name", "description", "dashboard_username", "timezone", "primary_router", "secondary_router",
                   "guid", "os", "user", "domain", "manufacturer", "model", "message"})
METRICS = {"devices:workstation": "devices:workstation", "devices:laptop": "devices:workstation",
           "devices:server": "devices:server", "devices:virtual": "devices:server", "devices:mobile": "devices:mobile"}
AUTH_FAILED, BAD_PARAMETER = "3", "4"
ONLINE_WITHIN = timedelta(minutes=15)

Row = dict[str, str]


@dataclass(frozen=True)
class View:
    clients: list[Row]
    sites: dict[str, list[Row]]  # clientid → its sites
    servers: dict[str, list[Row]]  # siteid → its servers
    workstations: dict[str, list[Row]]  # siteid → its workstations
    owners: dict[str, Owned]


class NSight(FakeVendor):
    kind = "nsight"
    display_name = "N-sight"
    roles = (Role.RMM,)
    prefix = "/nsight"
    auth = QueryKey("apikey", API_KEY)
    credentials = {"api_key": API_KEY}
    retry_after = False  # N-sight documents no rate limit, so its 429s (a gateway's) say nothing of when

    def declare_routes(self) -> tuple[Route, ...]:
        return (
            self._list("list_clients", "client", lambda call: call.view.clients),
            self._list("list_sites", "site", lambda call: _scoped(call, "clientid", call.view.sites)),
            self._list("list_servers", "server", lambda call: _scoped(call, "siteid", call.view.servers)),
            self._list("list_workstations", "workstation",
                       lambda call: _scoped(call, "siteid", call.view.workstations)),
        )

    def _list(self, service: str, item: str, rows: Callable[[Call], Sequence[Row]]) -> Route:
        return list_route("GET", "/api/", rows, XmlWhole(item), operation=service,
                          respond=lambda call, body, headers: self._answer(call.incoming, "OK", items=(item, body)))

    def render(self, world: World) -> View:
        clients, sites, servers, workstations, owners = [], {}, {}, {}, {}
        for customer, account in world.accounts(Role.RMM):
            if not account.live:
                continue  # a client deleted in N-sight is gone from every list
            client_id = str(CLIENT_FIRST + account.number * 7)
            agents = [d for d in customer.held_by(account) if d.rmm == "approved"]
            mobiles = sum(1 for d in agents if d.cls == DeviceClass.MOBILE)
            listed_servers = sum(1 for d in agents if d.cls in SERVERS)
            listed_workstations = sum(1 for d in agents if d.cls in WORKSTATIONS)
            clients.append({
                "name": account.name, "clientid": client_id, "view_dashboard": "0", "view_wkstsn_assets": "0",
                "dashboard_username": "", "timezone": "Europe/London", "creation_date": _day(customer.entered),
                "server_count": str(listed_servers), "workstation_count": str(listed_workstations),
                "mobile_device_count": str(mobiles),
                "device_count": str(listed_servers + listed_workstations + mobiles),
            })
            owners[client_id] = (customer, account)
            sites[client_id] = []
            for index, site in enumerate(s for s in customer.sites if s.key in account.sites):
                site_id = str(SITE_FIRST + account.number * 100 + index)
                sites[client_id].append({"siteid": site_id, "name": site.name, "connection_ok": "1",
                                         "creation_date": _day(customer.entered), "primary_router": "",
                                         "secondary_router": ""})
                here = [d for d in agents if d.site == site.key]
                servers[site_id] = [_device(world, d, "serverid") for d in here if d.cls in SERVERS]
                workstations[site_id] = [_device(world, d, "workstationid") for d in here if d.cls in WORKSTATIONS]
        return View(clients, sites, servers, workstations, owners)

    def accounts(self, world: World) -> dict[str, Owned]:
        return self.view(world).owners

    def metric(self, neutral: str) -> str | None:
        return METRICS.get(neutral)

    def operation_of(self, incoming: Incoming) -> str:
        return incoming.arg("service") or ""

    def list_query(self, route: Route, world: World) -> dict[str, str]:
        """The service that names the call, and for a per-client or per-site list the first scope
        that holds records."""
        view, named = self.view(world), {"service": route.operation or ""}
        scoped = {"list_sites": ("clientid", view.sites), "list_servers": ("siteid", view.servers),
                  "list_workstations": ("siteid", view.workstations)}.get(route.operation or "")
        if scoped is None:
            return named
        param, rows = scoped
        return named | {param: next(scope for scope, records in rows.items() if records)}

    # -- how N-sight says no ----------------------------------------------------------------

    def error(self, incoming: Incoming, status: int, message: str, code: str | None = None) -> Reply:
        reply = self._answer(incoming, "FAIL", error={"errorcode": code or str(status), "message": message})
        reply.status = status
        return reply

    def refuse(self, incoming: Incoming) -> Reply:
        return self.error(incoming, 200, "Login failed or invalid API key", AUTH_FAILED)

    def bad_query(self, incoming: Incoming, problem: BadQuery) -> Reply:
        return self.error(incoming, 200, str(problem), BAD_PARAMETER)

    def not_found(self, incoming: Incoming) -> Reply:
        service = incoming.arg("service")
        said = f"Unknown service {service!r}" if service else f"{incoming.path} was not found"
        return self.error(incoming, 404, said)

    def reshaped(self, reply: Reply) -> Reply:
        return Reply(reply.status, b'<?xml version="1.0" encoding="utf-8"?><unexpected/>',
                     content_type=xmldoc.CONTENT_TYPE)

    def _answer(self, incoming: Incoming, status: str, **parts: object) -> Reply:
        attributes = {"created": _stamp(datetime.now().astimezone()), "host": incoming.root.split("://", 1)[-1]}
        return Reply(200, xmldoc.result(status, attributes=attributes, cdata=CDATA, **parts),  # type: ignore[arg-type]
                     content_type=xmldoc.CONTENT_TYPE)


def _scoped(call: Call, param: str, rows: Mapping[str, list[Row]]) -> list[Row]:
    """The records under the client or site `param` names; error 4 when it is missing or no id."""
    wanted = call.arg(param)
    if not wanted:
        raise BadQuery(f"The {param} parameter is required", param)
    if wanted not in rows:
        raise BadQuery(f"The {param} must be a valid id", param)
    return rows[wanted]


def device_id(number: int) -> int:
    """N-sight's device id for the truth's device `number` (servers and workstations share one series)."""
    return DEVICE_FIRST + number * 3


def _device(world: World, device: Device, id_field: str) -> Row:
    seen = device.last_seen
    stale = world.now - seen > timedelta(days=30)
    online = world.now - seen <= ONLINE_WITHIN or (stale and device.number % 5 == 0)
    return {
        id_field: str(device_id(device.number)),
        "guid": f"{device.number:08x}-{world.seed % 65536:04x}-4e5f-9a0b-{device.number:012x}",
        "name": device.hostname, "description": "", "install_date": _day(device.created),
        "last_boot_time": _utc(seen - timedelta(hours=30)), "dsc_active": "1", "utc_offset": "0",
        "user": f"{device.hostname.split('-')[0]}\\user{device.number % 40}", "domain": device.hostname.split("-")[0],
        "manufacturer": "Dell Inc.", "model": "OptiPlex 7090" if id_field == "workstationid" else "PowerEdge R650",
        "ip": f"10.{device.number // 250 % 250}.{device.number % 250}.{10 + device.number % 200}",
        "external_ip": f"203.0.113.{device.number % 254 + 1}", "mac1": f"00:1c:bf:{device.number % 256:02x}:03:ad",
        "os": device.os, "agent_version": "10.13.6", "agent_mode": "1", "online": "1" if online else "0",
        "active_247": "1", "check_interval_247": "60", "utc_time_247": _utc(seen),
        "dsc_utc_time": _utc(seen - timedelta(hours=5)),
    }


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
