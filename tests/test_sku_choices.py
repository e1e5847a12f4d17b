"""Free, trial and viral SKUs count in no check by default, and every face agrees (issue 11, SKU names).

A scripted source stands in for Graph under the `m365` kind: what a tenant's licences look like is
all the SKU choices need.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import pytest

from connectors.records import Account, Quantity
from reconcile.audit import Actor
from reconcile.check_catalog import SideSpec
from reconcile.errors import Invalid, NotFound
from tests.fakes import Scripted, ScriptedBilling

ADMIN = Actor("dana", "cli")


class Tenants(Scripted):
    kind = "m365"
    display_name = "Microsoft 365 (scripted)"
    metrics = {"assigned:*": "Licences assigned", "purchased:*": "Licences purchased"}
    script: ClassVar[list[object]] = []


@pytest.fixture
def licences(services):
    """Acme billed 10 Business Premium seats; its tenant assigns 12, and 40 free Power Automate ones."""
    services.context.registry.update({"m365": Tenants, "scripted_psa": ScriptedBilling})
    ScriptedBilling.script = [Account("acme", "Acme Corp"),
                              Quantity("acme", "billed:M365-BP", Decimal(10), unit_price=Decimal(22))]
    Tenants.script = [Account("t-acme", "Acme Corp"), Quantity("t-acme", "assigned:SPB", Decimal(12)),
                      Quantity("t-acme", "assigned:FLOW_FREE", Decimal(40))]
    for kind, name in (("scripted_psa", "psa"), ("m365", "m365")):
        services.integrations.connect("local", kind, name, {"api_key": "k"}, ADMIN)
        services.syncs.run("local", name, ADMIN)
    services.links.approve_above("local", 0.95, ADMIN)
    return services


def listed(services, tenant="local"):
    return {m.metric: m.name for m in services.metrics.synced(tenant, "m365")}


def test_the_metric_catalogue_names_graph_skus_and_leaves_free_ones_out(licences):
    assert listed(licences) == {"assigned:SPB": "Microsoft 365 Business Premium (assigned)"}
    licences.skus.include("local", "flow_free", ADMIN)
    assert listed(licences)["assigned:FLOW_FREE"] == "Microsoft Power Automate Free (assigned)"


def test_a_check_on_an_excluded_sku_is_refused_with_how_to_count_it(licences):
    with pytest.raises(Invalid, match=r"m365:assigned:FLOW_FREE is Microsoft Power Automate Free .* `skus include "
                                      r"FLOW_FREE` counts it"):
        licences.checks.add("local", "Flows", SideSpec("psa", ["billed:M365-BP"]),
                            SideSpec("m365", ["assigned:FLOW_FREE"]), ADMIN)
    licences.skus.include("local", "FLOW_FREE", ADMIN)
    licences.checks.add("local", "Flows", SideSpec("psa", ["billed:M365-BP"]), SideSpec("m365", ["assigned:FLOW_FREE"]),
                        ADMIN)


def test_an_excluded_sku_stops_counting_in_a_check_that_named_it(licences):
    licences.skus.include("local", "FLOW_FREE", ADMIN)
    licences.checks.add("local", "Business Premium", SideSpec("psa", ["billed:M365-BP"]),
                        SideSpec("m365", ["assigned:SPB", "assigned:FLOW_FREE"]), ADMIN)

    def acme():
        (result,) = [r for r in licences.reconciler.run("local").results if r.client == "Acme Corp"]
        return result.actual, result.status.value

    assert acme() == (Decimal(52), "under")  # the free seats counted while included
    licences.skus.exclude("local", "FLOW_FREE", ADMIN)  # back to the default
    assert acme() == (Decimal(12), "under")
    licences.skus.exclude("local", "SPB", ADMIN)  # a paid SKU an admin leaves out
    assert acme() == (Decimal(0), "over")
    assert listed(licences) == {}


def test_choices_are_the_tenants_own(licences):
    licences.tenants.ensure("other")
    licences.skus.include("local", "FLOW_FREE", ADMIN)
    free = {c.sku.part_number: c for c in licences.skus.listing("other", free_only=True)}
    assert free["FLOW_FREE"].counted is False and "excluded by default" in free["FLOW_FREE"].reason
    mine = {c.sku.part_number: c for c in licences.skus.listing("local", free_only=True)}
    assert mine["FLOW_FREE"].counted is True and mine["FLOW_FREE"].reason.startswith("included by dana on ")
    assert all(c.sku.free for c in mine.values())


def test_an_unknown_sku_is_refused_with_the_closest_ones(licences):
    with pytest.raises(NotFound, match=r"did you mean FLOW_FREE \(Microsoft Power Automate Free\)"):
        licences.skus.include("local", "flowfree", ADMIN)
