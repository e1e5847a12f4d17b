"""Every trap the truth plants, by its tag, with what it tests.

Tags sit on customers, accounts and devices (`Customer.tags`, `Account.tags`, `Device.tags`);
`planted(world)` collects them, and a test holds every tag here to be planted in the default
world. A vendor renders each trap its own way (a decommissioned agent is `isDecommissioned` in
one console and a missing endpoint in another); the truth only says it is there.
"""

from __future__ import annotations

from sandbox.truth.model import World

TRAPS = {
    # linking
    "hard_branch": "a second site filed by the RMM under a name no matcher links: unmapped until a person links it",
    "hard_sole": "a client's only RMM account carries such a name",
    "two_rmm_accounts": "two RMM accounts that both normalise to the client's name add up",
    "sites of one customer": "one RMM account holding several sites counts once, for its client",
    "tenant name variant": "a tenant's display name and its *.onmicrosoft.com domain differ from the PSA's name",
    "prospect": "a PSA company with nothing billed: a client with no results",
    "deleted company": "a PSA company deleted in the PSA is no client",
    "deleted distributor account": "a deleted distributor customer's cancelled subscription counts for nobody",
    "the MSP's own lab": "RMM and security accounts that belong to no client (unmapped)",
    "a distributor customer the PSA does not know": "licences bought for nobody the PSA bills (unmapped)",
    "a backup customer that is no client": "protected servers of a company the MSP does not bill (unmapped)",
    "customer under a reseller folder": "a backup account filed under a sub-reseller's folder still belongs to its client",
    # billing lines
    "no_mw": "devices but no MW-01 line: under, priced by the most-common-price rule",
    "zero_devices": "billed for workstations, no approved device: over",
    "m365_only": "no RMM account: absent from the device checks",
    "two_mw": "MW-01 on two agreements at 45.00 and 40.00: a quantity-weighted price",
    "discount_m365": "M365-BP billed at 20.00 instead of 22.00",
    "less_included": "a line that includes some units bills only the rest",
    "future_cancel": "a line cancelled from a date ahead still bills today",
    "cancelled_line": "a line cancelled in the past bills nothing",
    "future_line": "a line starting next month bills nothing yet",
    "donotbill": "a line marked do-not-bill",
    "nocharge": "a line marked no-charge",
    "cancelled_agreement": "every line of a cancelled agreement",
    # what the MSP buys
    "no_distributor": "no distributor account: devices without security licences (under)",
    "m365_elsewhere": "billed for Microsoft 365 bought elsewhere (over)",
    "m365_unbilled": "licences bought, nothing billed: under, priced from the distributor",
    "two_m365_subs": "one product in two terms (monthly and annual): they add up",
    "sub_cancelled": "a cancelled subscription", "sub_trial": "a trial subscription",
    "sub_pending": "a subscription pending provisioning", "sub_pending_cancel": "a subscription pending cancellation",
    "sub_waiting": "a subscription waiting for details",
    # fleet
    "server without security agent": "a managed server the security tool does not know (a coverage gap)",
    "decommissioned agent": "a retired machine's agent, decommissioned, never counts",
    "reinstall duplicate": "a reinstalled workstation's old inactive agent beside its new one",
    "unmanaged detected endpoint": "a machine the security tool saw on the network without an agent: never counts",
    "device protected twice": "a server backed up on the old and the new backup platform",
    "storage growth": "retained backup storage grows month over month, so the history shows a trend",
    # Microsoft 365
    "unassigned seats": "paid licences assigned to nobody",
    "suspended units": "units of a cancelled licence not yet removed",
    "warning units": "units past their end, usable for a grace period",
    "free SKUs": "free, trial and viral SKUs that are never paid seats",
    "consent withdrawn": "a tenant that revoked the MSP's access: unreadable, reported by name",
    # the three-way licence check: billed (PSA) vs bought (distributor) vs assigned (the tenant)
    "under-billed while over-bought": "fewer seats billed than assigned, more bought than assigned (monthly term)",
    "over-bought on an annual term": "unassigned seats on an annual term: reducible at its renewal",
    "over-bought on a triennial term renewing within 30 days": "unassigned seats renewing soon: the digest lists them",
    "over-bought in the cancellation window": "an annual term that began days ago: reducible now, within 7 days",
    "assigned beyond bought": "more seats assigned than the distributor sells: bought elsewhere",
    "bought as assigned": "every seat bought from the distributor is assigned",
    "over-bought on two terms": "a monthly and an annual subscription: the monthly part now, the rest at renewal",
}


def planted(world: World) -> set[str]:
    """Every tag planted somewhere in `world`."""
    found: set[str] = set()
    for customer in world.customers:
        found.update(customer.tags)
        for account in customer.accounts:
            found.update(account.tags)
        for device in customer.devices:
            found.update(device.tags)
    return found
