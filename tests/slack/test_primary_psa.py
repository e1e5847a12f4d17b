"""/billrec psa primary over signed requests: a second PSA's companies are suggested; switching asks first."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import pytest
from sqlalchemy import select

from connectors.records import Account, Quantity
from reconcile.check_catalog import SideSpec
from reconcile.errors import Invalid
from reconcile.tables import AuditEntry
from sandbox.slack_seed import ADMIN_ID, TECH_ID
from tests.fakes import ScriptedBilling
from tests.slack.conftest import CLIENTS, PRICE, SETUP, billing_records

NEW_PSA = "newpsa"


class NewPsa(ScriptedBilling):
    """The PSA the MSP is moving to: the same clients under its own ids, one not yet moved, one new."""

    kind = "scripted_newpsa"
    display_name = "New PSA"
    script: ClassVar[list[object]] = []


def move_to_a_new_psa(services) -> None:
    services.context.registry[NewPsa.kind] = NewPsa
    moved = {f"n-{key}": value for key, value in CLIENTS.items() if key != "cedar"}  # Cedar not moved yet
    moved["n-acme"] = ("Acme Corp", 12, 13)  # billed 12 in the new PSA, 10 in the old
    NewPsa.script = billing_records(moved) + [Account(id="n-dun", name="Dunmore Farms"),
                                              Quantity(account_id="n-dun", metric="billed:MW-01", value=Decimal(3),
                                                       unit_price=PRICE)]
    services.integrations.connect("local", NewPsa.kind, NEW_PSA, {"api_key": "k-new"}, SETUP)
    services.syncs.run("local", NEW_PSA, SETUP)


def links_of(services, integration: str) -> dict[str, tuple[str, str | None]]:
    return {l.account_name: (l.status, l.client_name) for l in services.links.list("local")
            if l.integration == integration}


def audited(services, action: str) -> list[tuple[str, str, str, dict]]:
    with services.context.sessions() as session:
        return [tuple(r) for r in session.execute(select(AuditEntry.actor, AuditEntry.via, AuditEntry.subject,
                                                         AuditEntry.detail).where(AuditEntry.action == action))]


def test_a_second_psas_companies_are_suggested_not_founded(slack, world, services):
    move_to_a_new_psa(services)
    assert "The primary PSA is *psa*" in slack.run("psa primary").text
    new = links_of(services, NEW_PSA)
    assert {status for status, _ in new.values()} == {"suggested"}
    assert new["Acme Corp"] == ("suggested", "Acme Corp")
    clients = {name for _, name in services.links.clients("local")}
    assert "Dunmore Farms" not in clients and clients == {"Acme Corp", "Bluebird Logistics", "Cedar Dental"}

    # /billrec map offers them like any account's; approved by button, a check compares what each PSA bills
    shown = slack.run("map")
    assert f"*Acme Corp* in {NEW_PSA} → *Acme Corp* · score 100%" in shown.text
    message = {"blocks": shown.replies[0]["blocks"], "ts": "1.0100", "text": shown.replies[0]["text"]}
    bulk = next(b["block_id"] for b in message["blocks"]
                if any(e.get("action_id") == "links_approve_above" for e in b.get("elements", [])))
    slack.click("links_approve_above", block_id=bulk, message=message)
    assert links_of(services, NEW_PSA)["Acme Corp"] == ("approved", "Acme Corp")
    services.checks.add("local", "Old PSA vs new PSA", SideSpec("psa", ["billed:MW-01"]),
                        SideSpec(NEW_PSA, ["billed:MW-01"]), SETUP)
    report = services.reconciler.run("local")
    acme = next(r for r in report.results if r.client == "Acme Corp" and r.check == "Old PSA vs new PSA")
    assert (acme.billed, acme.actual, acme.variance) == (Decimal(10), Decimal(12), Decimal(2))
    with pytest.raises(Invalid, match="cannot stand on the usage side"):  # a PSA's bill is no usage beside an RMM
        services.checks.add("local", "RMM vs new PSA", SideSpec("rmm", ["devices:workstation"]),
                            SideSpec(NEW_PSA, ["billed:MW-01"]), SETUP)


def test_switching_the_primary_says_what_changes_then_asks(slack, world, services):
    move_to_a_new_psa(services)
    services.links.approve_above("local", 0.95, SETUP)
    asked = slack.run(f"psa primary {NEW_PSA}")
    assert "becomes the primary PSA instead of psa" in asked.text
    assert "2 clients keep its id, links and history" in asked.text
    assert "1 client that is not a newpsa company is retired (Cedar Dental)" in asked.text
    assert "1 company becomes new client" in asked.text
    assert services.primary.current("local") == "psa"  # asking changed nothing
    buttons = next(b for b in asked.replies[0]["blocks"] if b["type"] == "actions")["elements"]
    assert buttons[0]["confirm"]["confirm"]["text"] == "Switch"

    refused = slack.click("psa_primary_confirm", user_id=TECH_ID,
                          message={"blocks": asked.replies[0]["blocks"], "ts": "1.0101", "text": ""})
    assert "Only billing admins may change the primary PSA" in refused.text
    assert services.primary.current("local") == "psa"

    done = slack.click("psa_primary_confirm",
                       message={"blocks": asked.replies[0]["blocks"], "ts": "1.0102", "text": ""})
    assert f"is now the primary PSA — by <@{ADMIN_ID}>" in done.text
    assert services.primary.current("local") == NEW_PSA
    clients = {name for _, name in services.links.clients("local")}
    assert clients == {"Acme Corp", "Bluebird Logistics", "Dunmore Farms"}
    assert {status for status, _ in links_of(services, NEW_PSA).values()} == {"approved"}
    old = links_of(services, "psa")
    assert old["Acme Corp"] == ("approved", "Acme Corp")  # same client id: the old PSA still compares
    assert old["Cedar Dental"][0] == "suggested"  # its client was retired
    [(actor, via, subject, detail)] = audited(services, "psa.primary")
    assert (actor, via, subject, detail["was"], detail["retired"]) == (ADMIN_ID, "slack", NEW_PSA, "psa", 1)


def test_cancel_and_a_non_psa_change_nothing(slack, world, services):
    move_to_a_new_psa(services)
    asked = slack.run(f"psa primary {NEW_PSA}")
    cancelled = slack.click("psa_primary_cancel", message={"blocks": asked.replies[0]["blocks"], "ts": "1.0103",
                                                           "text": ""})
    assert "Nothing changed" in cancelled.text
    assert "rmm is not a PSA" in slack.run("psa primary rmm").text
    refused = slack.run(f"psa primary {NEW_PSA}", user_id=TECH_ID)
    assert "Only billing admins may change the primary PSA" in refused.text
    assert services.primary.current("local") == "psa"
    assert audited(services, "psa.primary") == []


def test_a_disconnected_primary_stays_primary_until_an_admin_switches(slack, world, services):
    services.integrations.disconnect("local", "psa", SETUP)
    move_to_a_new_psa(services)
    assert services.primary.current("local") == "psa"  # a disconnect keeps its clients; nothing moves by itself
    assert {status for status, _ in links_of(services, NEW_PSA).values()} == {"suggested"}
    asked = slack.run(f"psa primary {NEW_PSA}")
    assert "instead of psa" in asked.text
    slack.click("psa_primary_confirm", message={"blocks": asked.replies[0]["blocks"], "ts": "1.0104", "text": ""})
    assert {name for _, name in services.links.clients("local")} == {"Acme Corp", "Bluebird Logistics",
                                                                      "Dunmore Farms"}
    assert "psa is disconnected" in slack.run("psa primary psa").text
