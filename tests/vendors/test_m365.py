"""Microsoft 365 over Graph, its own quirks: a token per customer tenant (signed in once each, at that
tenant's own token path), the customer tenants read from the partner's contracts, purchased as enabled
plus warning units, free SKUs listed like paid ones, Graph's error envelope in words, and a tenant that
withdrew consent named as a partial failure while every other tenant's licences are kept."""

from __future__ import annotations

import json
import uuid


import pytest

import sandbox
from bot import demo
from connectors.errors import AuthFailed
from connectors.m365 import M365
from connectors.records import Account, Record, Unreadable
from reconcile import bootstrap
from sandbox.truth.model import Role
from sandbox.vendors import m365
from tests.conftest import FAST_POLICY
from tests.sandbox.conftest import server  # noqa: F401  (the 60-client world, where a tenant withdrew consent)
from tests.scripted import ScriptedServer
from tests.shared import SHARED
from tests.vendors.summed import values

KIND = "m365"


def sync(server: sandbox.SandboxServer) -> list[Record]:
    with M365(server.settings(KIND), policy=FAST_POLICY) as connector:
        return list(connector.sync())


def withdrawn(server: sandbox.SandboxServer) -> list[str]:
    return [account.name for _, account in server.world.accounts(Role.M365) if not account.consent]


def test_a_tenant_that_withdrew_consent_is_named_and_the_others_are_kept(server):  # noqa: F811
    records = sync(server)
    refused = [r for r in records if isinstance(r, Unreadable)]
    assert withdrawn(server) and [r.name for r in refused] == withdrawn(server)
    assert "AADSTS700016" in refused[0].reason  # Entra's words: the app is not in that directory any more
    accounts = {r.name for r in records if isinstance(r, Account)}
    assert not accounts & set(withdrawn(server))
    assert len(accounts) == sum(1 for _, a in server.world.accounts(Role.M365) if a.consent and a.live)


def test_the_sync_service_succeeds_and_says_which_tenant_it_could_not_read(server, config):  # noqa: F811
    services = bootstrap.build(config)
    try:
        services.tenants.ensure("local", "MSP")
        services.integrations.connect("local", KIND, KIND, server.settings(KIND), demo.DEMO_ACTOR)
        outcome = services.syncs.run("local", KIND, demo.DEMO_ACTOR)
    finally:
        services.close()
    assert outcome.ok and outcome.accounts > 0
    assert [what.split(" (")[0] for what in outcome.unreadable] == withdrawn(server)
    assert withdrawn(server)[0] in outcome.message


def test_each_tenant_is_signed_in_to_once_at_its_own_token_path(server):  # noqa: F811
    server.set_rate_limit(KIND, 10_000, 10_000)  # no 429 retries: every POST here is a sign-in
    before = len(server.requests.of(KIND))
    sync(server)
    calls = server.requests.of(KIND)[before:]
    token_paths = [c.path for c in calls if c.method == "POST"]
    tenants = [path.split("/")[1] for path in token_paths]
    assert tenants[0] == m365.PARTNER_TENANT  # the partner tenant first, for its contracts
    assert len(tenants) == len(set(tenants))  # cached: one sign-in per tenant
    customer_ids = {c.tenant.id for c, a in server.world.accounts(Role.M365) if c.tenant}
    assert set(tenants[1:]) == customer_ids
    assert all(path.endswith("/oauth2/v2.0/token") for path in token_paths)


def test_purchased_counts_warning_units_and_suspended_units_stand_apart(server):  # noqa: F811
    read = values(sync(server))
    for customer, account in server.world.accounts(Role.M365):
        if not account.consent or customer.tenant is None:
            continue
        for licence in customer.tenant.licences:
            assert read[customer.tenant.id, f"purchased:{licence.sku}"] == licence.units + licence.warning
            assert read[customer.tenant.id, f"suspended:{licence.sku}"] == licence.suspended
            assert read[customer.tenant.id, f"assigned:{licence.sku}"] == customer.assigned(licence.sku)
    assert any(key[1] == "suspended:SPB" and value > 0 for key, value in read.items())


def test_free_skus_are_listed_like_paid_ones(server):  # noqa: F811
    metrics = {metric for _, metric in values(sync(server))}
    assert {"assigned:FLOW_FREE", "purchased:FLOW_FREE"} <= metrics


def test_graph_error_envelope_is_shown_with_its_code_and_no_secret():
    with ScriptedServer() as scripted:
        scripted.answer("/login/partner/oauth2/v2.0/token", body={"access_token": "t0ken-abc", "expires_in": 3599})
        scripted.answer("/v1.0/contracts", status=403, body={"error": {
            "code": "Authorization_RequestDenied", "message": "Insufficient privileges to complete the operation.",
            "innerError": {"request-id": "r"}}})
        settings = {"base_url": scripted.url + "/v1.0", "login_url": scripted.url + "/login", "tenant_id": "partner",
                    "client_id": "app", "client_secret": "s3cret-value"}
        with M365(settings, policy=FAST_POLICY) as connector, pytest.raises(AuthFailed) as refused:
            list(connector.sync())
    said = refused.value.message
    assert "Authorization_RequestDenied: Insufficient privileges" in said and "Microsoft 365" in said
    assert "s3cret-value" not in said and "t0ken-abc" not in said


def test_the_token_request_asks_for_graph_with_the_apps_credentials(server):  # noqa: F811
    before = len(server.requests.of(KIND))
    with M365(server.settings(KIND), policy=FAST_POLICY) as connector:
        connector.test()
    posts = [c for c in server.requests.of(KIND)[before:] if c.method == "POST"]
    assert [c.path for c in posts] == [f"/{m365.PARTNER_TENANT}/oauth2/v2.0/token"]  # the test reads the partner's
    assert m365.GRANT.scope == "https://graph.microsoft.com/.default"  # which the fake's grant insists on


def csdl_types(name: str) -> dict[str, str]:
    """A type's properties (its base entity's too) as Graph's CSDL extract declares them: name → type."""
    parsed = json.loads((SHARED / "vendor-specs/microsoft-graph/v1.0-subscribedSku-csdl-extract.json").read_text())
    declared = parsed["parsed"][name] + (parsed["parsed"]["EntityType:entity"] if name.startswith("Entity") else [])
    return {p["Name"]: p["Type"] for p in declared}


def fits(value: object, kind: str) -> bool:
    if value is None:
        return True
    if kind == "Edm.Int32":
        return isinstance(value, int) and not isinstance(value, bool) and -2**31 <= value < 2**31
    if kind == "Edm.Guid":
        return isinstance(value, str) and str(uuid.UUID(value)) == value.lower()
    if kind.startswith("Collection("):
        return isinstance(value, list)
    if kind.startswith("graph."):
        return isinstance(value, dict)
    return isinstance(value, str)


def test_every_subscribed_sku_the_fake_serves_fits_graphs_csdl(server):  # noqa: F811
    sku_type, units_type = csdl_types("EntityType:subscribedSku"), csdl_types("ComplexType:licenseUnitsDetail")
    served = [sku for skus in m365.M365().view(server.world).tenants.values() for sku in skus]
    assert served
    for sku in served:
        assert set(sku) <= set(sku_type), set(sku) - set(sku_type)
        assert all(fits(sku[name], sku_type[name]) for name in sku), sku
        assert set(sku["prepaidUnits"]) <= set(units_type)
        assert all(fits(value, units_type[name]) for name, value in sku["prepaidUnits"].items())
        assert sku["capabilityStatus"] in ("Enabled", "Warning", "Suspended", "Deleted", "LockedOut")
