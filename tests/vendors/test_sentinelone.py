"""SentinelOne's own quirks: the literal `ApiToken` scheme, console URLs, `/sites` answering an object
(`data.sites` beside `data.allSites`), cursor paging up to 1000, agents counted by their site's SKU
tier, licences unless unlimited, decommissioned and uninstalled agents never counted, inactive ones
by their last activity, host names cut from computer names, its `{"errors": [...]}` words, and how it
shows the truth's traps (a decommissioned agent, a reinstall's old agent, an endpoint with no agent)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

import sandbox
from connectors.errors import AuthFailed, BadResponse
from connectors.records import Account, Asset, Record
from connectors.sentinelone import SentinelOne, api_url, tier_of
from sandbox.truth.model import DECOMMISSIONED, DETECTED
from sandbox.vendors import sentinelone
from tests.conftest import FAST_POLICY
from tests.sandbox.conftest import server  # noqa: F401  (the 60-client world, where every fleet trap is planted)
from tests.sandbox.raw import HTTP, Raw
from tests.scripted import Seen, ScriptedServer
from tests.vendors.summed import values

KIND = "sentinelone"
VENDOR = sandbox.VENDORS[KIND]
ROOT = "/web/api/v2.1"
SECRET = "Scripted-S1-Token-0987654321"


def sync(server: sandbox.SandboxServer) -> list[Record]:
    with SentinelOne(server.settings(KIND), policy=FAST_POLICY) as connector:
        return list(connector.sync())


def listed(items: list[Any], cursor: str | None = None) -> dict[str, Any]:
    return {"data": items, "pagination": {"nextCursor": cursor, "totalItems": len(items)}}


def site(site_id: str, name: str = "Acme Corp", sku: str | None = "Control", **fields: Any) -> dict[str, Any]:
    return {"id": site_id, "name": name, "state": "active", "sku": sku, "suite": sku, "totalLicenses": 0,
            "unlimitedLicenses": True, "registrationToken": "site-install-secret-123", **fields}


def agent(agent_id: str, site_id: str, name: str = "FRONTDESK-01", **fields: Any) -> dict[str, Any]:
    return {"id": agent_id, "computerName": name, "siteId": site_id, "machineType": "desktop", "isActive": True,
            "isDecommissioned": False, "isUninstalled": False, "lastActiveDate": "2026-11-30T08:12:00.000000Z",
            **fields}


def scripted_sync(sites: list[dict[str, Any]], *agent_pages: list[dict[str, Any]]) -> tuple[list[Record], list[Seen]]:
    """A sync against answers written here in SentinelOne's documented shapes; agents over as many pages."""
    with ScriptedServer() as scripted:
        scripted.answer(ROOT + "/sites", 200, {"data": {"allSites": {}, "sites": sites},
                                               "pagination": {"nextCursor": None, "totalItems": len(sites)}})
        pages = agent_pages or ([],)
        for n, items in enumerate(pages):
            scripted.answer(ROOT + "/agents", 200, listed(items, f"cursor-{n + 1}" if n + 1 < len(pages) else None))
        with SentinelOne({"base_url": scripted.url + ROOT, "api_token": SECRET}, policy=FAST_POLICY) as connector:
            return list(connector.sync()), scripted.requests


# -- auth, console URLs and errors ----------------------------------------------------------------------

def test_the_token_goes_with_the_word_apitoken_and_a_bearer_token_is_refused(served: sandbox.SandboxServer) -> None:
    url = served.base_url(KIND) + "/sites"
    assert HTTP.get(url, headers={"Authorization": f"ApiToken {sentinelone.TOKEN}"}).status_code == 200
    bearer = HTTP.get(url, headers={"Authorization": f"Bearer {sentinelone.TOKEN}"})
    assert (bearer.status_code, bearer.json()) == (
        401, {"errors": [{"code": 4010010, "title": "Authentication Failed", "detail": None}]})


def test_a_refused_or_expired_token_is_said_in_sentinelones_words_without_the_token(caplog) -> None:
    caplog.set_level(logging.DEBUG)
    with ScriptedServer() as scripted:
        scripted.answer(ROOT + "/sites", 401, {"errors": [{"code": 4010010, "detail": None,
                                                           "title": "Authentication Failed"}]})
        with SentinelOne({"base_url": scripted.url, "api_token": SECRET}, policy=FAST_POLICY) as connector, \
                pytest.raises(AuthFailed) as refused:
            connector.test()
        sent = scripted.requests[0]
    assert sent.path == ROOT + "/sites" and sent.query == {"limit": "1"}
    assert sent.headers["Authorization"] == f"ApiToken {SECRET}"
    assert ("answered 401 (Authentication Failed (code 4010010): the API token was rejected or has expired)"
            in refused.value.message)
    assert SECRET not in refused.value.message and SECRET not in caplog.text


def test_a_refused_parameter_names_sentinelones_own_detail(served: sandbox.SandboxServer) -> None:
    answer = Raw(served, KIND).get("/agents", {"limit": 1001})
    assert answer.status_code == 400
    assert answer.json() == {"errors": [{"code": 4000010, "title": "Validation Error",
                                         "detail": "limit must be between 1 and 1000"}]}
    with ScriptedServer() as scripted:
        scripted.answer(ROOT + "/sites", 400, answer.json())
        with SentinelOne({"base_url": scripted.url, "api_token": SECRET}, policy=FAST_POLICY) as connector, \
                pytest.raises(BadResponse) as refused:
            list(connector.sync())
    assert "(Validation Error: limit must be between 1 and 1000 (code 4000010): SentinelOne refused a parameter)" \
        in refused.value.message


@pytest.mark.parametrize(("given", "used"), [
    ("https://acme.sentinelone.net", "https://acme.sentinelone.net/web/api/v2.1"),
    ("https://acme.sentinelone.net/", "https://acme.sentinelone.net/web/api/v2.1"),
    ("https://acme.sentinelone.net/dashboard?tab=1#/x", "https://acme.sentinelone.net/web/api/v2.1"),
    ("https://usea1-partners.sentinelone.net/web/api/v2.1/", "https://usea1-partners.sentinelone.net/web/api/v2.1"),
])
def test_a_console_url_as_the_browser_shows_it_reaches_the_api(given: str, used: str) -> None:
    assert api_url(given) == used
    assert SentinelOne.clean_settings({"base_url": given, "api_token": "t"})["base_url"] == used


# -- paging ---------------------------------------------------------------------------------------

def test_sites_answer_an_object_with_licence_totals_beside_the_page(served: sandbox.SandboxServer) -> None:
    raw, sites = Raw(served, KIND), VENDOR.view(served.world).sites
    body = raw.get("/sites", {"limit": 3}).json()
    assert set(body["data"]) == {"allSites", "sites"} and len(body["data"]["sites"]) == 3
    assert body["data"]["allSites"]["activeLicenses"] == sum(s["activeLicenses"] for s in sites)
    assert body["pagination"]["totalItems"] == len(sites) and body["pagination"]["nextCursor"]
    counted = raw.get("/agents", {"countOnly": "true", "isDecommissioned": "false"}).json()
    assert counted["data"] == [] and counted["pagination"]["totalItems"] == sum(s["activeLicenses"] for s in sites)


def test_the_connector_asks_for_1000_agents_a_page_and_follows_the_cursor_to_its_end() -> None:
    records, requests = scripted_sync([site("1")], [agent("11", "1", "WS-01")], [agent("12", "1", "WS-02")])
    agents = [r for r in requests if r.path.endswith("/agents")]
    assert [r.query for r in agents] == [
        {"isDecommissioned": "false", "isUninstalled": "false", "limit": "1000"},
        {"isDecommissioned": "false", "isUninstalled": "false", "limit": "1000", "cursor": "cursor-1"}]
    assert values(records) == {("1", "endpoints:control"): 2}


# -- counting ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "tier"), [
    ({"sku": "Core"}, "core"), ({"sku": "Control"}, "control"), ({"sku": "Complete"}, "complete"),
    ({"sku": "Singularity Complete"}, "complete"), ({"sku": None, "suite": "Core"}, "core"),
    ({"sku": None, "suite": None, "licenses": {"bundles": [{"name": "control"}]}}, "control"),
    ({"sku": "Commercial", "suite": None}, "other"), ({}, "other"),
])
def test_a_sites_tier_is_read_from_its_sku_then_its_suite_then_its_bundles(fields: dict[str, Any], tier: str) -> None:
    assert tier_of(fields) == tier


def test_agents_count_under_their_sites_tier_and_licences_only_where_the_site_has_an_allocation() -> None:
    sites = [site("1", "Acme Corp", "Complete", totalLicenses=50, unlimitedLicenses=False),
             site("2", "Bluebird Logistics", "Core"), site("3", "Gone Ltd", state="deleted")]
    records, _ = scripted_sync(sites, [agent("11", "1"), agent("12", "1", "ACME-DC01", machineType="server"),
                                       agent("21", "2", "BLU-WS01"), agent("31", "3", "GONE-WS01"),
                                       agent("41", "4", "NEWSITE-WS01")])
    assert {r.id: r.name for r in records if isinstance(r, Account)} == {"1": "Acme Corp", "2": "Bluebird Logistics"}
    assert values(records) == {("1", "licenses:complete"): 50, ("1", "endpoints:complete"): 2,
                               ("2", "endpoints:core"): 1}


def test_decommissioned_and_uninstalled_agents_never_count_even_where_a_console_ignores_the_filter() -> None:
    records, _ = scripted_sync([site("1")], [agent("11", "1"), agent("12", "1", "OLD-WS", isDecommissioned=True),
                                             agent("13", "1", "GONE-WS", isUninstalled=True)])
    assert values(records) == {("1", "endpoints:control"): 1}
    assert [r.name for r in records if isinstance(r, Asset)] == ["FRONTDESK-01"]


def test_every_agent_is_an_asset_named_by_its_host_name_and_last_seen_when_last_active() -> None:
    records, _ = scripted_sync([site("1")], [
        agent("11", "1", " FRONTDESK-01.acme.local ", isActive=False, lastActiveDate="2026-09-01T10:00:00.000000Z"),
        agent("12", "1", "", lastActiveDate=None, updatedAt="2026-11-02T10:00:00Z"),
        agent("13", "1", "ACME-DC01", lastActiveDate=None)])
    assets = {a.id: a for a in records if isinstance(a, Asset)}
    assert assets["11"].name == "FRONTDESK-01" and assets["11"].last_seen.isoformat() == "2026-09-01T10:00:00+00:00"
    assert assets["12"].name == "12" and assets["12"].last_seen.isoformat() == "2026-11-02T10:00:00+00:00"
    assert assets["13"].last_seen is None  # a console that says nothing of activity: always counted
    assert values(records) == {("1", "endpoints:control"): 3}  # inactive ones too; the check's window decides


def test_a_sites_registration_token_is_never_kept(served: sandbox.SandboxServer, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    tokens = [s["registrationToken"] for s in VENDOR.view(served.world).sites]
    assert all(tokens)
    kept = repr(sync(served))
    assert not any(token in kept or token in caplog.text for token in tokens)


# -- the truth's traps, as SentinelOne shows them -----------------------------------------------------------

def test_a_decommissioned_agent_is_listed_as_such_and_never_counted(server: sandbox.SandboxServer) -> None:
    retired = [d for c in server.world.customers for d in c.devices if "decommissioned agent" in d.tags]
    assert retired and all(d.security[0].state == DECOMMISSIONED for d in retired)
    raw = Raw(server, KIND)
    everything = raw.walk("/agents", sentinelone.AGENT_PAGES, 1000)
    flagged = {a["computerName"] for a in everything if a["isDecommissioned"]}
    assert flagged == {d.hostname for d in retired}
    kept = raw.walk("/agents", sentinelone.AGENT_PAGES, 1000, isDecommissioned="false")
    assert not {a["computerName"] for a in kept} & flagged
    assert not {r.name for r in sync(server) if isinstance(r, Asset)} & flagged


def test_an_endpoint_seen_on_the_network_without_an_agent_is_no_agent(server: sandbox.SandboxServer) -> None:
    detected = {d.hostname for c in server.world.customers for d in c.devices
                if any(a.state == DETECTED for a in d.security)}
    unprotected = {d.hostname for c in server.world.customers for d in c.devices
                   if "server without security agent" in d.tags}
    assert detected and unprotected
    names = {a["computerName"] for a in Raw(server, KIND).walk("/agents", sentinelone.AGENT_PAGES, 1000)}
    assert not names & (detected | unprotected)


def test_agents_can_be_narrowed_by_site_and_machine_type(served: sandbox.SandboxServer) -> None:
    raw, view = Raw(served, KIND), VENDOR.view(served.world)
    first = view.sites[0]["id"]
    servers = raw.walk("/agents", sentinelone.AGENT_PAGES, 1000, siteIds=first, machineTypes="server")
    assert servers and all(a["siteId"] == first and a["machineType"] == "server" for a in servers)
    assert Raw(served, KIND).get("/agents", {"isActive": "maybe"}).status_code == 400
