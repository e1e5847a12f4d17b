"""Acronis' own quirks: client credentials only in the Basic header and a token whose `expires_on` is a
Unix time, the tenant tree walked from the API client's partner through partners and folders (ids
first, details in batches of 100), usages read by `value` and never `absolute_value`, editions that
add up, zero and feature items, storage in bytes, its `{"error": {…}}` words, and how it shows the
truth's trap of a customer under a reseller folder."""

from __future__ import annotations

import base64
import time
from collections import Counter
from typing import Any

import pytest

import sandbox
from connectors.acronis import Acronis
from connectors.errors import AuthFailed, BadResponse
from connectors.records import Account, Quantity, Record
from sandbox.truth import measures
from sandbox.vendors import acronis
from tests.conftest import FAST_POLICY
from tests.sandbox.raw import HTTP, Raw
from tests.scripted import ScriptedServer, Seen
from tests.vendors.summed import values

KIND = "acronis"
VENDOR = sandbox.VENDORS[KIND]
PARTNER = "7c0f0000-0000-4000-8000-000000000000"
SECRET = "Very-Secret-Client-Secret-42"


def sync(server: sandbox.SandboxServer) -> list[Record]:
    with Acronis(server.settings(KIND), policy=FAST_POLICY) as connector:
        return list(connector.sync())


def tenant(tenant_id: str, kind: str = "customer", parent: str = PARTNER, **fields: Any) -> dict[str, Any]:
    return {"id": tenant_id, "name": f"Tenant {tenant_id}", "kind": kind, "parent_id": parent, "enabled": True,
            "has_children": kind != "customer", "version": 1, **fields}


def usage(tenant_id: str, name: str, value: int, absolute: int | None = None, *, edition: str = "pck_per_workload",
          unit: str = "quantity", kind: str = "count") -> dict[str, Any]:
    return {"tenant_id": tenant_id, "name": name, "usage_name": name, "edition": edition, "infra_id": None,
            "measurement_unit": unit, "type": kind, "value": value,
            "absolute_value": value if absolute is None else absolute, "range_start": "2026-12-01T00:00:00",
            "offering_item": {"status": 1, "quota": {"value": None, "overage": None, "version": 0}}}


class Tree:
    """A scripted Acronis: tenants by id, children by parent, usages by tenant, in the doc's shapes."""

    def __init__(self, tenants: list[dict[str, Any]], usages: dict[str, list[dict[str, Any]]]) -> None:
        self.tenants = {t["id"]: t for t in tenants}
        self.usages = usages
        self.batches: list[int] = []

    def children(self, parent: str) -> list[str]:
        return [t["id"] for t in self.tenants.values() if t["parent_id"] == parent]

    def serve(self, scripted: ScriptedServer) -> None:
        scripted.answer("/api/2/idp/token", 200, {"access_token": "tok", "token_type": "bearer",
                                                   "expires_on": int(time.time()) + 7200})
        scripted.answer("/api/2/clients/cid", 200, {"client_id": "cid", "tenant_id": PARTNER})
        for parent in [PARTNER, *self.tenants]:
            scripted.answer(f"/api/2/tenants/{parent}/children", 200, {"items": self.children(parent)})
        for tenant_id, items in self.usages.items():
            scripted.answer(f"/api/2/tenants/{tenant_id}/usages", 200, {"items": items})
        scripted.answer_with("/api/2/tenants", self.batch)

    def batch(self, seen: Seen) -> tuple[int, dict[str, str], Any]:
        asked = seen.query["uuids"].split(",")
        self.batches.append(len(asked))
        return 200, {}, {"items": [self.tenants[a] for a in asked]}


def scripted_sync(tree: Tree) -> tuple[list[Record], list[str]]:
    with ScriptedServer() as scripted:
        tree.serve(scripted)
        with Acronis({"base_url": scripted.url + "/api/2", "client_id": "cid", "client_secret": SECRET},
                     policy=FAST_POLICY) as connector:
            records = list(connector.sync())
        return records, [seen.path for seen in scripted.requests]


# -- auth -----------------------------------------------------------------------------------------

def test_the_client_authenticates_by_basic_and_the_token_says_when_it_expires_as_a_unix_time(
        served: sandbox.SandboxServer) -> None:
    url = served.base_url(KIND) + "/idp/token"
    pair = base64.b64encode(f"{acronis.CLIENT_ID}:{acronis.CLIENT_SECRET}".encode()).decode()
    granted = HTTP.post(url, data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {pair}"})
    body = granted.json()
    assert granted.status_code == 200 and "expires_in" not in body
    assert time.time() + 7100 < body["expires_on"] <= time.time() + 7200
    # the same pair in the body, as most OAuth servers take it, is no authentication here
    in_body = HTTP.post(url, data={"grant_type": "client_credentials", "client_id": acronis.CLIENT_ID,
                                   "client_secret": acronis.CLIENT_SECRET})
    assert (in_body.status_code, in_body.json()["error"]) == (401, "unauthorized_client")


def test_one_token_serves_the_connection_test_and_a_whole_sync(fresh_server: sandbox.SandboxServer) -> None:
    with Acronis(fresh_server.settings(KIND), policy=FAST_POLICY) as connector:
        connector.test()
        list(connector.sync())
    tokens = [e for e in fresh_server.requests.of(KIND) if e.path.endswith("/idp/token")]
    assert len(tokens) == 1  # one token request for the test and every call of the sync after it


def test_refused_credentials_are_said_in_acronis_words_without_the_secret() -> None:
    with ScriptedServer() as scripted:
        scripted.answer("/api/2/idp/token", 401, {"error": "unauthorized_client",
                                                  "error_description": "Client authentication failed"})
        with Acronis({"base_url": scripted.url + "/api/2", "client_id": "cid", "client_secret": SECRET},
                     policy=FAST_POLICY) as connector, pytest.raises(AuthFailed) as refused:
            connector.test()
        sent = scripted.requests[0]
    assert "Client authentication failed" in refused.value.message and SECRET not in refused.value.message
    assert sent.body == b"grant_type=client_credentials" and sent.headers["Authorization"].startswith("Basic ")


def test_an_error_envelope_is_read_for_its_message_and_the_status_said_in_words() -> None:
    tree = Tree([tenant("c1")], {})
    with ScriptedServer() as scripted:
        tree.serve(scripted)
        scripted.answers["/api/2/tenants/c1/usages"] = [(403, {}, {"error": {
            "code": "Forbidden", "message": "Access to tenant c1 denied", "domain": "PlatformAccountServer",
            "context": {}}})]
        with Acronis({"base_url": scripted.url + "/api/2", "client_id": "cid", "client_secret": SECRET},
                     policy=FAST_POLICY) as connector, pytest.raises(AuthFailed) as failed:
            list(connector.sync())
    assert "Access to tenant c1 denied: the API client has no rights on that tenant" in failed.value.message


def test_the_data_centre_is_a_choice_of_regional_urls_and_another_may_be_typed() -> None:
    base_url = next(f for f in Acronis.fields if f.name == "base_url")
    urls = [value for value, _ in base_url.choices]
    assert base_url.default in urls and all(u.startswith("https://") and u.endswith("/api/2") for u in urls)
    assert {"https://eu2-cloud.acronis.com/api/2", "https://us5-cloud.acronis.com/api/2"} <= set(urls)


# -- the tenant tree ------------------------------------------------------------------------------

def test_customers_under_partners_and_folders_are_each_one_account_and_the_rest_are_walked_through() -> None:
    tree = Tree([tenant("c1"), tenant("r1", "partner"), tenant("f1", "folder", "r1"), tenant("c2", parent="f1"),
                 tenant("u1", "unit", "c2")],
                {"c1": [usage("c1", "servers", 2)], "c2": [usage("c2", "workstations", 4)]})
    records, paths = scripted_sync(tree)
    assert [r.id for r in records if isinstance(r, Account)] == ["c1", "c2"]
    assert values(records) == {("c1", "protected:server"): 2, ("c2", "protected:workstation"): 4}
    # a reseller or folder's usage (the sum of its customers') is never asked for, nor anything under a customer
    assert not [p for p in paths if p.endswith("/usages") and "/c" not in p]
    assert "/api/2/tenants/c2/children" not in paths and "/api/2/tenants/u1/children" not in paths


def test_children_are_fetched_in_batches_of_at_most_a_hundred_ids() -> None:
    tree = Tree([tenant(f"c{n}") for n in range(250)], {f"c{n}": [] for n in range(250)})
    records, _ = scripted_sync(tree)
    assert tree.batches == [100, 100, 50]
    assert len([r for r in records if isinstance(r, Account)]) == 250


def test_a_tenant_listed_twice_in_the_tree_stops_the_sync_by_name_rather_than_loop() -> None:
    tree = Tree([tenant("r1", "partner"), tenant("c1", parent="r1")], {"c1": []})
    with ScriptedServer() as scripted:
        tree.serve(scripted)
        scripted.answers["/api/2/tenants/r1/children"] = [(200, {}, {"items": ["c1", PARTNER]})]
        with Acronis({"base_url": scripted.url + "/api/2", "client_id": "cid", "client_secret": SECRET},
                     policy=FAST_POLICY) as connector, pytest.raises(BadResponse, match="Acronis Cyber Protect "
                                                                                   "Cloud: tenant .* twice"):
            list(connector.sync())


def test_a_disabled_customer_is_still_reported_since_its_backups_and_storage_remain() -> None:
    tree = Tree([tenant("c1", enabled=False)], {"c1": [usage("c1", "storage", 10**12, unit="bytes",
                                                                kind="infra")]})
    records, _ = scripted_sync(tree)
    assert values(records) == {("c1", "storage:bytes"): 10**12}


# -- usages ---------------------------------------------------------------------------------------

def test_a_customers_own_value_counts_never_its_absolute_value() -> None:
    tree = Tree([tenant("c1")], {"c1": [usage("c1", "workstations", 3, absolute=5)]})
    assert values(scripted_sync(tree)[0]) == {("c1", "protected:workstation"): 3}


def test_editions_add_up_under_one_metric_and_show_in_the_label() -> None:
    tree = Tree([tenant("c1")], {"c1": [usage("c1", "servers", 2), usage("c1", "servers", 1,
                                                                           edition="pck_per_gigabyte")]})
    records, _ = scripted_sync(tree)
    assert values(records) == {("c1", "protected:server"): 3}
    assert sorted(r.label for r in records if isinstance(r, Quantity)) == ["servers (pck_per_gigabyte)",
                                                                            "servers (pck_per_workload)"]


def test_offering_items_map_to_metrics_unused_feature_and_part_items_are_skipped_and_storage_is_bytes() -> None:
    tree = Tree([tenant("c1")], {"c1": [
        usage("c1", "vms", 4), usage("c1", "virtualhosts", 1), usage("c1", "m365_seats", 12),
        usage("c1", "m365_mailboxes", 2), usage("c1", "mobiles", 0), usage("c1", "notary", 1, kind="feature"),
        usage("c1", "websites", 3), usage("c1", "storage", 450 * 10**9, unit="bytes", kind="infra"),
        usage("c1", "storage", 150 * 10**9, unit="bytes", kind="infra"),
        usage("c1", "local_storage", 40 * 10**9, unit="bytes", kind="infra"),
        usage("c1", "pg_base_servers", 500 * 10**9, unit="bytes", kind="infra")]})
    assert values(scripted_sync(tree)[0]) == {
        ("c1", "protected:vm"): 4, ("c1", "protected:virtual_host"): 1, ("c1", "seats:user"): 12,
        ("c1", "seats:mailbox"): 2, ("c1", "protected:other"): 3, ("c1", "storage:bytes"): 600 * 10**9,
        ("c1", "storage:local_bytes"): 40 * 10**9}


# -- how the fake shows the truth -----------------------------------------------------------------

def test_a_customer_under_a_reseller_folder_sits_two_levels_down_and_counts_for_its_client(
        served: sandbox.SandboxServer) -> None:
    view = VENDOR.view(served.world)
    trapped = [(i, owned) for i, owned in VENDOR.accounts(served.world).items()
               if "customer under a reseller folder" in owned[1].tags]
    assert trapped
    for tenant_id, (_, account) in trapped:
        folder = view.tenants[view.tenants[tenant_id]["parent_id"]]
        reseller = view.tenants[folder["parent_id"]]
        assert (folder["kind"], reseller["kind"], reseller["name"]) == ("folder", "partner", account.folder)
        assert reseller["parent_id"] == view.partner
    expected: Counter[tuple[str, str]] = Counter()
    for tenant_id, (customer, account) in trapped:
        for item in measures.items(customer, account, served.world.now):
            expected[tenant_id, VENDOR.metric(item.metric)] += item.units
    records = sync(served)
    reported = {key: n for key, n in values(records).items() if key[0] in dict(trapped)}
    assert reported == dict(expected) and expected
    assert {r.id for r in records if isinstance(r, Account)} >= set(dict(trapped))


def test_a_partners_usages_hold_only_the_sum_of_its_customers_as_absolute_value(
        served: sandbox.SandboxServer) -> None:
    raw, view = Raw(served, KIND), VENDOR.view(served.world)
    items = raw.get(f"/tenants/{view.partner}/usages").json()["items"]
    servers = [u for u in items if u["name"] == "servers"]
    assert servers and all(u["value"] == 0 for u in servers)
    under = sum(u["value"] for t in view.owners for u in view.usages[t] if u["name"] == "servers")
    assert sum(u["absolute_value"] for u in servers) == under > 0


def test_batches_without_ids_or_over_a_hundred_and_unknown_tenants_are_refused_in_acronis_shape(
        served: sandbox.SandboxServer) -> None:
    raw = Raw(served, KIND)
    too_many = raw.get("/tenants", {"uuids": ",".join(f"id{n}" for n in range(101))})
    assert too_many.status_code == 400 and too_many.json()["error"]["message"] == "uuids accepts at most 100 ids"
    unasked = HTTP.get(raw.base + "/tenants", auth=raw.auth)
    assert unasked.status_code == 400 and unasked.json()["error"]["message"] == "uuids is required"
    missing = raw.get("/tenants/00000000-0000-4000-8000-000000000000/children")
    assert missing.status_code == 404 and set(missing.json()["error"]) == {"code", "message", "domain", "context"}
