"""N-central's own quirks: the API user's token exchanged at /api/auth/authenticate (and renewed at
/api/auth/refresh with a plain-text body), `pageNumber` paging from 1 up to the body's `totalPages`,
devices counted by the family of their `deviceClass` (laptops as workstations), probes never counted,
a customer's sites rolling up to it, devices filed by `orgUnitId` where `customerId` is missing, host
names cut from `longName`, its `{"status", "message"}` errors in words, and a 429 with no headers."""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

import sandbox
from connectors.errors import AuthFailed, ConfigError, ConnectorError
from connectors.ncentral import NCentral, category
from connectors.records import Account, Asset, Record
from reconcile.audit import Actor
from reconcile.errors import Invalid
from sandbox.vendors import ncentral
from tests.conftest import FAST_POLICY
from tests.sandbox.conftest import server  # noqa: F401  (the 60-client world, where every fleet trap is planted)
from tests.sandbox.raw import HTTP, Raw, token
from tests.scripted import Seen, ScriptedServer
from tests.vendors.summed import values

KIND = "ncentral"
VENDOR = sandbox.VENDORS[KIND]
SECRET = "eyJ-scripted-ncentral-user-token-5521"
TOKENS = {"tokens": {"access": {"token": "access-1", "type": "Bearer", "expirySeconds": 3600},
                     "refresh": {"token": "refresh-1", "type": "Body", "expirySeconds": 90000}}}


def sync(server: sandbox.SandboxServer) -> list[Record]:
    with NCentral(server.settings(KIND), policy=FAST_POLICY) as connector:
        return list(connector.sync())


def device(device_id: int, customer_id: int | None = 101, name: str = "FRONTDESK-01",
           device_class: str = "Workstations - Windows", **fields: Any) -> dict[str, Any]:
    return {"deviceId": device_id, "longName": name, "deviceClass": device_class, "deviceClassLabel": device_class,
            "isProbe": False, "customerId": customer_id, "customerName": "Acme Corp", "orgUnitId": customer_id,
            "lastApplianceCheckinTime": "2026-11-30T08:12:00Z", **fields}


def paged(items: list[Any], page: int = 1, pages: int = 1) -> dict[str, Any]:
    return {"data": items, "pageNumber": page, "pageSize": len(items), "totalItems": len(items) * pages,
            "totalPages": pages}


def scripted_sync(customers: list[dict[str, Any]], *device_pages: list[dict[str, Any]]) -> tuple[list[Record],
                                                                                                list[Seen]]:
    """A sync against answers written here in N-central's documented shapes; devices over as many pages."""
    pages = device_pages or ([],)
    with ScriptedServer() as scripted:
        scripted.answer("/api/auth/authenticate", 200, TOKENS)
        scripted.answer("/api/customers", 200, paged(customers))
        scripted.answer_with("/api/devices", lambda seen: (200, {}, paged(
            pages[int(seen.query["pageNumber"]) - 1], int(seen.query["pageNumber"]), len(pages))))
        with NCentral({"base_url": scripted.url + "/api", "user_token": SECRET}, policy=FAST_POLICY) as connector:
            return list(connector.sync()), scripted.requests


# -- auth -------------------------------------------------------------------------------------------------

def test_the_user_token_is_traded_once_and_only_the_access_token_reads() -> None:
    records, seen = scripted_sync([{"customerId": 101, "customerName": "Acme Corp"}], [device(1)])
    assert [(s.method, s.path) for s in seen] == [("POST", "/api/auth/authenticate"), ("GET", "/api/customers"),
                                                 ("GET", "/api/devices")]
    assert seen[0].headers["Authorization"] == f"Bearer {SECRET}" and seen[0].body == b""
    assert {s.headers["Authorization"] for s in seen[1:]} == {"Bearer access-1"}
    assert any(isinstance(r, Asset) for r in records)


def test_the_connection_test_is_the_exchange_then_one_customer() -> None:
    with ScriptedServer() as scripted:
        scripted.answer("/api/auth/authenticate", 200, TOKENS)
        scripted.answer("/api/customers", 200, paged([]))
        with NCentral({"base_url": scripted.url + "/api", "user_token": SECRET}, policy=FAST_POLICY) as connector:
            connector.test()
    assert [(s.method, s.path, s.query) for s in scripted.requests] == [
        ("POST", "/api/auth/authenticate", {}), ("GET", "/api/customers", {"pageSize": "1"})]


def test_the_fake_renews_with_the_refresh_token_as_plain_text_and_never_takes_it_as_an_access_token(
        served: sandbox.SandboxServer) -> None:
    first = token(served, KIND).json()["tokens"]
    root = served.url + VENDOR.prefix + ncentral.API
    renewed = HTTP.post(root + "/auth/refresh", content=first["refresh"]["token"],
                        headers={"Content-Type": "text/plain"})
    assert renewed.status_code == 200 and renewed.json()["tokens"]["access"]["expirySeconds"] == 3600
    assert renewed.json()["tokens"]["access"]["token"] != first["access"]["token"]
    as_access = HTTP.get(root + "/customers", headers={"Authorization": f"Bearer {first['refresh']['token']}"})
    assert (as_access.status_code, as_access.json()) == (401, {"status": 401, "message": "Invalid or expired token"})
    stale = HTTP.post(root + "/auth/refresh", content="not-a-refresh-token", headers={"Content-Type": "text/plain"})
    assert stale.status_code == 401


def test_an_expired_access_token_is_renewed_through_the_refresh_route(fresh_server: sandbox.SandboxServer) -> None:
    issuer = fresh_server.tokens[KIND]
    with NCentral(fresh_server.settings(KIND), policy=FAST_POLICY) as connector:
        connector.test()
        refreshed = VENDOR.grant.refreshes
        issuer.advance(issuer.lifetime + 1)
        list(connector.sync())
    posts = [c.path for c in fresh_server.requests.of(KIND) if c.method == "POST"]
    assert posts == ["/api/auth/authenticate", "/api/auth/refresh"]
    assert VENDOR.grant.refreshes == refreshed + 1


def test_a_refused_user_token_says_so_in_ncentrals_words_without_the_token(caplog) -> None:
    caplog.set_level(logging.DEBUG)
    with ScriptedServer() as scripted:
        scripted.answer("/api/auth/authenticate", 401, {"status": 401, "message": "Invalid or expired token"})
        with NCentral({"base_url": scripted.url + "/api", "user_token": SECRET}, policy=FAST_POLICY) as connector, \
                pytest.raises(AuthFailed) as refused:
            connector.test()
    assert "(Invalid or expired token — the API user's token was refused or has expired" in refused.value.message
    assert SECRET not in refused.value.message and SECRET not in caplog.text


def test_a_server_without_the_rest_api_is_told_it_predates_2023_9() -> None:
    with ScriptedServer() as scripted:
        scripted.answer("/api/auth/authenticate", 404, raw=b"<html>Not Found</html>")
        with NCentral({"base_url": scripted.url + "/api", "user_token": SECRET}, policy=FAST_POLICY) as connector, \
                pytest.raises(ConnectorError) as refused:
            connector.test()
    assert "predates N-central 2023.9" in refused.value.message


def test_the_server_url_is_required_since_every_n_central_is_self_hosted() -> None:
    with pytest.raises(ConfigError, match="needs Server URL"):
        NCentral.clean_settings({"user_token": SECRET})


# -- paging and counting ------------------------------------------------------------------------------

def test_devices_are_read_page_by_page_from_1_until_the_bodys_total_pages() -> None:
    pages = [[device(n * 10 + i, name=f"PC-{n}{i}") for i in range(3)] for n in range(3)]
    records, seen = scripted_sync([{"customerId": 101, "customerName": "Acme Corp"}], *pages)
    asked = [s.query for s in seen if s.path == "/api/devices"]
    assert asked == [{"pageNumber": str(n), "pageSize": "1000"} for n in (1, 2, 3)]
    assert values(records) == {("101", "devices:workstation"): 9}


def test_devices_count_by_the_family_of_their_class_and_probes_never_count() -> None:
    fleet = [device(1, device_class="Workstations - Mac OS X"), device(2, device_class="Laptop - Windows"),
             device(3, device_class="Servers - Linux"), device(4, device_class="servers - esxi"),
             device(5, device_class="Switch/Router"), device(6, device_class="Printer"),
             device(7, device_class="Mobile Device - iOS"), device(8, device_class="Other"),
             device(9, device_class="Servers - Windows", isProbe=True), device(10, device_class="Probe - Windows"),
             device(11, device_class=None, deviceClassLabel="Workstations - Linux")]
    records, _ = scripted_sync([{"customerId": 101, "customerName": "Acme Corp"}], fleet)
    assert values(records) == {("101", "devices:workstation"): 3, ("101", "devices:server"): 2,
                               ("101", "devices:network"): 2, ("101", "devices:mobile"): 1,
                               ("101", "devices:other"): 1}
    assert category("Thermostat - Nest") == "other"


def test_host_names_are_cut_and_a_missing_check_in_leaves_the_device_always_counted() -> None:
    fleet = [device(1, name="FRONTDESK-01.acme.local"), device(2, name="", discoveredName="ACME\\LAB-02",
                                                               lastApplianceCheckinTime=None)]
    records, _ = scripted_sync([{"customerId": 101, "customerName": "Acme Corp"}], fleet)
    assets = {a.id: a for a in records if isinstance(a, Asset)}
    assert (assets["1"].name, assets["1"].last_seen) == ("FRONTDESK-01", datetime(2026, 11, 30, 8, 12, tzinfo=UTC))
    assert (assets["2"].name, assets["2"].last_seen) == ("LAB-02", None)


def test_a_device_without_customer_id_is_filed_by_org_unit_and_an_unlisted_customer_becomes_an_account() -> None:
    fleet = [device(1, customer_id=None, orgUnitId=101), device(2, customer_id=977, customerName="MSP Internal")]
    records, _ = scripted_sync([{"customerId": 101, "customerName": "Acme Corp"}], fleet)
    accounts = [r for r in records if isinstance(r, Account)]
    assert accounts == [Account("101", "Acme Corp"), Account("977", "MSP Internal")]
    assert records.index(accounts[1]) < next(i for i, r in enumerate(records) if isinstance(r, Asset) and r.id == "2")
    assert values(records) == {("101", "devices:workstation"): 1, ("977", "devices:workstation"): 1}


# -- the truth's traps as N-central shows them -----------------------------------------------------------------

def test_a_customer_with_several_sites_is_one_account_counting_every_sites_devices(server) -> None:
    view = VENDOR.view(server.world)
    with_sites = next(cid for cid, sites in view.sites.items() if len(sites) > 1)
    customer, account = view.owners[with_sites]
    at_sites = Counter(d["siteId"] for d in view.devices if str(d["customerId"]) == with_sites and not d["isProbe"])
    assert set(at_sites) == {s["siteId"] for s in view.sites[with_sites]}
    records = sync(server)
    assert [r for r in records if isinstance(r, Account) and r.id == with_sites] == [Account(with_sites, account.name)]
    counted = sum(v for (a, _), v in values(records).items() if a == with_sites)
    assert counted == sum(at_sites.values()) == sum(1 for d in customer.held_by(account) if d.rmm == "approved")
    sites = Raw(server, KIND).get(f"/customers/{with_sites}/sites").json()
    assert [s["siteName"] for s in sites["data"]] == [s.name for s in customer.sites if s.key in account.sites]


def test_the_probe_beside_a_customers_network_gear_is_listed_but_never_counted(server) -> None:
    view = VENDOR.view(server.world)
    probes = [d for d in view.devices if d["isProbe"]]
    assert probes and all(d["longName"].endswith("-PROBE") for d in probes)
    assets = {a.id for a in sync(server) if isinstance(a, Asset)}
    assert assets.isdisjoint({str(d["deviceId"]) for d in probes})
    assert len(assets) == len(view.devices) - len(probes)


def test_a_device_awaiting_approval_in_the_truth_is_no_n_central_device(server) -> None:
    pending = [d for c in server.world.customers for d in c.devices if d.rmm == "pending"]
    listed = {(d["customerName"], d["longName"]) for d in VENDOR.view(server.world).devices}
    named = {(a.name, d.hostname) for c in server.world.customers for a in c.accounts_of(sandbox.Role.RMM)
             for d in c.held_by(a) if d.rmm == "pending"}
    assert pending and named and listed.isdisjoint(named)


def test_its_limit_answers_429_with_no_headers_in_its_shape(fresh_server: sandbox.SandboxServer) -> None:
    raw = Raw(fresh_server, KIND)
    raw.login()
    fresh_server.set_rate_limit(KIND, rate=0.01, burst=1)
    raw.get("/customers")
    limited = raw.get("/customers")
    assert (limited.status_code, limited.json()) == (429, {"status": 429, "message": "Too many requests"})
    assert "Retry-After" not in limited.headers


def test_one_device_reads_inside_data_and_an_unknown_one_is_a_404(served: sandbox.SandboxServer) -> None:
    raw = Raw(served, KIND)
    first = raw.get("/devices", {"pageSize": 1}).json()
    assert (first["pageNumber"], first["pageSize"], len(first["data"])) == (1, 1, 1)
    one = raw.get(f"/devices/{first['data'][0]['deviceId']}").json()
    assert one == {"data": first["data"][0]}
    missing = raw.get("/devices/1")
    assert (missing.status_code, missing.json()["status"]) == (404, 404)


@pytest.mark.parametrize("server_url", ["https://10.0.0.5/api", "https://127.0.0.1:8443/api",
                                        "http://ncentral.example.com/api"])
def test_a_self_hosted_server_url_on_a_private_network_is_refused_in_oauth_mode(services, server_url) -> None:
    services.context.config = dataclasses.replace(services.context.config, allow_private_urls=False)
    with pytest.raises(Invalid, match="must start with https://|private network|resolve"):
        services.integrations.connect("local", KIND, KIND, {"base_url": server_url, "user_token": SECRET},
                                      Actor("U_ADMIN", "slack"))
    assert services.integrations.list("local") == []
