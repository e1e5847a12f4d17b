"""N-able N-sight RMM (Data Extraction API): clients, their sites, and each site's servers and workstations.

XML over GET on the region's server, `https://{server}/api/?apikey=…&service=…`. The walk is the
one the API allows: `list_clients`, then `list_sites` for each client, then `list_servers` and
`list_workstations` for each site; no call pages, each lists its whole scope. Metrics, in
NinjaOne's scheme:

    devices:server        listed servers (N-sight files virtual guests as servers too)
    devices:workstation   listed workstations (desktops and laptops)
    devices:mobile        the client's `mobile_device_count` (N-sight lists phones only as a count)

Every server and workstation is an asset named by its host name (`hostnames.short(name)`).

Readings chosen where `../shared/vendor-apis/n-sight.md` leaves a fact open:

- Last seen: the later of `utc_time_247` (the last 24/7 check) and `dsc_utc_time` (the last daily
  safety check), both UTC. Neither is in the shared document (UNCONFIRMED; they are in N-sight's
  published sample answers); a device with neither always counts. `online` is not used for
  counting: N-sight's own API users report offline devices that still read 1.
- Servers: only `serverid` and `name` are confirmed; every other field is read as optional.
- A record without its id is refused (the sync fails in words) rather than guessed.
- The key's permission: N-sight API keys carry no role (see `guidance.permission`).

Errors come as HTTP 200 with `<result status="FAIL">` and `<error><errorcode><message>`: error 3
means the key was refused (`AuthFailed`), 4 a missing or bad parameter, any other code fails the
sync with N-sight's own message. N-sight documents no rate limit, so none is declared: the
default pace applies (one request at a time), and 5xx answers and dropped connections are retried
with backoff. The key travels in the URL, so it is masked in every message and log line (the
shared client shows no query string). Only GETs are sent; nothing is ever changed in N-sight.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx

from connectors import hostnames, xml
from connectors.auth import ApiKeyQuery
from connectors.base import Connector, Field, Guidance, Role
from connectors.endpoints import Endpoint, Item
from connectors.errors import AuthFailed, BadResponse
from connectors.http import XML_BODY
from connectors.records import Account, Asset, Quantity, Record, counted

REGIONS = (
    ("https://www.am.remote.management", "Americas"),
    ("https://www.systemmonitor.us", "United States"),
    ("https://www.systemmonitor.co.uk", "United Kingdom"),
    ("https://wwweurope1.systemmonitor.eu.com", "Europe"),
    ("https://wwwireland.systemmonitor.eu.com", "Ireland"),
    ("https://wwwfrance.systemmonitor.eu.com", "France"),
    ("https://wwwfrance1.systemmonitor.eu.com", "France 1"),
    ("https://wwwgermany1.systemmonitor.eu.com", "Germany"),
    ("https://wwwpoland1.systemmonitor.eu.com", "Poland"),
    ("https://www.system-monitor.com", "Australia"),
    ("https://wwwasia.system-monitor.com", "Asia"),
)
AUTH_FAILED, BAD_PARAMETER = "3", "4"
SEEN_AT = ("utc_time_247", "dsc_utc_time")


class NSight(Connector):
    kind = "nsight"
    display_name = "N-sight"
    role = Role.USAGE
    fields = (
        Field("base_url", "Region", default=REGIONS[0][0], choices=REGIONS,
              hint="The server your N-sight dashboard runs on (Settings › General Settings › API shows it)"),
        Field("api_key", "API key", secret=True, hint="N-sight dashboard › Settings › General Settings › API"),
    )
    guidance = Guidance(
        reads="Clients (id, name, device counts), their sites, and each site's servers and workstations: name, "
              "id, operating system and when the agent last reported.",
        why="Clients are matched to billed clients; servers and workstations, counted per client, are the usage "
            "compared with what each client is billed for managed devices (phones only as N-sight's count).",
        never_reads="Remote-control sessions, endpoint passwords, check output, scripts or files on the devices.",
        writes_back="Never. BillingReconcile calls only four list services (list_clients, list_sites, "
                    "list_servers, list_workstations) with GET requests, and none of the services that change "
                    "something in N-sight (clearing a check, adding a note).",
        revoke="in the N-sight dashboard, Settings › General Settings › API, regenerate or disable the API key "
               "(every tool using that key stops at once), then disconnect the integration here.",
        permission="N-sight API keys carry no role and reach every client: generate the key from an account used "
                   "only for reporting, and give BillingReconcile no other access to N-sight.",
    )
    metrics = {
        "devices:server": "Servers with an N-sight agent (virtual guests included)",
        "devices:workstation": "Workstations and laptops with an N-sight agent",
        "devices:mobile": "Mobile devices, as N-sight counts them per client",
    }
    auth = ApiKeyQuery("apikey", field="api_key")
    body_format = XML_BODY
    items_at = "items"

    test_call = Endpoint("api/", params={"service": "list_clients"})
    clients = Endpoint("api/", params={"service": "list_clients"})
    sites = Endpoint("api/", params={"service": "list_sites", "clientid": "{clientid}"}, each=clients)
    servers = Endpoint("api/", params={"service": "list_servers", "siteid": "{siteid}"}, each=sites)
    workstations = Endpoint("api/", params={"service": "list_workstations", "siteid": "{siteid}"}, each=sites)

    def test(self) -> None:
        """`list_clients` answers OK with a list (an answer without one is a BadResponse)."""
        next(self.items(self.test_call), None)

    def sync(self) -> Iterator[Record]:
        yield from counted(self._walk())

    def _walk(self) -> Iterator[Any]:
        """Accounts and mobile counts as each client comes, and every device as an asset; `counted`
        passes the non-assets through."""
        for client in self.items(self.clients):
            account_id = str(self.read.require(client, "clientid"))
            yield Account(id=account_id, name=str(client.get("name") or account_id))
            mobiles = self.read.number(client.get("mobile_device_count") or 0)
            if mobiles:
                yield Quantity(account_id=account_id, metric="devices:mobile", value=mobiles)
            for site in self.items(self.sites, client):
                for server in self.items(self.servers, site):
                    yield self.asset(account_id, "devices:server", server, "serverid")
                for workstation in self.items(self.workstations, site):
                    yield self.asset(account_id, "devices:workstation", workstation, "workstationid")

    def asset(self, account_id: str, metric: str, device: Item, id_field: str) -> Asset:
        device_id = str(self.read.require(device, id_field))
        return Asset(account_id=account_id, metric=metric, id=device_id,
                     name=hostnames.short(device.get("name")) or device_id, last_seen=self.last_seen(device))

    def last_seen(self, device: Item) -> datetime | None:
        """The later of the last 24/7 check and the last daily safety check (UTC), or None."""
        seen = [self._utc(device.get(field)) for field in SEEN_AT]
        return max((moment for moment in seen if moment is not None), default=None)

    def _utc(self, value: Any) -> datetime | None:
        text = str(value or "").strip()
        if not text or text.startswith("0000"):
            return None  # N-sight writes a check that never ran as empty or zeros
        try:
            return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        except ValueError:
            return self.read.iso_datetime(text)

    # -- N-sight's errors -----------------------------------------------------------------

    def check_response(self, response: httpx.Response, body: Any) -> None:
        """A `status="FAIL"` answer is an error whatever its HTTP status: error 3 is a refused key."""
        if not isinstance(body, dict) or body.get("status") != "FAIL":
            return
        code, message = _error(body)
        service = response.request.url.params.get("service") or "the API"
        said = f"{service} answered error {code or '?'}" + (f" ({message})" if message else "")
        if code == AUTH_FAILED:
            raise AuthFailed(f"{said}: N-sight refused the credentials; check the API key and its region",
                             status=response.status_code)
        if code == BAD_PARAMETER:
            raise BadResponse(f"{said}: a parameter is missing or invalid", status=response.status_code)
        raise BadResponse(said, status=response.status_code)

    def describe_error(self, response: httpx.Response) -> str:
        """The `<message>` of an error answer (a 429 or 5xx carrying N-sight's FAIL body)."""
        try:
            code, message = _error(xml.parse(response.content))
        except xml.NotXml:
            return ""  # a gateway's HTML page is no message of N-sight's
        return f"error {code}: {message}" if code and message else message


def _error(body: dict[str, Any]) -> tuple[str, str]:
    """(errorcode, message) of a FAIL answer, each "" when absent."""
    error = body.get("error")
    if isinstance(error, list):
        error = error[0] if error else {}
    if not isinstance(error, dict):
        return "", ""
    return str(error.get("errorcode") or "").strip(), str(error.get("message") or "").strip()

