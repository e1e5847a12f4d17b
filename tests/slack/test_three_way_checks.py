"""The three-way licence check in Slack (issue 11): `/billrec checks add … --bought`, the modal's optional
bought select, and the reconcile thread saying both variances and when over-bought seats can go."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from connectors.base import PriceBasis, Role
from connectors.records import Account, Quantity, Term
from reconcile.audit import Actor
from sandbox.slack_seed import BILLING
from tests.fakes import ScriptedBilling, scripted
from tests.slack.conftest import reconcile_thread
from tests.slack.test_discover import open_checks_modal, options

SETUP = Actor("setup", "cli")
ADD = 'checks add "Microsoft 365" --billed psa:billed:M365-BP --bought dist:licenses:SPB --usage graph:assigned:SPB'


ScriptedDistributor = scripted("scripted_dist", "Scripted Distributor", {"licenses:*": "Licences bought"}, Role.BOTH,
                               price_basis=PriceBasis.COST)
ScriptedTenants = scripted("scripted_graph", "Scripted Tenants", {"assigned:*": "Seats assigned"})


def with_licences(services, world) -> None:
    """Acme is billed 10 seats, assigns 12 and buys 15 on an annual term: under-billed while over-bought."""
    ScriptedBilling.script = [*ScriptedBilling.script, Quantity("acme", "billed:M365-BP", Decimal(10), Decimal(22))]
    services.syncs.run("local", world.psa, SETUP)
    services.context.registry["scripted_dist"] = ScriptedDistributor
    services.context.registry["scripted_graph"] = ScriptedTenants
    ScriptedDistributor.script = [Account("d-acme", "Acme Corp"), Quantity(
        "d-acme", "licenses:SPB", Decimal(15), Decimal("18.70"), term=Term("monthly", "Annual", date(2027, 3, 13)))]
    ScriptedTenants.script = [Account("t-acme", "Acme Corp"), Quantity("t-acme", "assigned:SPB", Decimal(12))]
    for kind, name in (("scripted_dist", "dist"), ("scripted_graph", "graph")):
        services.integrations.connect("local", kind, name, {"api_key": f"k-{name}"}, SETUP)
        services.syncs.run("local", name, SETUP)
    services.links.approve_above("local", 0.95, SETUP)


def test_a_three_way_check_added_with_the_cli_syntax_names_its_three_sides(slack, world, services):
    with_licences(services, world)
    added = slack.run(ADD)
    assert "billed psa `billed:M365-BP` vs bought dist `licenses:SPB` vs assigned graph `assigned:SPB`" in added.text
    check = next(c for c in services.checks.list("local") if c.name == "Microsoft 365")
    assert (check.bought.integration, check.bought.metrics) == ("dist", ("licenses:SPB",))


def test_the_reconcile_thread_says_both_variances_and_when_the_unused_seats_can_go(slack, world, services):
    with_licences(services, world)
    details = reconcile_thread(slack, ADD)
    assert "Microsoft 365: billed 10, actual 12 → *+2* under-licensed · $44.00/mo" in details
    assert ("↳ bought 15 · assigned − bought -3 over-bought (seats the MSP pays for that nobody uses) · "
            "-$56.10/mo at cost · annual term, reducible at renewal on 2027-03-14") in details
    [shared] = slack.fake.files(BILLING)
    assert b"Bought,Buying variance,Buying status" in shared.content
    assert b",15,-3,over-bought,18.70,-56.10,\"annual term, reducible at renewal on 2027-03-14\"," in shared.content


def test_the_modal_offers_the_billing_sources_metrics_as_the_optional_bought_side(slack, world, services):
    with_licences(services, world)
    view = open_checks_modal(slack)
    bought = next(b for b in view["blocks"] if b.get("block_id") == "checks_bought")
    assert bought["optional"] is True
    assert "dist:licenses:SPB" in options(view, "checks_bought")
    response = slack.driver.view_submission("checks_submit", {
        "check_name": {"value": "M365 three-way"}, "checks_billed": {"checks_billed": "psa:billed:M365-BP"},
        "checks_usage": {"checks_usage": "graph:assigned:SPB"},
        "checks_bought": {"checks_bought": "dist:licenses:SPB"}},
        view_id=view["id"])
    assert response.json()["response_action"] == "update"
    check = next(c for c in services.checks.list("local") if c.name == "M365 three-way")
    assert check.bought is not None and check.bought.integration == "dist"
