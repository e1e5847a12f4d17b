"""SentinelOne (security), Management API v2.1: sites, their SKU tier and licences, and their agents.

One account per site (MSPs give each client a site). What MSPs bill by is the site's SKU tier, so
every agent counts under its site's tier:

    endpoints:core, endpoints:control, endpoints:complete   agents, by the tier of their site
    licenses:core, …                                        the site's allocated licences (`totalLicenses`)

Counting rules: a decommissioned or uninstalled agent never counts (asked for with
`isDecommissioned=false&isUninstalled=false`, and checked again on each agent, in case a console
ignores the filter); an inactive agent is an asset with its `lastActiveDate`, so a check's "seen
within N days" counts it only while it is recent (a reinstall's old agent drops out by itself).
Every agent is an asset named by its host name (`hostnames.short(computerName)`). A site marked
`deleted` is no account; an expired one still is (its agents are still installed).

Readings chosen where `../shared/vendor-apis/sentinelone.md` leaves a fact open:

- The tier: the site's `sku` ("Core", "Control", "Complete"), else its `suite`, else its licence
  bundles' names, read as the word in them ("Singularity Complete" is complete); a SKU naming no
  known tier counts under `endpoints:other` rather than failing the sync. UNCONFIRMED beyond the
  three names the doc shows.
- Licences: `totalLicenses` as `licenses:<tier>`, except where `unlimitedLicenses` is true (no
  allocation to compare) or the site sends no total.
- Agents whose `siteId` is no listed site (a site deleted between the two lists) are skipped.
- An agent without `lastActiveDate` falls back to `updatedAt`; with neither it always counts.

The console URL may be given as the browser shows it (`https://acme.sentinelone.net`): the API
root `/web/api/v2.1` is added. Errors are `{"errors": [{"code", "title", "detail"}]}`, shown in
words. SentinelOne allows about 25 requests a second per token on `/agents` (100 on `/sites`):
`rate_limit` declares the slower one for both, so a sync paces at it, and a 429 is retried,
honouring `Retry-After`. It reads with GETs only and never reads threats, files or remote-shell
sessions; the site's `registrationToken` (an agent-install secret) is never kept.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal

import httpx

from connectors import hostnames
from connectors.auth import ApiKeyHeader
from connectors.base import Connector, Field, Guidance, Role
from connectors.endpoints import Endpoint, Item
from connectors.paging import BodyCursor
from connectors.ratelimit import RateLimit
from connectors.records import Account, Asset, Record, Quantity, counted

API_ROOT = "/web/api/v2.1"
TIERS = ("core", "control", "complete")
# what SentinelOne's statuses mean for the user, beside its own `errors[0].title`
WORDS = {400: "SentinelOne refused a parameter", 401: "the API token was rejected or has expired",
         403: "the API token's user has no access at this scope", 429: "SentinelOne's rate limit was reached"}


def counts(agent: Item) -> bool:
    """Decommissioned and uninstalled agents protect nothing and use no licence."""
    return not agent.get("isDecommissioned") and not agent.get("isUninstalled")


def tier_of(site: Item) -> str:
    """`{"sku": "Control"}` → "control"; the suite or bundle names where the SKU says nothing known."""
    bundles = ((site.get("licenses") or {}).get("bundles") or []) if isinstance(site.get("licenses"), dict) else []
    names = [site.get("sku"), site.get("suite")] + [b.get("name") for b in bundles if isinstance(b, dict)]
    for name in names:
        words = str(name or "").casefold().split()
        found = next((tier for tier in TIERS if tier in words), None)
        if found:
            return found
    return "other"


def api_url(console: str) -> str:
    """A console URL as the browser shows it, with the API root added where it is missing."""
    url = httpx.URL(console.strip())
    if "/web/api/" in url.path:
        return str(url).rstrip("/")
    # a console serves its API at its root, whatever page of it was pasted
    return str(url.copy_with(path=API_ROOT, query=None, fragment=None))


class SentinelOne(Connector):
    kind = "sentinelone"
    display_name = "SentinelOne"
    role = Role.USAGE
    fields = (
        Field("base_url", "Console URL", default="https://usea1-partners.sentinelone.net" + API_ROOT,
              hint="Your management console's address, e.g. https://acme.sentinelone.net"),
        Field("api_token", "API token", secret=True,
              hint="Settings › Users › Service Users: a Viewer service user's token"),
    )
    guidance = Guidance(
        reads="Sites (id, name, state, SKU or suite, licence totals) and their agents: id, computer name, site, "
              "machine type, whether it is active, decommissioned or uninstalled, and when it was last active.",
        why="Sites are matched to clients; their agents, counted by the tier of their site (Core, Control, "
            "Complete), are the protected endpoints compared with the security services each client is billed "
            "for, and a site's licence total is what it is allowed to run.",
        never_reads="Threats or threat payloads, quarantined files or any file contents, remote-shell sessions, "
                    "deep-visibility events or endpoint passwords. The site list carries each site's agent "
                    "registration token; it is dropped on arrival, never stored or shown.",
        writes_back="Never. It sends only GET requests; it never moves, decommissions or disconnects an agent "
                    "or changes a site, even where the token's role would allow it.",
        revoke="in the SentinelOne console, Settings › Users › Service Users, delete the service user made for "
               "BillingReconcile (or revoke its API token).",
        permission="A service user with the Viewer role at account scope (or site scope, for one client), used "
                   "by BillingReconcile alone; it reads site and endpoint inventory and nothing more.",
    )
    metrics = {
        **{f"endpoints:{tier}": f"Agents on {tier.title()} sites (not decommissioned or uninstalled)"
           for tier in TIERS},
        "endpoints:other": "Agents on sites whose SKU names no known tier",
        **{f"licenses:{tier}": f"Licences allocated to {tier.title()} sites" for tier in TIERS},
        "licenses:other": "Licences allocated to sites whose SKU names no known tier",
    }
    auth = ApiKeyHeader("Authorization", field="api_token", prefix="ApiToken ")
    rate_limit = RateLimit(25, 1, source="SentinelOne API: about 25 requests a second per token on /agents "
                                         "(100 on /sites); the slower one paces both")
    paging = BodyCursor(size=1000)
    items_at = "data"

    test_call = Endpoint("sites", params={"limit": 1})
    sites = Endpoint("sites", items_at="data.sites", keep=lambda site: str(site.get("state")).lower() != "deleted")
    agents = Endpoint("agents", params={"isDecommissioned": "false", "isUninstalled": "false"}, keep=counts)

    @classmethod
    def clean_settings(cls, settings: Mapping[str, str]) -> dict[str, str]:
        clean = super().clean_settings(settings)
        clean["base_url"] = api_url(clean["base_url"])
        return clean

    def sync(self) -> Iterator[Record]:
        tiers: dict[str, str] = {}  # site id → its tier, for the agents
        for site in self.items(self.sites):
            site_id = str(self.read.require(site, "id"))
            tiers[site_id] = tier_of(site)
            yield Account(site_id, str(site.get("name") or site_id))
            allocated = None if site.get("unlimitedLicenses") else self.read.optional_number(site.get("totalLicenses"))
            if allocated is not None:
                yield Quantity(site_id, f"licenses:{tiers[site_id]}", allocated)
        agents = (a for a in self.items(self.agents) if str(self.read.require(a, "siteId")) in tiers)
        yield from counted(self.endpoint(agent, tiers) for agent in agents)

    def endpoint(self, agent: Item, tiers: dict[str, str]) -> Asset:
        """An agent under its site's tier, named by its host name, last seen when it was last active."""
        site_id, agent_id = str(agent["siteId"]), str(self.read.require(agent, "id"))
        return Asset(site_id, f"endpoints:{tiers[site_id]}", agent_id,
                     hostnames.short(agent.get("computerName")) or agent_id,
                     self.read.iso_datetime(agent.get("lastActiveDate") or agent.get("updatedAt")))

    def describe_error(self, response: httpx.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            body = None  # a gateway's HTML page is no message: its status says more
        errors = body.get("errors") if isinstance(body, dict) else None
        first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
        said = ": ".join(str(first[k]) for k in ("title", "detail") if first.get(k))
        if said and first.get("code"):
            said += f" (code {first['code']})"
        words = WORDS.get(response.status_code)
        if said and words:
            return f"{said}: {words}"
        return said or words or response.reason_phrase
