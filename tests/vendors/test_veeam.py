"""Veeam Service Provider Console's own quirks: a portal user's password grant on `/token` with no API
client and a refresh token, `meta.pagingInfo` offset paging up to 500, agents counted by their
`operationMode`, VMs and Microsoft 365 objects by type, deleted companies and the provider's own
workloads left out, its `errors` envelope and HTTP 520 in words, the host alone as the console URL,
and how it shows the truth's traps (a reseller's company, a company that is no client)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import sandbox
from connectors.errors import AuthFailed, ConnectorError
from connectors.records import Account, Asset, Record
from connectors.veeam import Veeam
from sandbox.truth.model import Linking
from sandbox.vendors import veeam
from tests.conftest import FAST_POLICY
from tests.sandbox.conftest import server  # noqa: F401  (the 60-client world, with a reseller's companies)
from tests.sandbox.raw import Raw, token
from tests.scripted import ScriptedServer
from tests.vendors.summed import values

KIND = "veeam"
VENDOR = sandbox.VENDORS[KIND]
TOKEN = {"access_token": "acc-1", "token_type": "bearer", "expires_in": 3600, "refresh_token": "ref-1"}
STORAGE_PATH = "/api/v3/organizations/companies/sites/backupResources/usage"
ACME, BLUEBIRD = "3f0c1d2e-0000-4000-8000-00000000a001", "3f0c1d2e-0000-4000-8000-00000000a002"


def envelope(items: list[dict[str, Any]], offset: int = 0, total: int | None = None) -> dict[str, Any]:
    return {"meta": {"pagingInfo": {"total": len(items) if total is None else total, "count": len(items),
                                    "offset": offset}}, "data": items, "errors": None}


def scripted_sync(companies: list[dict[str, Any]], agents: list[dict[str, Any]] = (),
                  machines: list[dict[str, Any]] = (), objects: list[dict[str, Any]] = (),
                  storage: list[dict[str, Any]] = ()) -> list[Record]:
    """A sync against answers written here, in VSPC's documented shapes."""
    with ScriptedServer() as scripted:
        scripted.answer("/api/v3/token", 200, TOKEN)
        scripted.answer("/api/v3/organizations/companies", 200, envelope(companies))
        scripted.answer("/api/v3/protectedWorkloads/computersManagedByConsole", 200, envelope(list(agents)))
        scripted.answer("/api/v3/protectedWorkloads/virtualMachines", 200, envelope(list(machines)))
        scripted.answer("/api/v3/protectedWorkloads/vb365ProtectedObjects", 200, envelope(list(objects)))
        scripted.answer(STORAGE_PATH, 200, envelope(list(storage)))
        with Veeam({"base_url": scripted.url + "/api/v3", "username": "ops", "password": "pw"},
                   policy=FAST_POLICY) as connector:
            return list(connector.sync())


def company(uid: str, name: str, status: str = "Active") -> dict[str, Any]:
    return {"instanceUid": uid, "name": name, "status": status, "resellerUid": None, "subscriptionPlanUid": None}


# -- auth and errors ------------------------------------------------------------------------------

def test_a_portal_user_alone_gets_a_token_and_a_refresh_token_and_a_wrong_password_is_invalid_grant(served) -> None:
    good = token(served, KIND)
    assert good.status_code == 200 and "Authorization" not in good.request.headers
    assert good.json()["token_type"] == "Bearer" and good.json()["refresh_token"]
    wrong = token(served, KIND, password="not-it")
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")


def test_a_wrong_password_is_refused_in_veeams_words_and_never_shown() -> None:
    with ScriptedServer() as scripted:
        scripted.answer("/api/v3/token", 400, {"error": "invalid_grant",
                                               "error_description": "Invalid user name or password."})
        with Veeam({"base_url": scripted.url, "username": "ops", "password": "Very-Secret-Pass-123"},
                   policy=FAST_POLICY) as connector, pytest.raises(AuthFailed) as refused:
            connector.test()
        sent = scripted.requests[0]
    assert sent.path == "/api/v3/token"  # the host alone reaches the REST API v3 path
    assert "Invalid user name or password" in refused.value.message
    assert "Very-Secret-Pass-123" not in refused.value.message


def test_an_expired_token_is_renewed_with_the_refresh_token_not_the_password(fresh_server) -> None:
    issuer = fresh_server.tokens[KIND]
    with Veeam(fresh_server.settings(KIND), policy=FAST_POLICY) as connector:
        connector.test()
        refreshed = veeam.GRANT.refreshes
        issuer.advance(issuer.lifetime + 1)
        assert any(isinstance(r, Account) for r in connector.sync())
    assert veeam.GRANT.refreshes == refreshed + 1


def refusal(status: int, message: str) -> str:
    """What a sync says when the company list answers `status` with `message` in VSPC's errors envelope."""
    with ScriptedServer() as scripted:
        scripted.answer("/api/v3/token", 200, TOKEN)
        scripted.answer("/api/v3/organizations/companies", status, {"meta": None, "data": None, "errors": [
            {"message": message, "type": "error", "code": 1000}]})
        with Veeam({"base_url": scripted.url + "/api/v3", "username": "ops", "password": "pw"},
                   policy=FAST_POLICY) as connector, pytest.raises(ConnectorError) as failed:
            list(connector.sync())
    return failed.value.message


def test_its_errors_envelope_and_a_520_are_said_in_words() -> None:
    assert "Access denied.: this portal user's role may not read it" in refusal(403, "Access denied.")
    assert "Failed to query companies.: the console reported an internal error" in refusal(
        520, "Failed to query companies.")


# -- paging ---------------------------------------------------------------------------------------

def test_lists_page_by_offset_in_meta_paging_info_and_refuse_more_than_500(served) -> None:
    raw, companies = Raw(served, KIND), VENDOR.view(served.world).companies
    body = raw.get("/organizations/companies", {"limit": 5, "offset": 5}).json()
    assert body["meta"] == {"pagingInfo": {"total": len(companies), "count": 5, "offset": 5}}
    assert body["data"] == companies[5:10] and body["errors"] is None
    too_many = raw.get("/organizations/companies", {"limit": 501})
    assert too_many.status_code == 400 and too_many.json()["errors"][0]["message"]


def test_the_connector_asks_500_at_a_time_and_stops_at_the_total() -> None:
    listed = [company(f"c-{n}", f"Company {n}") for n in range(1200)]
    with ScriptedServer() as scripted:
        scripted.answer("/api/v3/token", 200, TOKEN)
        scripted.answer_with("/api/v3/organizations/companies", lambda seen: (200, {}, envelope(
            listed[int(seen.query["offset"]):][:int(seen.query["limit"])], int(seen.query["offset"]), len(listed))))
        for path in ("computersManagedByConsole", "virtualMachines", "vb365ProtectedObjects"):
            scripted.answer(f"/api/v3/protectedWorkloads/{path}", 200, envelope([]))
        scripted.answer(STORAGE_PATH, 200, envelope([]))
        with Veeam({"base_url": scripted.url + "/api/v3", "username": "ops", "password": "pw"},
                   policy=FAST_POLICY) as connector:
            records = list(connector.sync())
        asked = [r.query for r in scripted.requests if r.path == "/api/v3/organizations/companies"]
    assert [(q["offset"], q["limit"]) for q in asked] == [("0", "500"), ("500", "500"), ("1000", "500")]
    assert len([r for r in records if isinstance(r, Account)]) == 1200


# -- readings -------------------------------------------------------------------------------------

def test_agents_count_by_operation_mode_vms_apart_and_microsoft_365_objects_by_type() -> None:
    records = scripted_sync(
        [company(ACME, "Acme Corp"), company(BLUEBIRD, "Bluebird Logistics")],
        agents=[{"backupAgentUid": "a-1", "name": "ACME-DC01.acme.local", "organizationUid": ACME,
                 "operationMode": "Server"},
                {"backupAgentUid": "a-2", "name": "PC-0001", "organizationUid": ACME, "operationMode": "Workstation"},
                {"backupAgentUid": "a-3", "name": "PC-0002", "organizationUid": ACME}],  # no mode reported yet
        machines=[{"instanceUid": "vm-1", "name": "BB-FS01", "organizationUid": BLUEBIRD, "totalRestorePointSize": 9}],
        objects=[{"id": "o:1", "name": "jo@acme.example", "protectedDataType": "User", "organizationUid": ACME},
                 {"id": "o:2", "name": "front@acme.example", "protectedDataType": "User", "organizationUid": ACME,
                  "consumesLicense": False},  # a shared mailbox: protected, though Veeam bills the MSP nothing
                 {"id": "o:3", "name": "Intranet", "protectedDataType": "Site", "organizationUid": ACME},
                 {"id": "o:4", "name": "Sales", "protectedDataType": "Teams", "organizationUid": BLUEBIRD},
                 {"id": "o:5", "name": "All Staff", "protectedDataType": "Group", "organizationUid": BLUEBIRD}])
    assert values(records) == {
        (ACME, "protected:server"): Decimal(1), (ACME, "protected:workstation"): Decimal(2),
        (BLUEBIRD, "protected:vm"): Decimal(1), (ACME, "seats:user"): Decimal(2), (ACME, "seats:site"): Decimal(1),
        (BLUEBIRD, "seats:team"): Decimal(1), (BLUEBIRD, "seats:other"): Decimal(1)}
    server = next(r for r in records if isinstance(r, Asset) and r.id == "a-1")
    assert server.name == "ACME-DC01"  # the host name a person knows, as the RMM shows it


def test_a_deleted_company_and_the_providers_own_workloads_are_nobodys_usage() -> None:
    records = scripted_sync(
        [company(ACME, "Acme Corp"), company(BLUEBIRD, "Bluebird Logistics", status="Deleted")],
        agents=[{"backupAgentUid": "a-1", "name": "ACME-DC01", "organizationUid": ACME, "operationMode": "Server"},
                {"backupAgentUid": "a-2", "name": "BB-DC01", "organizationUid": BLUEBIRD, "operationMode": "Server"},
                {"backupAgentUid": "a-3", "name": "VSPC-01", "organizationUid": "provider-uid",
                 "operationMode": "Server"}],
        storage=[{"companyUid": BLUEBIRD, "backupResourceUid": "r-9", "usedStorageQuota": 10**12}])
    assert [r.id for r in records if isinstance(r, Account)] == [ACME]
    assert values(records) == {(ACME, "protected:server"): Decimal(1)}


def test_storage_is_each_companys_cloud_backup_resources_used_bytes_added_up_tiers_not_added_again() -> None:
    records = scripted_sync(
        [company(ACME, "Acme Corp"), company(BLUEBIRD, "Bluebird Logistics"),
         company("3f0c1d2e-0000-4000-8000-00000000a003", "Cobalt Dental")],
        storage=[{"companyUid": ACME, "backupResourceUid": "r-1", "storageQuota": 2 * 10**12,
                  "usedStorageQuota": 1_300_000_000_000, "performanceTierUsage": 1_300_000_000_000,
                  "capacityTierUsage": 400_000_000_000, "archiveTierUsage": None},  # offloaded: the same backups
                 {"companyUid": ACME, "backupResourceUid": "r-2", "storageQuota": 10**12,
                  "usedStorageQuota": 1_000_000_000_000},  # a second site's resource
                 {"companyUid": BLUEBIRD, "backupResourceUid": "r-3", "storageQuota": 10**12,
                  "usedStorageQuota": None},  # no figure yet: no storage, rather than a 0 that reads as over-billing
                 {"companyUid": "reseller-uid", "backupResourceUid": "r-4", "usedStorageQuota": 5 * 10**12}])
    assert values(records) == {(ACME, "storage:bytes"): Decimal(2_300_000_000_000)}


def test_the_fake_serves_every_companys_truth_storage_once_over_one_or_two_sites(server) -> None:
    shown = VENDOR.view(server.world)
    rows: dict[str, list[dict[str, Any]]] = {}
    for row in shown.storage:
        rows.setdefault(row["companyUid"], []).append(row)
    stored = {uid: customer.storage[-1].bytes for uid, (customer, _) in shown.owners.items() if customer.storage}
    assert {uid: sum(r["usedStorageQuota"] for r in found) for uid, found in rows.items()} == stored
    assert any(len(found) == 2 for found in rows.values()), "a company with a resource on each of two sites"
    assert any(r["capacityTierUsage"] for r in shown.storage), "an offloaded capacity tier, not added"
    with Veeam(server.settings(KIND), policy=FAST_POLICY) as connector:
        read = values(list(connector.sync()))
    live = {uid for uid, (_, account) in shown.owners.items() if account.live}
    assert {uid: v for (uid, metric), v in read.items() if metric == "storage:bytes"} == {
        uid: Decimal(b) for uid, b in stored.items() if uid in live}


# -- the truth's traps, in Veeam's terms -----------------------------------------------------------

def test_a_resellers_company_and_a_company_that_is_no_client_are_companies_like_any_other(server) -> None:
    shown = VENDOR.view(server.world)
    owners = {uid: account for uid, (_, account) in shown.owners.items()}
    foldered = [c for c in shown.companies if owners[c["instanceUid"]].folder]
    assert foldered and all(c["resellerUid"] for c in foldered)
    strangers = [uid for uid, account in owners.items() if account.linking == Linking.NONE]
    with Veeam(server.settings(KIND), policy=FAST_POLICY) as connector:
        records = list(connector.sync())
    reported = {r.id for r in records if isinstance(r, Account)}
    assert strangers and set(strangers) <= reported
    measured = {uid for uid, _ in values(records)}
    assert all(c["instanceUid"] in reported for c in foldered) and any(c["instanceUid"] in measured for c in foldered)
    provider = [a for a in shown.agents if a["organizationUid"] not in owners]
    assert provider and not {a["backupAgentUid"] for a in provider} & {r.id for r in records if isinstance(r, Asset)}


def test_a_console_without_a_workload_list_fails_the_sync_naming_it_rather_than_counting_none() -> None:
    with ScriptedServer() as scripted:
        scripted.answer("/api/v3/token", 200, TOKEN)
        scripted.answer("/api/v3/organizations/companies", 200, envelope([company(ACME, "Acme Corp")]))
        scripted.answer("/api/v3/protectedWorkloads/computersManagedByConsole", 200, envelope([]))
        scripted.answer("/api/v3/protectedWorkloads/virtualMachines", 404, {"meta": None, "data": None, "errors": [
            {"message": "Resource not found.", "type": "error", "code": 1404}]})
        with Veeam({"base_url": scripted.url + "/api/v3", "username": "ops", "password": "pw"},
                   policy=FAST_POLICY) as connector, pytest.raises(ConnectorError) as failed:
            list(connector.sync())
    assert "virtualMachines" in failed.value.message and "Resource not found." in failed.value.message
