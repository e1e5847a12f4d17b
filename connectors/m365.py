"""Microsoft 365 (m365 role), Microsoft Graph v1.0: each customer tenant's licences by SKU, as the tenant has them.

Two kinds, not one with two modes: this one reads what each customer *tenant* holds and assigns (Graph,
`subscribedSkus`); `partnercenter` (the distributor role) would read what the partner *bought*. Their
credentials, consents and permissions differ, so the connect modal asks for one set at a time and an admin
can connect either alone (an MSP buying through Pax8 still wants Graph).

How it reads (`../shared/vendor-apis/microsoft-365.md` §2):

- One multi-tenant app registration of the partner (`client_id`, `client_secret`), with admin consent in
  the partner tenant and in every customer tenant. Client credentials at
  `{login_url}/{tenant}/oauth2/v2.0/token`, scope `https://graph.microsoft.com/.default`: a token per
  tenant, cached and renewed per tenant (`connectors.auth.OAuth2PerTenant`).
- The customer tenants are the partner tenant's `GET /contracts` (`customerId`, `displayName`,
  `defaultDomainName`), paged by `@odata.nextLink`. Decision: the shared reference names no tenant list,
  and Graph's contracts are the partner's own list of the tenants it administers; they need
  `Directory.Read.All` in the partner tenant only.
- Per customer tenant, `GET /subscribedSkus` (`$select`ed) with that tenant's token. Its readings:

      purchased:<skuPartNumber>   `prepaidUnits.enabled` + `prepaidUnits.warning` (warning units are
                                  past their end but still usable, so still paid for)
      assigned:<skuPartNumber>    `consumedUnits`
      suspended:<skuPartNumber>   `prepaidUnits.suspended`
  each labelled with the SKU's `capabilityStatus`. Free, trial and viral SKUs are reported like any
  other (excluding them by default is the SKU table's work, not a reader's); `appliesTo: Company`
  SKUs too, their assigned count is what Graph says.
- A tenant that refuses (consent withdrawn, the app's service principal deleted, GDAP expired: a token
  request answered 400/401, or Graph answering 401/403) is a partial failure: its name and Microsoft's
  words are yielded as `Unreadable`, every other tenant's readings stand. A refusal in the partner
  tenant itself fails the sync (the key is wrong).
- Errors are Graph's envelope `{"error": {"code", "message"}}`; the code is shown beside the message.
  Graph publishes no fixed number for `subscribedSkus`: the default pace applies, 429 honours
  `Retry-After` (§2 Throttling).

It never reads mail, files, Teams, users' passwords or sign-ins, and sends only GETs (and the token POSTs).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx

from connectors.auth import OAuth2PerTenant, TenantTokens
from connectors.base import Connector, Field, Guidance, Role
from connectors.endpoints import Endpoint
from connectors.errors import AuthFailed, BadResponse
from connectors.http import error_message
from connectors.paging import NextLink
from connectors.records import Account, Quantity, Record, Unreadable

LOGIN = "https://login.microsoftonline.com"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
# a customer tenant that says one of these refuses us; anything else (a 429, a 503) fails the sync
REFUSALS = frozenset({400, 401, 403})
WORDS = {400: "the tenant refused the app's sign-in (consent withdrawn or the app was removed there)",
         401: "the app's credentials were refused", 403: "the app lacks consent or a permission in this tenant",
         429: "Microsoft Graph is throttling this app"}


class M365(Connector):
    kind = "m365"
    display_name = "Microsoft 365"
    role = Role.USAGE
    fields = (
        Field("base_url", "Graph API URL", default="https://graph.microsoft.com/v1.0",
              choices=(("https://graph.microsoft.com/v1.0", "Global"),
                       ("https://graph.microsoft.us/v1.0", "US Government L4"),
                       ("https://microsoftgraph.chinacloudapi.cn/v1.0", "China (21Vianet)"))),
        Field("login_url", "Sign-in URL", default=LOGIN,
              choices=((LOGIN, "Global"), ("https://login.microsoftonline.us", "US Government"),
                       ("https://login.chinacloudapi.cn", "China (21Vianet)"))),
        Field("tenant_id", "Partner tenant ID", hint="Entra admin center › Overview › Tenant ID (your own tenant)"),
        Field("client_id", "Application (client) ID", hint="Entra admin center › App registrations › your app"),
        Field("client_secret", "Client secret", secret=True),
    )
    guidance = Guidance(
        reads="The customer tenants your partner tenant administers (tenant ID, display name, default domain) "
              "and, in each, its licence SKUs (SKU ID and part number, units enabled, in warning and suspended, "
              "units assigned, capability status).",
        why="Each customer tenant is matched to a client; its assigned licences are the Microsoft 365 usage "
            "compared with the seats the client is billed, and its purchased units with what was bought.",
        never_reads="Mail, calendars, files, Teams chats or channels, users' passwords or sign-in activity, or "
                    "any content of a tenant; it reads licence counts only.",
        writes_back="Never. It sends only GET requests (and token requests); it never assigns or removes a "
                    "licence, and its application permissions are read-only.",
        revoke="in each customer tenant's Entra admin center, Enterprise applications › the BillingReconcile app "
               "› Delete (or remove its consent); in your own tenant, delete its client secret under App "
               "registrations › Certificates & secrets.",
        permission="Microsoft Graph application permission Organization.Read.All, admin-consented in every "
                   "customer tenant (Directory.Read.All also works but reads more); Directory.Read.All in the "
                   "partner tenant to list the customer tenants (contracts).",
    )
    metrics = {
        "assigned:*": "Licences of a SKU assigned in the tenant (consumedUnits), by skuPartNumber",
        "purchased:*": "Licences of a SKU the tenant has paid for: enabled plus warning units, by skuPartNumber",
        "suspended:*": "Suspended licences of a SKU (cancelled, not yet removed), by skuPartNumber",
    }
    auth = OAuth2PerTenant(token_path="{login_url}/{tenant}/oauth2/v2.0/token", scope=GRAPH_SCOPE)
    headers = {"Accept": "application/json"}
    paging = NextLink()
    items_at = "value"

    test_call = Endpoint("contracts", params={"$top": 1})
    contracts = Endpoint("contracts", params={"$select": "customerId,displayName,defaultDomainName"})
    skus = Endpoint("subscribedSkus",
                    params={"$select": "skuId,skuPartNumber,consumedUnits,prepaidUnits,capabilityStatus,appliesTo"})

    @property
    def tokens(self) -> TenantTokens:
        auth = self.http.auth
        assert isinstance(auth, TenantTokens)
        return auth

    def sync(self) -> Iterator[Record]:
        tenants = [(str(self.read.require(c, "customerId")), str(c.get("displayName") or c.get("defaultDomainName")
                    or c["customerId"])) for c in self.items(self.contracts)]
        for tenant_id, name in tenants:
            try:
                with self.tokens.tenant(tenant_id):
                    skus = list(self.items(self.skus))
            except (AuthFailed, BadResponse) as refused:
                if refused.status not in REFUSALS:
                    raise
                yield Unreadable(name, self.refusal(refused.message))
                continue
            yield Account(tenant_id, name)
            yield from self.readings(tenant_id, skus)

    def readings(self, tenant_id: str, skus: list[Any]) -> Iterator[Quantity]:
        for sku in skus:
            part = str(self.read.require(sku, "skuPartNumber"))
            units = sku.get("prepaidUnits") or {}
            label = f"{part} ({sku.get('capabilityStatus') or 'status unknown'})"
            paid = self.read.number(units.get("enabled") or 0) + self.read.number(units.get("warning") or 0)
            yield Quantity(tenant_id, f"purchased:{part}", paid, label=label)
            yield Quantity(tenant_id, f"assigned:{part}", self.read.number(sku.get("consumedUnits") or 0),
                           label=label)
            yield Quantity(tenant_id, f"suspended:{part}", self.read.number(units.get("suspended") or 0),
                           label=label)

    @staticmethod
    def refusal(message: str) -> str:
        """The refusal's words without the vendor's name the client puts in front."""
        return message.removeprefix("Microsoft 365: ")

    def describe_error(self, response: httpx.Response) -> str:
        """Graph's `error.code` and message (`Authorization_RequestDenied: Insufficient privileges…`), or
        the token endpoint's `error_description`; then what the status means."""
        said = error_message(response)
        try:
            body = response.json()
        except ValueError:
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict) and error.get("code"):
            said = f"{error['code']}: {said}"
        meaning = WORDS.get(response.status_code)
        return "; ".join(part for part in (said, meaning) if part) or response.reason_phrase

    @classmethod
    def read_posts(cls, base_url: str) -> frozenset[tuple[str, str | None]]:
        """Token requests go to the sign-in host, one path per tenant: allowed as `TenantTokenPaths`."""
        return TenantTokenPaths(post for post in super().read_posts(base_url) if "oauth2/v2.0/token" not in post[0])


class TenantTokenPaths(frozenset):  # type: ignore[type-arg]
    """The read POSTs a connector may send, where its token path is `/<tenant>/oauth2/v2.0/token`."""

    def __contains__(self, post: object) -> bool:
        if isinstance(post, tuple) and len(post) == 2 and post[1] is None:
            parts = str(post[0]).strip("/").split("/")
            if parts[-3:] == ["oauth2", "v2.0", "token"] and len(parts) >= 4:
                return True
        return super().__contains__(post)
