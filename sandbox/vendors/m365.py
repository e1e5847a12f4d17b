"""Fake Microsoft 365 through Microsoft Graph v1.0 and Entra ID sign-in: the customers' tenants and their SKUs.

    POST /m365/{tenant}/oauth2/v2.0/token     client credentials, scope https://graph.microsoft.com/.default
    GET  /m365/v1.0/contracts                 the partner tenant's customer tenants (partner token only)
    GET  /m365/v1.0/subscribedSkus            the SKUs of the tenant the token was issued for

A view of the truth's m365 role: each m365 account is a customer tenant (`customerId` = the truth's
tenant id, `displayName` = the account's name, `defaultDomainName` its `*.onmicrosoft.com`). Its SKUs
are the tenant's licences: `prepaidUnits.enabled` the usable units, `warning` and `suspended` as the
truth says, `consumedUnits` the people assigned it; `capabilityStatus` is Enabled, Warning where units
are in warning, Suspended where only suspended units are left. The sign-in host and Graph are two hosts
in life; here they share the prefix (`login_url` is the prefix itself).

Traps in Microsoft's terms: a tenant that withdrew consent (`consent withdrawn`) refuses the app's token
with Entra's 400 `unauthorized_client` (AADSTS700016, the app is not in that directory); free SKUs
(`free SKUs`) are listed like the paid ones. Lists page with `@odata.nextLink` (`$skiptoken`, 100 a
page for contracts). Errors are Graph's `{"error": {"code", "message", "innerError"}}`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sandbox.auth import Bearer, ClientCredentials
from sandbox.paging import Envelope, NextLink, Whole, list_route
from sandbox.routing import Call, Incoming, Reply, Route
from sandbox.truth.model import Role, TenantLicence, World
from sandbox.vendor import FakeVendor, Owned, stable_uuid

API = "/v1.0"
PARTNER_TENANT = "4f1c2e7a-9b3d-4c8e-a1f5-6d2b8e0c9a47"
CLIENT_ID = "0b6d3c1e-52a4-4e1f-9c7d-sbxm365app01"
CLIENT_SECRET = "sbx-m365-secret-Jq8~Vd2Rk5Lp9Wz3Nx7Tc"
SCOPE = "https://graph.microsoft.com/.default"
JSON = dict[str, Any]


def odata(context: str) -> Envelope:
    return Envelope(lambda page: {"@odata.context": f"https://graph.microsoft.com/v1.0/$metadata#{context}",
                                  "value": page.items} | ({"@odata.nextLink": page.next} if page.next else {}),
                    items_at="value", next_at="@odata.nextLink")


CONTRACT_PAGES = NextLink(odata("contracts"), token="$skiptoken", size="$top", default=100, maximum=999)


class Grant(ClientCredentials):
    """Entra ID's token endpoint: a token per tenant, refused by a tenant that withdrew consent."""

    def token(self, call: Call) -> Reply:
        tenant = call.params["tenant"]
        refused = call.view.refusing.get(tenant)
        if refused is not None:
            return self.error(400, "unauthorized_client",
                              f"AADSTS700016: Application with identifier '{CLIENT_ID}' was not found in the "
                              f"directory '{refused}'. The tenant's administrator may have withdrawn consent.")
        if tenant != PARTNER_TENANT and tenant not in call.view.tenants:
            return self.error(400, "invalid_request", f"AADSTS90002: Tenant '{tenant}' not found.")
        return super().token(call)

    def subject(self, call: Call) -> str:
        return call.params["tenant"]

    def request(self, root: str) -> tuple[str, dict[str, object]]:
        """A raw client signs in to the partner tenant, as the connector does first."""
        url, arguments = super().request(root)
        return url.replace("{tenant}", PARTNER_TENANT), arguments


GRANT = Grant(("/{tenant}/oauth2/v2.0/token",), {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
              scope=SCOPE, required=("client_id", "client_secret", "grant_type"),
              malformed="AADSTS900144: The request body must contain the parameters client_id, client_secret "
                        "and grant_type.",
              denied=("invalid_client", "AADSTS7000215: Invalid client secret provided."))


@dataclass(frozen=True)
class View:
    contracts: list[JSON]
    tenants: dict[str, list[JSON]]  # tenant id → its subscribedSkus
    refusing: dict[str, str]  # tenant id → display name, for tenants that withdrew consent
    owners: dict[str, Owned]


class M365(FakeVendor):
    kind = "m365"
    display_name = "Microsoft 365"
    roles = (Role.M365,)
    prefix = "/m365"
    api_root = API
    grant = GRANT
    auth = Bearer(GRANT)
    credentials = {"tenant_id": PARTNER_TENANT, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    token_lifetime = 3599.0

    def declare_routes(self) -> tuple[Route, ...]:
        contracts = list_route("GET", API + "/contracts", lambda call: call.view.contracts, CONTRACT_PAGES)

        def partner_only(call: Call) -> Reply:  # a customer tenant's token cannot list the partner's customers
            if self.tenant_of(call) != PARTNER_TENANT:
                return graph_error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the "
                                   "operation.")
            return contracts.function(call)

        return (replace(contracts, function=partner_only),
                list_route("GET", API + "/subscribedSkus", self.skus, Whole(odata("subscribedSkus"))))

    def settings(self, base_url: str) -> dict[str, str]:
        return {"base_url": base_url, "login_url": base_url.removesuffix(API), **self.credentials}

    @staticmethod
    def tenant_of(call: Call) -> str | None:
        token = (call.incoming.header("Authorization") or "").partition(" ")[2].strip()
        return call.tokens.subject_of(token) if call.tokens else None

    def skus(self, call: Call) -> list[JSON]:
        return call.view.tenants.get(self.tenant_of(call) or "", [])

    def render(self, world: World) -> View:
        contracts, tenants, refusing, owners = [], {}, {}, {}
        for customer, account in world.accounts(Role.M365):
            if not account.live:
                continue
            tenant_id = customer.tenant.id if customer.tenant else stable_uuid("m365", world.seed, account.number)
            owners[tenant_id] = (customer, account)
            contracts.append({"id": stable_uuid("contract", world.seed, account.number),
                              "contractType": "ResellerPartner",
                              "customerId": tenant_id, "defaultDomainName": account.domain or "",
                              "displayName": account.name})
            if not account.consent:
                refusing[tenant_id] = account.name
                continue
            tenants[tenant_id] = [self.sku(tenant_id, account.name, licence, customer.assigned(licence.sku))
                    for licence in (customer.tenant.licences if customer.tenant else ())]
        # the partner's own tenant has licences too (its staff's); no client's, so no sync reads them
        tenants[PARTNER_TENANT] = [self.sku(PARTNER_TENANT, "Sandbox MSP", TenantLicence("SPB", 12), 9)]
        return View(contracts, tenants, refusing, owners)

    @staticmethod
    def sku(tenant_id: str, name: str, licence: TenantLicence, assigned: int) -> JSON:
        """One `subscribedSku` of a tenant, in Graph's shape."""
        sku_id = stable_uuid("sku", licence.sku)
        status = "Warning" if licence.warning else "Suspended" if licence.suspended and not licence.units else "Enabled"
        return {"accountId": tenant_id, "accountName": name, "appliesTo": "User", "capabilityStatus": status,
                "consumedUnits": assigned, "id": f"{tenant_id}_{sku_id}", "skuId": sku_id,
                "skuPartNumber": licence.sku, "prepaidUnits": {"enabled": licence.units, "lockedOut": 0,
                                                               "suspended": licence.suspended,
                                                               "warning": licence.warning},
                "servicePlans": [], "subscriptionIds": [stable_uuid("subscription", tenant_id, licence.sku)]}

    def accounts(self, world: World) -> dict[str, Owned]:
        return self.view(world).owners

    def metric(self, neutral: str) -> str | None:
        what, _, sku = neutral.partition(":")
        return neutral if what in ("assigned", "purchased", "suspended") and sku else None

    def error(self, incoming: Incoming, status: int, message: str) -> Reply:
        codes = {400: "BadRequest", 401: "InvalidAuthenticationToken", 403: "Authorization_RequestDenied",
                 404: "Request_ResourceNotFound", 405: "Request_BadRequest", 429: "TooManyRequests"}
        return graph_error(status, codes.get(status, "UnknownError" if status < 500 else "ServiceNotAvailable"),
                           message)


def graph_error(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"error": {"code": code, "message": message, "innerError": {
        "date": "2026-01-01T00:00:00", "request-id": stable_uuid("request", code, message),
        "client-request-id": stable_uuid("client-request", code, message)}}})
