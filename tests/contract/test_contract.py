"""One contract every connector passes against its fake vendor, for every kind in `connectors.REGISTRY`.

The expected figures come from the truth (`sandbox/truth`), read through the fake's declarations
(which account id is which truth account, which connector metric a neutral one is), never from
the fake's JSON. No test here names a kind; each vendor's own quirks are in `tests/vendors/`.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from decimal import Decimal

import pytest

import connectors
import sandbox
from connectors.errors import AuthFailed, BadResponse, ConnectorError, RateLimited, VendorUnavailable
from connectors.http import HttpPolicy
from connectors.records import Account, Asset, Quantity, Record
from sandbox import VENDORS
from sandbox.truth.measures import items
from sandbox.truth.model import Linking, Role
from tests.conftest import FAST_POLICY
from tests.contract.conftest import ADMIN, TENANT, current, inject
from tests.sandbox.specs import validate_exchange

KINDS = sorted(connectors.REGISTRY)
TOKENS = [kind for kind in KINDS if VENDORS[kind].token_lifetime]
RMMS = [kind for kind in KINDS if Role.RMM in VENDORS[kind].roles]
SPECIFIED = [kind for kind in KINDS if VENDORS[kind].spec]


def connect(server: sandbox.SandboxServer, kind: str, policy: HttpPolicy = FAST_POLICY,
            **changes: str) -> connectors.Connector:
    return connectors.REGISTRY[kind](server.settings(kind) | changes, policy=policy)


def sync(server: sandbox.SandboxServer, kind: str) -> list[Record]:
    with connect(server, kind) as connector:
        return list(connector.sync())


def totals(records: list[Record]) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    """Per (account, metric): the summed value and the money of its priced part."""
    summed: dict[tuple[str, str], tuple[Decimal, Decimal]] = {}
    for r in records:
        if isinstance(r, Quantity):
            value, money = summed.get((r.account_id, r.metric), (Decimal(0), Decimal(0)))
            summed[r.account_id, r.metric] = (value + r.value, money + r.value * (r.unit_price or 0))
    return summed


def from_the_truth(server: sandbox.SandboxServer, kind: str) -> tuple[dict[str, str], dict]:
    """The accounts (id → name) and totals a full sync must report, read from the truth."""
    vendor, world = VENDORS[kind], server.world
    names: dict[str, str] = {}
    expected: dict[tuple[str, str], tuple[Decimal, Decimal]] = {}
    for account_id, (customer, account) in vendor.reported(world).items():
        names[account_id] = account.name
        for item in items(customer, account, world.now):
            metric = vendor.metric(item.metric)
            if metric is not None:
                value, money = expected.get((account_id, metric), (Decimal(0), Decimal(0)))
                price = (item.unit_price or 0) if vendor.prices else 0  # a vendor that shows no price has none
                expected[account_id, metric] = (value + item.units, money + item.units * price)
    return names, expected


def secret_values(server: sandbox.SandboxServer, kind: str) -> list[str]:
    settings = server.settings(kind)
    return [settings[f.name] for f in connectors.REGISTRY[kind].fields if f.secret]


def test_every_connector_has_a_fake_vendor_and_every_fake_a_connector() -> None:
    assert sorted(VENDORS) == KINDS
    assert all(VENDORS[kind].kind == kind for kind in KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_the_fake_offers_exactly_the_settings_the_connector_declares(sandbox_server, kind):
    assert set(sandbox_server.settings(kind)) == {field.name for field in connectors.REGISTRY[kind].fields}
    assert sandbox_server.settings(kind)["base_url"] == sandbox_server.base_url(kind)


@pytest.mark.parametrize("kind", KINDS)
def test_a_good_key_passes_the_connection_test(sandbox_server, kind):
    with connect(sandbox_server, kind) as connector:
        connector.test()


@pytest.mark.parametrize("kind", KINDS)
def test_a_bad_key_is_refused_without_echoing_it(sandbox_server, kind, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "Wrong-Secret-123456"
    field = next(f.name for f in connectors.REGISTRY[kind].fields if f.secret)
    with connect(sandbox_server, kind, **{field: wrong}) as connector, pytest.raises(AuthFailed) as caught:
        connector.test()
    assert connectors.REGISTRY[kind].display_name in caught.value.message
    assert wrong not in caught.value.message and wrong not in caplog.text


@pytest.mark.parametrize("kind", KINDS)
def test_a_full_sync_reports_every_account_and_quantity_the_truth_holds(sandbox_server, kind):
    records = sync(sandbox_server, kind)
    accounts, expected = from_the_truth(sandbox_server, kind)
    assert {r.id: r.name for r in records if isinstance(r, Account)} == accounts
    assert totals(records) == expected
    measured = [r for r in records if isinstance(r, (Quantity, Asset))]
    assert measured and all(connectors.REGISTRY[kind].declares(r.metric) for r in measured)
    assert {r.account_id for r in measured} <= set(accounts)


@pytest.mark.parametrize("kind", KINDS)
def test_only_reads_reach_the_vendor(sandbox_server, kind):
    with connect(sandbox_server, kind) as connector:
        connector.test()
        list(connector.sync())
    calls = sandbox_server.requests.of(kind)
    assert calls
    # a call other than a GET must be a POST both sides declare a read: the connector (its token request,
    # its read POSTs, at the vendor's own paths) and the fake (a token or read route)
    vendor, cls = VENDORS[kind], connectors.REGISTRY[kind]
    # a self-hosted vendor's URL has no default: its paths sit under the API root on any host
    declared = cls.read_posts(cls.fields[0].default or "https://self-hosted.invalid" + vendor.api_root)
    writes = [c for c in calls if not (route := vendor.route(c.method, c.path, c.operation)[0]) or not route.reads
              or (c.method != "GET" and (c.path, c.operation or None) not in declared)]
    assert writes == []


@pytest.mark.parametrize("kind", SPECIFIED)
def test_every_answer_a_sync_reads_fits_the_vendors_own_spec(sandbox_server, kind):
    sandbox_server.requests.keep_exchanges = True
    with connect(sandbox_server, kind) as connector:
        connector.test()
        list(connector.sync())
    exchanges = sandbox_server.requests.exchanges(kind)
    validated = [e for e in exchanges if e.status == 200 and validate_exchange(e)]
    # every list the sync walked is in the spec; a path it leaves out (a smoke-test call) is not checked
    assert validated and len({e.path for e in validated}) >= 2


@pytest.mark.parametrize(("fault", "error"), [
    ("rate_limit", RateLimited), ("server_error", VendorUnavailable), ("bad_json", BadResponse),
    ("wrong_shape", BadResponse), ("auth", AuthFailed),
])
@pytest.mark.parametrize("kind", KINDS)
def test_a_persistent_fault_is_a_typed_error_naming_the_vendor_and_no_secret(sandbox_server, kind, fault, error,
                                                                              caplog):
    caplog.set_level(logging.DEBUG)
    inject(sandbox_server, kind, fault, times=-1)
    with connect(sandbox_server, kind) as connector, pytest.raises(error) as caught:
        list(connector.sync())
    assert caught.value.message.startswith(connectors.REGISTRY[kind].display_name + ": ")
    for secret in secret_values(sandbox_server, kind):
        assert secret not in caught.value.message and secret not in caplog.text


@pytest.mark.parametrize(("fault", "expected"), [
    ("rate_limit", "kept rate-limiting after 3 attempts"),
    ("server_error", "kept failing after 3 attempts"),
    ("bad_json", "is not {body}"),  # JSON, or XML for an XML API
    ("wrong_shape", "answered 200"),
    ("auth", "refused the credentials"),
])
@pytest.mark.parametrize("kind", KINDS)
def test_a_failing_vendor_keeps_the_last_good_data(synced, sandbox_server, kind, fault, expected):
    before = current(synced, kind)
    expected = expected.format(body=connectors.REGISTRY[kind].body_format.name)
    inject(sandbox_server, kind, fault, times=-1)
    outcome = synced.syncs.run(TENANT, kind, ADMIN)
    assert outcome.status == "failed" and expected in outcome.message
    assert current(synced, kind) == before
    info = synced.integrations.get(TENANT, kind)
    assert info.health == "failing" and expected in info.last_error
    for secret in secret_values(sandbox_server, kind):
        assert secret not in outcome.message


@pytest.mark.parametrize(("fault", "times"), [("rate_limit", 2), ("server_error", 2)])
@pytest.mark.parametrize("kind", KINDS)
def test_a_passing_fault_is_retried_and_the_sync_succeeds_with_the_same_data(synced, sandbox_server, kind, fault,
                                                                            times):
    before = current(synced, kind)
    inject(sandbox_server, kind, fault, times=times)
    assert synced.syncs.run(TENANT, kind, ADMIN).ok
    assert current(synced, kind) == before


@pytest.mark.parametrize("kind", KINDS)
def test_a_slow_vendor_times_out_and_is_retried(synced, sandbox_server, kind):
    config = synced.context.config
    synced.context.config = replace(config, http_policy=replace(FAST_POLICY, timeout=0.3))
    try:
        sandbox_server.faults.inject(kind, "timeout", times=1, seconds=0.6)
        assert synced.syncs.run(TENANT, kind, ADMIN).ok
    finally:
        synced.context.config = config


@pytest.mark.parametrize("kind", KINDS)
def test_dropped_pages_are_held_not_applied(synced, sandbox_server, kind):
    before = current(synced, kind)
    sandbox_server.faults.inject(kind, "drop_pages", times=-1)
    outcome = synced.syncs.run(TENANT, kind, ADMIN)
    assert outcome.status == "held" and outcome.drops
    assert current(synced, kind) == before
    sandbox_server.faults.clear()
    assert synced.syncs.discard(TENANT, kind, ADMIN).status == "discarded"
    assert current(synced, kind) == before


@pytest.mark.parametrize("kind", TOKENS)
def test_a_token_that_expires_mid_sync_is_renewed_and_the_sync_completes(sandbox_server, kind):
    issuer = sandbox_server.tokens[kind]
    with connect(sandbox_server, kind) as connector:
        connector.test()
        issued = issuer.issued
        issuer.advance(issuer.lifetime + 1)  # the cached token is now past its lifetime
        records = list(connector.sync())
        # a token per directory tenant (TenantTokens): the home tenant's renewed, each other one's new
        signed_in = [flow for flow in getattr(connector.http.auth, "flows", {}).values() if flow.token] or [None]
    assert issuer.issued == issued + len(signed_in)
    assert totals(records) == from_the_truth(sandbox_server, kind)[1]


@pytest.mark.parametrize("kind", TOKENS)
def test_a_token_refused_mid_sync_is_renewed_once_through_the_sync_service(synced, sandbox_server, kind):
    before = current(synced, kind)
    first_list = next(r for r in VENDORS[kind].routes if r.listing is not None)
    inject(sandbox_server, kind, "auth", times=1, path=first_list.pattern.split("{")[0])
    assert synced.syncs.run(TENANT, kind, ADMIN).ok
    assert current(synced, kind) == before


@pytest.mark.parametrize("kind", RMMS)
def test_a_client_adding_devices_shows_up_after_the_next_sync(synced, sandbox_server, kind):
    world, vendor = sandbox_server.world, VENDORS[kind]
    client = next(c for c in world.clients if any(a.linking == Linking.EASY for a in c.accounts_of(Role.RMM)))
    joined = next(a for a in client.accounts_of(Role.RMM) if a.linking == Linking.EASY)  # where add_devices puts them
    account_id = next(i for i, (_, a) in vendor.accounts(world).items() if a is joined)
    metric = vendor.metric("devices:workstation")
    before = current(synced, kind).get((account_id, metric), Decimal(0))
    sandbox_server.replace_world(sandbox.add_devices(world, client.canonical, 3))
    try:
        assert synced.syncs.run(TENANT, kind, ADMIN).ok
        assert current(synced, kind)[account_id, metric] == before + 3
    finally:
        sandbox_server.replace_world(world)


def test_connector_errors_form_one_tree():
    assert all(issubclass(e, ConnectorError) for e in (AuthFailed, BadResponse, RateLimited, VendorUnavailable))


def test_every_connector_declares_what_the_connect_modal_shows():
    for kind, cls in connectors.REGISTRY.items():
        assert cls.kind == kind
        facts = {heading: text.strip() for _, heading, text in cls.guidance.facts()}
        assert len(facts) == 6 and all(facts.values()), f"{kind} leaves a setup-guide fact empty: {facts}"
        assert cls.guidance.revoke.strip(), f"{kind} does not say where to revoke its key"
        assert any(f.secret for f in cls.fields), f"{kind} stores no secret?"
        url = cls.fields[0]
        assert url.name == "base_url", "every connector takes a base_url first"
        # a cloud vendor offers its address; an always self-hosted one says what to type instead
        assert url.default or "https://" in url.hint, f"{kind} neither offers an address nor says what to type"
        assert cls.metrics

