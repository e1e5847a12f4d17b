"""Webroot (security), Unity API: the GSM console's sites, their seats, and the endpoints on each site.

One account per GSM site (MSPs give each client a site). Webroot sells one endpoint product,
SecureAnywhere Business Endpoint Protection, so every endpoint counts under one key:

    endpoints:secureanywhere   active endpoints of a site (deactivated ones never count)
    licenses:secureanywhere    the site's seats (`DevicesAllowed`)

Counting rules: endpoints are asked for with `type=active` and checked again on each one (a
`Deactivated: true` endpoint is skipped, in case a console ignores the filter); each is an asset
named by its host name (`hostnames.short(HostName)`), last seen at `LastSeen`, so a check's "seen
within N days" drops an agent that went quiet (a reinstall's old endpoint ages out by itself). A
site with `Deactivated: true` is no account. A suspended or expired site still is: its agents
are still installed and protecting, which is what the MSP bills for.

Readings chosen where `../shared/vendor-apis/webroot.md` leaves a fact open (UNCONFIRMED there):

- `EndpointId` is optional: an endpoint without it is known by its `MachineId`, then its host name.
- Seats: `DevicesAllowed` when it is a positive number; 0 or absent is read as "no seat cap set",
  not as a cap of nothing, so no `licenses:` figure is reported for that site.
- Paging: `pageNr` from 1 and `pageSize=1000` (the doc gives the default, 50, and no maximum);
  the body's own `PageSize`, where it sends one, is what is counted against `TotalAvailable`, so
  a console that serves fewer than asked is still read to the end; an empty page ends a list too.
- `LastSeen` is read as ISO 8601; one without a zone is UTC (the doc's samples mix both).

Auth is the OAuth2 password grant at `/auth/token`: the API client's id and secret as Basic, the
GSM console user's name and password in the form, scope `Console.GSM` (`auth.OAuth2Password`).
Access tokens live five minutes and are renewed 30 s before expiry with the refresh token, which
is single-use: each refresh returns the next one; a refused refresh falls back to the password
grant. Errors are ASP.NET's `{"Message": "…"}` or OAuth's `{"error", "error_description"}`, shown
in words. Webroot publishes no rate limit, so none is declared: a sync sends one request at a time
at the shared default pace, retries a 429 or 503, and honours `Retry-After` when sent. It reads
with GETs only and never reads threats, quarantined files, commands or the site's agent keycode
beyond the site list itself (the keycode is never stored or shown).

The GSM parent keycode is a setting, not a secret: it names the console (it travels in every
path, as an account id would) and grants nothing without the client secret and the password,
which are the secrets; so it is shown where settings are shown, and masked nowhere.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx

from connectors import hostnames
from connectors.auth import OAuth2Password
from connectors.base import Connector, Field, Guidance, Role
from connectors.endpoints import Endpoint, Item
from connectors.http import worded
from connectors.paging import PageNumber, Unpaged
from connectors.records import Account, Asset, Quantity, Record, counted

PRODUCT = "secureanywhere"
GSM = "service/api/console/gsm/{gsmKey}"
# what Webroot's statuses mean for the user, beside its own `Message` or `error_description`
WORDS = {400: "Webroot refused the request", 401: "the API client, user name or password was rejected, "
         "or the access token has expired", 403: "the console user has no access to this GSM console or scope",
         404: "no GSM console or site has that key (check the GSM parent keycode)",
         429: "Webroot asked for fewer requests"}


def active(item: Item) -> bool:
    """A deactivated site or endpoint protects nothing and holds no seat."""
    return str(item.get("Deactivated")).lower() != "true"


class Webroot(Connector):
    kind = "webroot"
    display_name = "Webroot"
    role = Role.USAGE
    fields = (
        Field("base_url", "API URL", default="https://unityapi.webrootcloudav.com",
              choices=(("https://unityapi.webrootcloudav.com", "Webroot Unity API"),),
              hint="The Unity API's address; leave as it is"),
        Field("client_id", "API client ID", hint="GSM console › Settings › API Access: the client ID"),
        Field("client_secret", "API client secret", secret=True, hint="Shown once, beside the client ID"),
        Field("username", "Console user name", hint="A GSM console admin's sign-in email, for BillingReconcile alone"),
        Field("password", "Console user password", secret=True),
        Field("gsm_key", "GSM parent keycode",
              hint="GSM console › Settings › Account Information: the parent keycode (XXXX-XXXX-XXXX-XXXX-XXXX)"),
    )
    guidance = Guidance(
        reads="GSM sites (id, name, whether deactivated or suspended, seats allowed, endpoint totals) and each "
              "site's active endpoints: id, host name, machine id, group, policy, agent version and when it was "
              "first and last seen.",
        why="Sites are matched to clients; their active endpoints are the protected devices compared with the "
            "security services each client is billed for, and a site's seats are what it is allowed to run.",
        never_reads="Threats or threat payloads, quarantined files or any file contents, commands sent to "
                    "endpoints, endpoint passwords or unrelated user activity. The site list carries each site's "
                    "agent keycode; it is dropped on arrival, never stored or shown.",
        writes_back="Never. It sends only GET requests (and the token request); it never deactivates an endpoint, "
                    "changes a policy or a site, or sends a command, even where the console user could.",
        revoke="in the GSM console, Settings › API Access, delete the API client made for BillingReconcile (its "
               "tokens stop at once), and remove or disable the console user it signed in as.",
        permission="A GSM console user with View access to the sites (no Admin or command rights), and an API "
                   "client with the Console.GSM scope, both used by BillingReconcile alone.",
    )
    metrics = {
        f"endpoints:{PRODUCT}": "Active Webroot SecureAnywhere endpoints (never deactivated ones)",
        f"licenses:{PRODUCT}": "Seats a site is allowed (DevicesAllowed)",
    }
    auth = OAuth2Password(token_path="auth/token", scope="Console.GSM", expiry_margin=30)
    # Webroot publishes no rate limit, so none is declared (see `RateLimit`)
    paging = PageNumber(param="pageNr", size_param="pageSize", size=1000, total_items_at="TotalAvailable",
                        size_at="PageSize")
    items_at = "Endpoints"

    sites = Endpoint(GSM + "/sites", items_at="Sites", paging=Unpaged(), keep=active)
    test_call = sites
    site_endpoints = Endpoint(GSM + "/sites/{SiteId}/endpoints", params={"type": "active", "order": "hostname",
                                                                        "orderDirection": "A"}, keep=active)

    def test(self) -> None:
        self.one(self.test_call, self._console)

    @property
    def _console(self) -> Item:
        return {"gsmKey": self.settings["gsm_key"]}

    def sync(self) -> Iterator[Record]:
        site_ids = []
        for site in self.items(self.sites, self._console):
            site_id = str(self.read.require(site, "SiteId"))
            site_ids.append(site_id)
            yield Account(site_id, str(site.get("SiteName") or site_id))
            seats = self.read.optional_number(site.get("DevicesAllowed"))
            if seats is not None and seats > 0:
                yield Quantity(site_id, f"licenses:{PRODUCT}", seats)
        yield from counted(self.endpoint(site_id, endpoint) for site_id in site_ids
                           for endpoint in self.items(self.site_endpoints, {**self._console, "SiteId": site_id}))

    def endpoint(self, site_id: str, endpoint: Item) -> Asset:
        """An active endpoint, named by its host name, last seen when the agent last reported."""
        name = hostnames.short(endpoint.get("HostName"))
        endpoint_id = str(endpoint.get("EndpointId") or endpoint.get("MachineId") or name or "")
        if not endpoint_id:
            self.read.require(endpoint, "EndpointId")  # nothing names it: say so in the vendor's terms
        return Asset(site_id, f"endpoints:{PRODUCT}", endpoint_id, name or endpoint_id,
                     self.read.iso_datetime(endpoint.get("LastSeen")))

    def describe_error(self, response: httpx.Response) -> str:
        return worded(response, WORDS)
