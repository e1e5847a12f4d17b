"""The coverage check in Slack: added by command or modal, its gaps in the thread, unprotected servers called out."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.records import Account, Asset, Quantity
from reconcile import csvexport
from reconcile.check_catalog import SideSpec
from reconcile.checks import COVERAGE
from sandbox.slack_seed import ADMIN_ID, BILLING, TECH_ID
from tests.fakes import ScriptedSecurity
from tests.slack.conftest import CLIENTS, SETUP, World, build_world


def agents() -> list[object]:
    """The security tool's view of the small MSP: every RMM device protected but Acme's PC-acme-3; one rogue agent."""
    records: list[object] = []
    for key, (name, _, used) in CLIENTS.items():
        records.append(Account(id=f"site-{key}", name=name))
        hosts = [f"PC-{key}-{i}" for i in range(used) if (key, i) != ("acme", 3)]
        if key == "blue":
            hosts.append("ROGUE-LT1")
        if key == "cedar":
            hosts[0] = hosts[0].lower() + ".cedar.local"  # the same machine, as a console spells it
        records.extend(Asset(f"site-{key}", "endpoints:complete", f"a-{host}", host) for host in hosts)
        records.append(Quantity(f"site-{key}", "endpoints:complete", Decimal(len(hosts))))
    return records


@pytest.fixture
def covered(services) -> World:
    services.context.registry["scripted_edr"] = ScriptedSecurity
    ScriptedSecurity.script = agents()
    world = build_world(services)
    services.integrations.connect("local", "scripted_edr", "edr", {"api_key": "k-edr"}, SETUP)
    services.syncs.run("local", "edr", SETUP)
    services.links.approve_above("local", 0.95, SETUP)
    return world


def test_a_coverage_check_added_by_command_is_stored_and_described(slack, covered, services):
    added = slack.run('checks add "EDR coverage" --coverage rmm:devices:* --by edr:endpoints:* --seen-within 30')
    assert "*EDR coverage*: coverage of rmm `devices:*` by edr `endpoints:*` · seen within 30 days" in \
        added.text.replace("\u200b", "")  # the zero-width spaces keep a typed * from turning bold
    check = next(c for c in services.checks.list("local") if c.name == "EDR coverage")
    assert (check.kind, check.billed.metrics, check.usage.metrics) == (COVERAGE, ("devices:*",), ("endpoints:*",))


def test_a_coverage_check_on_a_billing_source_or_half_given_is_refused(slack, covered, services):
    billing = slack.run('checks add "EDR" --coverage psa:billed:* --by edr:endpoints:*')
    assert "only says what clients are billed" in billing.text
    half = slack.run('checks add "EDR" --coverage rmm:devices:*', replies=0)
    assert "takes --coverage and --by" in half.response.text
    assert [c.name for c in services.checks.list("local")] == ["Managed workstations"]


def test_the_thread_lists_each_gap_by_device_and_the_cards_count_them(slack, covered, services):
    services.checks.add_coverage("local", "EDR coverage", SideSpec("rmm", ["devices:*"]),
                                 SideSpec("edr", ["endpoints:*"]), SETUP)
    slack.run("reconcile", user_id=TECH_ID, replies=0)
    parent, *replies = slack.fake.messages(BILLING)
    assert "Coverage gaps 2" in str(parent.blocks) and "2 coverage gaps" in parent.text
    details = str([m.blocks for m in replies])
    assert "EDR coverage: PC-acme-3 (workstation): no security agent" in details
    assert "EDR coverage: ROGUE-LT1 (complete agent): on no managed device" in details
    assert "pc-cedar-0" not in details  # matched despite its case and .local suffix
    [shared] = slack.fake.files(BILLING)
    lines = [line for line in shared.content.decode().splitlines() if "EDR coverage" in line]
    assert sum("no security agent" in line for line in lines) == 1
    assert shared.content == csvexport.to_text(services.reconciler.run("local").results).encode()


def test_a_client_with_three_unprotected_servers_is_called_out_above_the_money(slack, services):
    services.context.registry["scripted_edr"] = ScriptedSecurity
    ScriptedSecurity.script = agents()
    world = build_world(services)
    from tests.fakes import Scripted
    Scripted.script = [*Scripted.script, *(Asset("acme", "devices:server", f"s{i}", f"ACME-SRV0{i}") for i in (1, 2, 3))]
    services.syncs.run("local", world.rmm, SETUP)
    services.integrations.connect("local", "scripted_edr", "edr", {"api_key": "k-edr"}, SETUP)
    services.syncs.run("local", "edr", SETUP)
    services.links.approve_above("local", 0.95, SETUP)
    services.checks.add_coverage("local", "EDR coverage", SideSpec("rmm", ["devices:*"]),
                                 SideSpec("edr", ["endpoints:*"]), SETUP)
    slack.run("reconcile", replies=0)
    blocks = str(slack.fake.messages(BILLING)[0].blocks)
    callout = "*Acme Corp* has 3 servers with no security agent: ACME-SRV01, ACME-SRV02, ACME-SRV03"
    assert callout in blocks and blocks.index(callout) < blocks.index("Under-licensed")


def open_coverage_modal(slack, user_id=ADMIN_ID):
    slack.run("checks add coverage", user_id=user_id, replies=0)
    slack.fake.wait_for("views.open")
    return slack.fake.open_views(user_id)[-1]


def test_the_coverage_modal_offers_wildcards_and_adds_the_check(slack, covered, services):
    view = open_coverage_modal(slack)
    block = next(b for b in view["blocks"] if b.get("block_id") == "coverage_devices")
    offered = [o["value"] for o in block["element"]["options"]]
    assert set(offered[:2]) == {"rmm:devices:*", "edr:endpoints:*"} and "psa:billed:MW-01" not in offered
    response = slack.driver.view_submission("coverage_submit", {
        "check_name": {"value": "EDR coverage"}, "coverage_devices": {"coverage_devices": "rmm:devices:*"},
        "coverage_agents": {"coverage_agents": "edr:endpoints:*"}, "check_seen_within": {"value": "30"}},
        view_id=view["id"]).json()
    assert response["response_action"] == "update" and "Added check *EDR coverage*" in str(response["view"])
    assert next(c for c in services.checks.list("local") if c.name == "EDR coverage").seen_within_days == 30
    again = slack.driver.view_submission("coverage_submit", {
        "check_name": {"value": "Self"}, "coverage_devices": {"coverage_devices": "rmm:devices:*"},
        "coverage_agents": {"coverage_agents": "rmm:devices:*"}, "check_seen_within": {"value": ""}},
        view_id=view["id"]).json()
    assert again["response_action"] == "errors" and "rmm is on both sides" in again["errors"]["coverage_agents"]
