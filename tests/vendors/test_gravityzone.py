"""GravityZone's own quirks: the API key as a Basic user name with an empty password, JSON-RPC calls
by method (undeclared ones refused), companies enumerated from the network inventory, page/perPage
in `params` up to 100, managed endpoints only, host names cut from endpoint names, monthly licence
usage per company for the current month, JSON-RPC errors in words, and how it shows the truth's
traps (a decommissioned agent and a detected endpoint are unmanaged; a reinstall leaves two)."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

import pytest

import sandbox
from connectors.errors import AuthFailed, BadResponse
from connectors.gravityzone import GravityZone, counts, this_month
from connectors.records import Account, Asset, Record
from sandbox.vendors import gravityzone
from tests.conftest import FAST_POLICY
from tests.sandbox.conftest import server  # noqa: F401  (the 60-client world, where every fleet trap is planted)
from tests.sandbox.raw import HTTP, Raw
from tests.scripted import ScriptedServer, Seen
from tests.vendors.summed import values

KIND = "gravityzone"
NETWORK, LICENSING = "/api/v1.0/jsonrpc/network", "/api/v1.0/jsonrpc/licensing"
SECRET = "Scripted-GZ-Key-0987654321abcdef"


def sync(server: sandbox.SandboxServer) -> list[Record]:
    with GravityZone(server.settings(KIND), policy=FAST_POLICY) as connector:
        return list(connector.sync())


def result(sent: dict[str, Any], value: Any) -> dict[str, Any]:
    return {"id": sent["id"], "jsonrpc": "2.0", "result": value}


def paged(items: list[Any]) -> dict[str, Any]:
    return {"page": 1, "pagesCount": 1 if items else 0, "perPage": 100, "total": len(items), "items": items}


def endpoint(endpoint_id: str, name: str = "FRONTDESK-01", **fields: Any) -> dict[str, Any]:
    return {"id": endpoint_id, "name": name, "fqdn": f"{name.lower()}.acme.local", "isManaged": True,
            "managedWithBest": True, "machineType": 1, "operatingSystemVersion": "Windows 11 Pro",
            "lastSuccessfulScan": {"name": "Quick Scan", "date": "2026-11-30T08:12:00"}, **fields}


def scripted_sync(endpoints: list[dict[str, Any]], usage: dict[str, Any] | None = None
                  ) -> tuple[list[Record], list[dict[str, Any]]]:
    """A sync of one company, Acme, against answers in GravityZone's documented shapes."""
    def network(seen: Seen) -> tuple[int, dict[str, str], Any]:
        sent = json.loads(seen.body)
        if sent["method"] == "getNetworkInventoryItems":
            return 200, {}, result(sent, paged([{"id": "c1", "name": "Acme Corp", "type": 1}]))
        return 200, {}, result(sent, paged(endpoints))

    def licensing(seen: Seen) -> tuple[int, dict[str, str], Any]:
        return 200, {}, result(json.loads(seen.body), usage or {})

    with ScriptedServer() as scripted:
        for _ in range(2):
            scripted.answer_with(NETWORK, network)
        scripted.answer_with(LICENSING, licensing)
        with GravityZone({"base_url": scripted.url + "/api", "api_key": SECRET}, policy=FAST_POLICY) as connector:
            records = list(connector.sync())
        return records, [json.loads(s.body) for s in scripted.requests]


def test_the_key_is_the_basic_user_name_with_an_empty_password(served: sandbox.SandboxServer) -> None:
    call = {"id": "1", "jsonrpc": "2.0", "method": "getLicenseInfo", "params": {}}
    url = served.base_url(KIND) + "/v1.0/jsonrpc/licensing"
    assert HTTP.post(url, json=call, auth=(gravityzone.KEY, "")).status_code == 200
    assert HTTP.post(url, json=call, auth=(gravityzone.KEY, "x")).status_code == 401
    assert HTTP.post(url, json=call, auth=("", gravityzone.KEY)).status_code == 401


def test_a_method_the_fake_does_not_declare_is_refused_as_method_not_found(served: sandbox.SandboxServer) -> None:
    url = served.base_url(KIND) + "/v1.0/jsonrpc/network"
    answer = HTTP.post(url, auth=(gravityzone.KEY, ""),
                       json={"id": "7", "jsonrpc": "2.0", "method": "deleteEndpoint", "params": {"endpointId": "x"}})
    assert answer.status_code == 404
    assert answer.json()["id"] == "7" and answer.json()["error"]["code"] == -32601
    not_rpc = HTTP.post(url, auth=(gravityzone.KEY, ""), content=b"not json")
    assert not_rpc.json()["error"]["code"] == -32700


def test_the_sync_calls_only_the_declared_read_methods_with_companies_filtered_and_managed_endpoints() -> None:
    records, sent = scripted_sync([endpoint("e1")])
    assert [s["method"] for s in sent] == ["getNetworkInventoryItems", "getEndpointsList", "getMonthlyUsage"]
    assert sent[0]["params"]["filters"] == {"type": {"companies": True}}
    assert sent[1]["params"] | {"page": 1} == {"parentId": "c1", "isManaged": True, "page": 1, "perPage": 100,
                                               "filters": {"depth": {"allItemsRecursively": True}}}
    assert sent[2]["params"] == {"companyId": "c1", "targetMonth": this_month()}
    assert [r for r in records if isinstance(r, Account)] == [Account("c1", "Acme Corp")]


def test_only_endpoints_managed_with_the_agent_count_even_where_the_filter_is_ignored() -> None:
    records, _ = scripted_sync([endpoint("e1"), endpoint("e2", "GUEST-PC", isManaged=False, managedWithBest=False),
                                endpoint("e3", "NOAGENT", managedWithBest=False)])
    assert values(records) == {("c1", "endpoints:managed"): 1}
    assert not counts({"id": "x"}) and counts({"isManaged": True})  # no managedWithBest: managed is enough


def test_every_endpoint_is_an_asset_named_by_its_host_name_and_last_seen_at_its_last_scan() -> None:
    records, _ = scripted_sync([endpoint("e1", "ACME-DC01.acme.local"),
                                endpoint("e2", "", fqdn="frontdesk-01.acme.local", lastSuccessfulScan=None)])
    assets = [r for r in records if isinstance(r, Asset)]
    assert [(a.id, a.name) for a in assets] == [("e1", "ACME-DC01"), ("e2", "frontdesk-01")]  # else its FQDN, cut
    assert assets[0].last_seen == datetime.fromisoformat("2026-11-30T08:12:00+00:00")
    assert assets[1].last_seen is None  # no scan yet: it always counts


def test_licence_usage_counters_above_zero_are_quantities_of_their_own_and_unknown_ones_are_left_out() -> None:
    usage = {"endpointMonthlyUsage": 48, "edrMonthlyUsage": 12, "patchManagementMonthlyUsage": 0,
             "someFutureMonthlyUsage": 3, "minimumUsage": {"endpointMonthlyUsage": 10}}
    records, _ = scripted_sync([], usage)
    assert values(records) == {("c1", "licenses:endpoint"): 48, ("c1", "licenses:edr"): 12}


def test_the_fake_serves_100_a_page_at_most_and_says_so_in_its_own_words(served: sandbox.SandboxServer) -> None:
    answer = Raw(served, KIND).get("/v1.0/jsonrpc/network#getEndpointsList", {"perPage": 101})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == -32602 and "between 1 and 100" in answer.json()["error"]["data"]["details"]


def test_a_json_rpc_error_is_said_in_words_without_the_key(caplog) -> None:
    caplog.set_level(logging.DEBUG)
    error = {"code": -32000, "message": "Unauthorized", "data": {"details": "The API key is not valid"}}
    with ScriptedServer() as scripted:
        scripted.answer(LICENSING, 401, {"id": "billrec", "jsonrpc": "2.0", "error": error})
        with GravityZone({"base_url": scripted.url + "/api", "api_key": SECRET}, policy=FAST_POLICY) as connector, \
                pytest.raises(AuthFailed) as caught:
            connector.test()
    assert "Unauthorized: The API key is not valid" in caught.value.message
    assert "the API key was rejected" in caught.value.message
    assert SECRET not in caught.value.message and SECRET not in caplog.text


def test_a_key_without_the_network_api_says_which_apis_to_enable() -> None:
    with ScriptedServer() as scripted:
        forbidden = {"id": "billrec", "jsonrpc": "2.0", "error": {"code": -32000, "message": "Forbidden"}}
        scripted.answer(NETWORK, 403, forbidden)
        with GravityZone({"base_url": scripted.url + "/api", "api_key": SECRET}, policy=FAST_POLICY) as connector, \
                pytest.raises(AuthFailed, match="enable Companies, Licensing and Network"):
            list(connector.sync())


def test_an_error_in_a_200_answer_fails_the_sync_naming_the_method() -> None:
    error = {"code": -32602, "message": "Invalid params", "data": {"details": "Invalid value for perPage."}}
    with ScriptedServer() as scripted:
        scripted.answer(NETWORK, 200, {"id": "billrec", "jsonrpc": "2.0", "error": error})
        with GravityZone({"base_url": scripted.url + "/api", "api_key": SECRET}, policy=FAST_POLICY) as connector, \
                pytest.raises(BadResponse, match="getNetworkInventoryItems failed: Invalid params: Invalid value"):
            list(connector.sync())


def test_a_decommissioned_agent_and_a_detected_endpoint_are_unmanaged_and_never_counted(
        server: sandbox.SandboxServer) -> None:  # noqa: F811
    tagged = {d.hostname for c in server.world.customers for d in c.devices
              if {"decommissioned agent", "unmanaged detected endpoint"} & set(d.tags)}
    assert tagged
    listed = Raw(server, KIND).walk("/v1.0/jsonrpc/network#getEndpointsList", gravityzone.PAGES, 100)
    assert {e["name"] for e in listed if not e["isManaged"]} >= tagged
    assert not tagged & {a.name for a in sync(server) if isinstance(a, Asset)}
