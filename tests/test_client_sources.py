"""Who founds the clients: the PSA, even when it is connected after an RMM already did."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from connectors.records import Account, Quantity
from reconcile.audit import Actor
from reconcile.founding import adoptions
from reconcile.check_catalog import SideSpec
from reconcile.tables import AuditEntry, Client, Link, VarianceException
from tests.fakes import Scripted, ScriptedBilling

ADMIN = Actor("U_ADMIN", "cli")

RMM_ORGS = {"1": ("ACME Corporation", 10), "2": ("Bluebird Logistics", 4), "3": ("Cedar Dental", 2)}
PSA_COMPANIES = {"250": ("Acme Corp", 10), "251": ("Bluebird Log. - Denver", 4), "252": ("Dunmore Ltd", 3)}


def companies(orgs: dict[str, tuple[str, int]], metric: str) -> list[object]:
    """One account per org and its count under `metric`."""
    records: list[object] = []
    for account_id, (name, count) in orgs.items():
        records += [Account(id=account_id, name=name),
                    Quantity(account_id=account_id, metric=metric, value=Decimal(count))]
    return records


@pytest.fixture
def tenant(services):
    services.context.registry.update({"scripted": Scripted, "scripted_psa": ScriptedBilling})
    Scripted.script = companies(RMM_ORGS, "devices:workstation")
    ScriptedBilling.script = companies(PSA_COMPANIES, "billed:MW-01")
    yield services
    Scripted.script, ScriptedBilling.script = [], []


def connect_rmm(services) -> None:
    services.integrations.connect("local", "scripted", "rmm", {"api_key": "k-123456"}, ADMIN)
    services.syncs.run("local", "rmm", ADMIN)


def connect_psa(services) -> None:
    services.integrations.connect("local", "scripted_psa", "psa", {"api_key": "k-123456"}, ADMIN)
    services.syncs.run("local", "psa", ADMIN)


def client_names(services) -> list[str]:
    return [name for _, name in services.links.clients("local")]


def client_ids(services) -> dict[str, int]:
    return {name: cid for cid, name in services.links.clients("local")}


def links_of(services, integration: str) -> dict[str, tuple[str | None, str]]:
    """account name → (client name, status) for one integration's links."""
    return {l.account_name: (l.client_name, l.status) for l in services.links.list("local") if l.integration == integration}


def everything(services) -> tuple[list[tuple], list[tuple], int]:
    """Clients, links and the audit length: what a sync that changes nothing leaves alone."""
    with services.context.sessions() as session:
        clients = [tuple(r) for r in session.execute(select(Client.id, Client.name, Client.origin_integration_id,
                                                            Client.origin_account_id).order_by(Client.id))]
        links = [tuple(r) for r in session.execute(select(Link.id, Link.client_id, Link.status, Link.score, Link.reason)
                                                   .order_by(Link.id))]
        return clients, links, session.scalar(select(func.count()).select_from(AuditEntry))


@pytest.mark.parametrize(("clients", "companies", "expected"), [
    ({1: "ACME Corporation"}, {"250": "Acme Corp"}, {1: "250"}),
    ({1: "Cedar Dental"}, {"250": "Acme Corp"}, {}),
    ({1: "Acme Corp", 2: "ACME Corporation"}, {"250": "Acme"}, {}),  # two clients, one company
    ({1: "Acme"}, {"250": "Acme Corp", "251": "ACME Inc."}, {}),  # one client, two companies
    ({1: "Bluebird Logistics"}, {"251": "Bluebird Log. - Denver"}, {}),  # similar is not the same
], ids=["same-name", "no-match", "two-clients", "two-companies", "only-similar"])
def test_a_client_is_adopted_only_by_the_one_company_of_the_same_name(clients, companies, expected):
    assert adoptions(clients, companies) == expected


def test_a_psa_connected_after_the_rmm_makes_its_companies_the_clients(tenant):
    connect_rmm(tenant)
    acme = client_ids(tenant)["ACME Corporation"]
    connect_psa(tenant)
    assert client_names(tenant) == ["Acme Corp", "Bluebird Log. - Denver", "Dunmore Ltd"]
    assert client_ids(tenant)["Acme Corp"] == acme
    assert links_of(tenant, "rmm") == {
        "ACME Corporation": ("Acme Corp", "approved"),  # the same client id, now named as the PSA names it
        "Bluebird Logistics": ("Bluebird Log. - Denver", "suggested"),
        "Cedar Dental": (None, "suggested"),
    }
    assert links_of(tenant, "psa") == {name: (name, "approved") for name, _ in PSA_COMPANIES.values()}


def test_a_retired_clients_links_are_suggested_again_with_a_score_and_a_reason(tenant):
    connect_rmm(tenant)
    connect_psa(tenant)
    bluebird = next(l for l in tenant.links.list("local", "suggested") if l.account_name == "Bluebird Logistics")
    assert (bluebird.client_name, bluebird.decided_by) == ("Bluebird Log. - Denver", None)
    assert bluebird.score >= 0.6 and "similar names" in bluebird.reason
    approved = tenant.links.approve("local", bluebird.id, ADMIN)
    assert (approved.client_name, approved.status) == ("Bluebird Log. - Denver", "approved")


def test_reconcile_shows_each_company_once_after_the_psa_takes_over(tenant):
    connect_rmm(tenant)
    connect_psa(tenant)
    tenant.checks.add("local", "Managed workstations", SideSpec("psa", ["billed:MW-01"]),
                      SideSpec("rmm", ["devices:workstation"]), ADMIN)
    results = tenant.reconciler.run("local").results
    assert sorted((r.client, r.status.value, r.billed, r.actual) for r in results) == [
        ("Acme Corp", "matched", 10, 10),
        ("Bluebird Log. - Denver", "over", 4, 0),  # until a person approves the suggested link
        ("Bluebird Logistics", "unmapped", 0, 4),
        ("Cedar Dental", "unmapped", 0, 2),
        ("Dunmore Ltd", "over", 3, 0),
    ]
    assert max(Counter(r.client for r in results).values()) == 1


def test_the_take_over_is_audited_as_the_sync(tenant):
    connect_rmm(tenant)
    connect_psa(tenant)
    with tenant.context.sessions() as session:
        entries = session.execute(select(AuditEntry.actor, AuditEntry.via, AuditEntry.action, AuditEntry.subject)
                                  .where(AuditEntry.action.in_(["client.adopt", "client.retire", "link.reopen"]) |
                                         AuditEntry.subject.in_(["Acme Corp"]))
                                  .order_by(AuditEntry.id)).all()
    assert [tuple(e) for e in entries] == [
        ("sync", "scheduler", "client.adopt", "Acme Corp"),
        ("sync", "scheduler", "link.reopen", "Bluebird Logistics"),
        ("sync", "scheduler", "client.retire", "Bluebird Logistics"),
        ("sync", "scheduler", "link.reopen", "Cedar Dental"),
        ("sync", "scheduler", "client.retire", "Cedar Dental"),
        ("sync", "scheduler", "link.approved", "Acme Corp"),
    ]


def test_a_retired_clients_exception_is_revoked_and_the_client_kept_out_of_sight(tenant):
    connect_rmm(tenant)
    tenant.integrations.connect("local", "scripted_psa", "psa", {"api_key": "k-123456"}, ADMIN)
    tenant.checks.add("local", "Managed workstations", SideSpec("psa", ["billed:MW-01"]),
                      SideSpec("rmm", ["devices:workstation"]), ADMIN)
    tenant.exceptions.add("local", "Cedar Dental", "Managed workstations", "loaners until March", ADMIN)
    tenant.syncs.run("local", "psa", ADMIN)
    [kept] = tenant.exceptions.list("local", include_inactive=True)
    assert (kept.client, kept.active) == ("Cedar Dental", False)
    with tenant.context.sessions() as session:
        assert session.scalar(select(VarianceException.revoked_at)) is not None
        assert session.scalar(select(Client.origin_integration_id).where(Client.name == "Cedar Dental")) is None
        revoked = session.scalar(select(AuditEntry.subject).where(AuditEntry.action == "exception.revoke"))
    assert revoked == "Cedar Dental / Managed workstations"
    assert "Cedar Dental" not in client_names(tenant)  # not offered for links or new exceptions again
    assert links_of(tenant, "rmm")["Cedar Dental"] == (None, "suggested")


def test_retired_clients_without_exceptions_are_deleted(tenant):
    connect_rmm(tenant)
    connect_psa(tenant)
    with tenant.context.sessions() as session:
        assert sorted(session.scalars(select(Client.name))) == ["Acme Corp", "Bluebird Log. - Denver", "Dunmore Ltd"]


def test_a_psa_connected_first_founds_the_clients_as_before(tenant):
    connect_psa(tenant)
    connect_rmm(tenant)
    assert client_names(tenant) == ["Acme Corp", "Bluebird Log. - Denver", "Dunmore Ltd"]
    assert links_of(tenant, "rmm") == {
        "ACME Corporation": ("Acme Corp", "suggested"),
        "Bluebird Logistics": ("Bluebird Log. - Denver", "suggested"),
        "Cedar Dental": (None, "suggested"),
    }
    with tenant.context.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action.in_(["client.adopt", "client.retire"]))) == 0


@pytest.mark.parametrize("order", ["rmm-first", "psa-first"])
def test_a_second_psa_sync_changes_nothing(tenant, order):
    for connect in ((connect_rmm, connect_psa) if order == "rmm-first" else (connect_psa, connect_rmm)):
        connect(tenant)
    before = everything(tenant)
    assert tenant.syncs.run("local", "psa", ADMIN).ok
    assert everything(tenant) == before


def test_a_later_rmm_sync_founds_no_more_clients(tenant):
    connect_rmm(tenant)
    connect_psa(tenant)
    Scripted.script = companies({**RMM_ORGS, "4": ("Eastside Vets", 1)}, "devices:workstation")
    tenant.syncs.run("local", "rmm", ADMIN)
    assert client_names(tenant) == ["Acme Corp", "Bluebird Log. - Denver", "Dunmore Ltd"]
    assert links_of(tenant, "rmm")["Eastside Vets"] == (None, "suggested")


def test_a_psa_with_no_companies_retires_nothing(tenant):
    connect_rmm(tenant)
    ScriptedBilling.script = []
    connect_psa(tenant)
    assert client_names(tenant) == ["ACME Corporation", "Bluebird Logistics", "Cedar Dental"]
    assert {status for _, status in links_of(tenant, "rmm").values()} == {"approved"}


def test_a_client_made_by_hand_is_adopted_by_the_psa_company_that_later_carries_its_name(tenant):
    connect_psa(tenant)
    connect_rmm(tenant)
    cedar = next(l for l in tenant.links.list("local", "suggested") if l.account_name == "Cedar Dental")
    made = tenant.links.create_client("local", cedar.id, ADMIN)
    assert (made.client_name, made.status) == ("Cedar Dental", "approved")
    tenant.syncs.run("local", "psa", ADMIN)  # the PSA still does not know it: the client stays
    assert client_ids(tenant)["Cedar Dental"] == made.client_id

    ScriptedBilling.script = companies({**PSA_COMPANIES, "260": ("Cedar Dental LLC", 2)}, "billed:MW-01")
    tenant.syncs.run("local", "psa", ADMIN)
    assert client_ids(tenant)["Cedar Dental LLC"] == made.client_id and "Cedar Dental" not in client_names(tenant)
    assert links_of(tenant, "rmm")["Cedar Dental"] == ("Cedar Dental LLC", "approved")
    assert links_of(tenant, "psa")["Cedar Dental LLC"] == ("Cedar Dental LLC", "approved")
