"""Webroot's own quirks: the password grant (the API client by Basic, the console user in the form) with
single-use refresh tokens, the GSM keycode in every path, endpoints paged by `pageNr` and counted by the
body's `PageSize`, deactivated sites and endpoints never counted, seats only where a cap is set, host names
cut to the host, ASP.NET's `{"Message": …}` in words, and how it shows the truth's traps (a decommissioned
agent, a reinstall's old agent, an endpoint seen on the network without an agent)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl

import pytest

import sandbox
from connectors.errors import AuthFailed, BadResponse
from connectors.records import Account, Asset, Record
from connectors.webroot import Webroot
from sandbox.truth.model import DECOMMISSIONED, DETECTED
from sandbox.vendors import webroot
from tests.conftest import FAST_POLICY
from tests.sandbox.conftest import server  # noqa: F401  (the 60-client world, where every fleet trap is planted)
from tests.sandbox.raw import Raw, token
from tests.scripted import Seen, ScriptedServer
from tests.vendors.summed import values

KIND = "webroot"
VENDOR = sandbox.VENDORS[KIND]
GSM_KEY = "ABCD-EFGH-IJKL-MNOP-QRST"
SITES = f"/service/api/console/gsm/{GSM_KEY}/sites"
SECRETS = {"client_secret": "Scripted-Client-Secret-5566", "password": "Scripted-Console-Password-7788"}


def settings(url: str, **changes: str) -> dict[str, str]:
    return {"base_url": url, "client_id": "client_scripted", "username": "ops@msp.example", "gsm_key": GSM_KEY,
            **SECRETS, **changes}


def sync(server: sandbox.SandboxServer) -> list[Record]:
    with Webroot(server.settings(KIND), policy=FAST_POLICY) as connector:
        return list(connector.sync())


def site(site_id: str, name: str = "Acme Corp", **fields: Any) -> dict[str, Any]:
    return {"SiteId": site_id, "SiteName": name, "SiteType": "R", "AccountKeyCode": "SA11-AAAA-BBBB-CCCC-DDDD",
            "TotalEndpoints": 0, "DevicesAllowed": 50, "Deactivated": False, "Suspended": False, **fields}


def endpoint(endpoint_id: str, name: str = "FRONTDESK-01", **fields: Any) -> dict[str, Any]:
    return {"EndpointId": endpoint_id, "HostName": name, "MachineId": "A1B2C3D4", "GroupName": "Default Group",
            "LastSeen": "2026-11-30T08:00:00Z", "Deactivated": False, **fields}


def issued(seen: Seen) -> tuple[int, dict[str, str], Any]:
    return 200, {}, {"access_token": "scripted-access", "token_type": "Bearer", "expires_in": 299,
                     "refresh_token": "scripted-refresh", "scope": "Console.GSM"}


def scripted_sync(sites: list[dict[str, Any]], pages: dict[str, list[dict[str, Any]]],
                  page_size: int | None = None) -> tuple[list[Record], list[Seen]]:
    """A sync against answers written here in Webroot's documented shapes; `pages` by site id, each served as
    one page or, with `page_size`, as pages of that size whatever the connector asks for."""
    def listed(records: list[dict[str, Any]]):
        def answer(seen: Seen) -> tuple[int, dict[str, str], Any]:
            size = page_size or int(seen.query["pageSize"])
            number = int(seen.query["pageNr"])
            body = {"TotalAvailable": len(records), "Endpoints": records[(number - 1) * size:number * size]}
            return 200, {}, body | ({"PageNr": number, "PageSize": size} if page_size else {})
        return answer

    with ScriptedServer() as scripted:
        scripted.answer_with("/auth/token", issued)
        scripted.answer(SITES, 200, {"TotalCount": len(sites), "Sites": sites})
        for site_id, records in pages.items():
            scripted.answer_with(f"{SITES}/{site_id}/endpoints", listed(records))
        with Webroot(settings(scripted.url), policy=FAST_POLICY) as connector:
            return list(connector.sync()), scripted.requests


# -- auth: the password grant and its single-use refresh tokens ------------------------------------------

def test_the_api_client_signs_in_by_basic_and_the_console_user_in_the_form() -> None:
    records, requests = scripted_sync([site("s1")], {"s1": []})
    grant = requests[0]
    assert grant.path == "/auth/token" and grant.method == "POST"
    assert grant.headers["Authorization"].startswith("Basic ")
    assert dict(parse_qsl(grant.body.decode())) == {"grant_type": "password", "username": "ops@msp.example",
                                                    "password": SECRETS["password"], "scope": "Console.GSM"}
    assert all(r.headers["Authorization"] == "Bearer scripted-access" for r in requests[1:])


def test_a_wrong_console_password_is_said_in_webroots_words_without_the_password(served, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    with Webroot(served.settings(KIND) | {"password": "Wrong-Password-123456"}, policy=FAST_POLICY) as connector, \
            pytest.raises(AuthFailed) as refused:
        connector.test()
    assert "answered 400 (The user name or password is incorrect." in refused.value.message
    assert "Wrong-Password-123456" not in refused.value.message and "Wrong-Password-123456" not in caplog.text


def test_an_expired_access_token_is_renewed_by_the_refresh_token_which_works_only_once(
        fresh_server: sandbox.SandboxServer) -> None:
    issuer, before = fresh_server.tokens[KIND], webroot.GRANT.refreshes
    with Webroot(fresh_server.settings(KIND), policy=FAST_POLICY) as connector:
        connector.test()
        issuer.advance(issuer.lifetime + 1)
        assert [r for r in connector.sync() if isinstance(r, Account)]
    assert webroot.GRANT.refreshes == before + 1  # renewed by refresh, not by a second password grant
    spent = next(t for t, good in webroot.GRANT._refresh.items() if not good)
    again = token(fresh_server, KIND, grant_type="refresh_token", refresh_token=spent, username=None, password=None)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


def test_a_refused_refresh_token_falls_back_to_the_password_grant(fresh_server: sandbox.SandboxServer) -> None:
    issuer = fresh_server.tokens[KIND]
    with Webroot(fresh_server.settings(KIND), policy=FAST_POLICY) as connector:
        connector.test()
        for held in list(webroot.GRANT._refresh):
            webroot.GRANT._refresh[held] = False  # the console revoked every refresh token
        revoked = webroot.GRANT.refreshes
        issuer.advance(issuer.lifetime + 1)
        connector.test()
    asked = [c for c in fresh_server.requests.of(KIND) if c.path.endswith("/auth/token")]
    assert len(asked) == 3  # the first password grant, the refused refresh, a new password grant
    assert webroot.GRANT.refreshes == revoked  # no refresh was taken: the new token came from the password


# -- paths, paging and errors ------------------------------------------------------------------------------

def test_every_path_carries_the_gsm_keycode_and_endpoints_are_asked_active_1000_a_page() -> None:
    _, requests = scripted_sync([site("s1")], {"s1": [endpoint("e1")]})
    listed = [r for r in requests if r.path.endswith("/endpoints")]
    assert [r.path for r in requests[1:]] == [SITES, f"{SITES}/s1/endpoints"]
    assert listed[0].query | {} == {"type": "active", "order": "hostname", "orderDirection": "A",
                                    "pageNr": "1", "pageSize": "1000"}


def test_a_console_serving_fewer_a_page_than_asked_is_read_to_the_end_by_the_page_size_it_says() -> None:
    many = [endpoint(f"e{n}", f"WS-{n:02d}") for n in range(7)]
    records, requests = scripted_sync([site("s1")], {"s1": many}, page_size=3)
    assert [r.query["pageNr"] for r in requests if r.path.endswith("/endpoints")] == ["1", "2", "3"]
    assert values(records)["s1", "endpoints:secureanywhere"] == 7


def test_an_unknown_gsm_keycode_is_webroots_404_in_its_words(served: sandbox.SandboxServer) -> None:
    with Webroot(served.settings(KIND) | {"gsm_key": "NOPE-NOPE-NOPE-NOPE-NOPE"}, policy=FAST_POLICY) as connector, \
            pytest.raises(BadResponse) as missing:
        connector.test()
    assert "sites answered 404 (No HTTP resource was found that matches the request URI" in missing.value.message


def test_a_page_size_webroot_refuses_is_its_message(served: sandbox.SandboxServer) -> None:
    first = VENDOR.view(served.world).sites[0]["SiteId"]
    refused = Raw(served, KIND).get(f"{webroot.GSM}/sites/{first}/endpoints", {"pageSize": 1001})
    assert (refused.status_code, refused.json()) == (400, {"Message": "pageSize must be between 1 and 1000"})


# -- counting -------------------------------------------------------------------------------------------

def test_deactivated_sites_and_endpoints_never_count_and_seats_only_where_a_cap_is_set() -> None:
    sites = [site("s1", DevicesAllowed=25), site("s2", "Bluebird", DevicesAllowed=0),
             site("s3", "Gone Ltd", Deactivated=True)]
    records, requests = scripted_sync(sites, {"s1": [endpoint("e1"), endpoint("e2", "OLD-PC", Deactivated=True)],
                                              "s2": [endpoint("e3", "BB-01")]})
    assert {r.id: r.name for r in records if isinstance(r, Account)} == {"s1": "Acme Corp", "s2": "Bluebird"}
    assert values(records) == {("s1", "licenses:secureanywhere"): 25, ("s1", "endpoints:secureanywhere"): 1,
                               ("s2", "endpoints:secureanywhere"): 1}
    assert not [r for r in requests if "/s3/" in r.path]  # a deactivated site's endpoints are never read


def test_every_endpoint_is_an_asset_named_by_its_host_name_and_last_seen_when_it_last_reported() -> None:
    records, _ = scripted_sync([site("s1")], {"s1": [
        endpoint("e1", "FRONTDESK-01.acme.local", LastSeen="2026-11-30T08:00:00"),
        endpoint(None, "ACME\\DC01", MachineId="E5F6A7B8"),
        endpoint(None, "LAPTOP-07", MachineId=None, LastSeen=None)]})
    assets = {a.id: a for a in records if isinstance(a, Asset)}
    assert {i: a.name for i, a in assets.items()} == {"e1": "FRONTDESK-01", "E5F6A7B8": "DC01",
                                                      "LAPTOP-07": "LAPTOP-07"}
    assert assets["e1"].last_seen.isoformat() == "2026-11-30T08:00:00+00:00"  # a time without a zone is UTC
    assert assets["LAPTOP-07"].last_seen is None  # says nothing of activity: always counted


def test_a_sites_agent_keycode_is_never_kept(served: sandbox.SandboxServer, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    keycodes = [s["AccountKeyCode"] for s in VENDOR.view(served.world).sites]
    assert all(keycodes)
    kept = repr(sync(served))
    assert not any(code in kept or code in caplog.text for code in keycodes)


# -- the truth's traps, as Webroot shows them ------------------------------------------------------------

def test_a_decommissioned_agent_is_a_deactivated_endpoint_and_never_counted(server: sandbox.SandboxServer) -> None:
    retired = [(c, d) for c in server.world.customers for d in c.devices if "decommissioned agent" in d.tags]
    assert retired and all(d.security[0].state == DECOMMISSIONED for _, d in retired)
    server.set_rate_limit(KIND, 10_000, 10_000)  # this module's own server: raw walks do not retry a 429
    raw, view = Raw(server, KIND), VENDOR.view(server.world)
    deactivated = {e["HostName"] for site in view.sites for e in raw.walk(
        f"{webroot.GSM}/sites/{site['SiteId']}/endpoints", webroot.ENDPOINT_PAGES, 1000, type="deactivated")}
    assert deactivated == {d.hostname for _, d in retired}
    assert not {r.name for r in sync(server) if isinstance(r, Asset)} & deactivated


def test_an_endpoint_seen_on_the_network_without_an_agent_is_no_endpoint(server: sandbox.SandboxServer) -> None:
    detected = {d.hostname for c in server.world.customers for d in c.devices
                if any(a.state == DETECTED for a in d.security)}
    unprotected = {d.hostname for c in server.world.customers for d in c.devices
                   if "server without security agent" in d.tags}
    assert detected and unprotected
    server.set_rate_limit(KIND, 10_000, 10_000)  # this module's own server: raw walks do not retry a 429
    raw, owners = Raw(server, KIND), VENDOR.accounts(server.world)
    holding = [site_id for site_id, (customer, _) in owners.items()
               if {d.hostname for d in customer.devices} & (detected | unprotected)]
    names = {e["HostName"] for site_id in holding for kind in ("active", "deactivated") for e in raw.walk(
        f"{webroot.GSM}/sites/{site_id}/endpoints", webroot.ENDPOINT_PAGES, 1000, type=kind)}
    assert names and not names & (detected | unprotected)
