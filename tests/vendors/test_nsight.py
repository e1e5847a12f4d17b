"""N-sight's own quirks: one `/api/` path where `service=` names the call and the key rides in the query,
XML answers (CDATA, a declared ISO-8859-1 prolog, one item still a list, `<items/>`), errors as HTTP 200
with `status="FAIL"` (error 3: the key refused), the clients → sites → servers and workstations walk,
phones only as a count, last seen from the 24/7 and daily checks rather than `online`, host names cut
from device names, and the key in no log line or error, whatever the fault."""

from __future__ import annotations

import logging
from dataclasses import replace
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

import pytest

import sandbox
from connectors.errors import AuthFailed, BadResponse, ConnectorError
from connectors.nsight import REGIONS, NSight
from connectors.records import Account, Asset, Record
from sandbox.truth.model import DeviceClass
from sandbox.vendors import nsight
from tests.conftest import FAST_POLICY
from tests.sandbox.conftest import server  # noqa: F401  (the 60-client world, where every fleet trap is planted)
from tests.sandbox.raw import HTTP, Raw
from tests.scripted import Seen, ScriptedServer
from tests.vendors.summed import values

KIND = "nsight"
VENDOR = sandbox.VENDORS[KIND]
KEY = "scripted-nsight-key-5Tg8Hj2Kl"
Rows = Mapping[str, list[str]]  # service (or service:scope) → its <items> children, written here


def sync(server: sandbox.SandboxServer) -> list[Record]:
    with NSight(server.settings(KIND), policy=FAST_POLICY) as connector:
        return list(connector.sync())


def document(items: list[str] | None = None, *, status: str = "OK", error: tuple[str, str] | None = None,
             prolog: str = '<?xml version="1.0" encoding="utf-8"?>') -> str:
    """An answer in N-sight's documented shape."""
    body = "" if items is None else ("<items>" + "".join(items) + "</items>" if items else "<items/>")
    if error:
        body += f"<error><errorcode>{error[0]}</errorcode><message><![CDATA[{error[1]}]]></message></error>"
    return f'{prolog}<result created="2026-12-01T10:11:12+00:00" host="www.systemmonitor.co.uk" status="{status}">' \
           f"{body}</result>"


def client(client_id: str, name: str = "Acme Corp", mobiles: int = 0) -> str:
    return (f"<client><name><![CDATA[{name}]]></name><clientid>{client_id}</clientid>"
            f"<mobile_device_count>{mobiles}</mobile_device_count></client>")


def site(site_id: str, name: str = "Head Office") -> str:
    return f"<site><siteid>{site_id}</siteid><name><![CDATA[{name}]]></name><connection_ok>1</connection_ok></site>"


def device(tag: str, device_id: str, name: str, **fields: str) -> str:
    extra = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
    return f"<{tag}><{tag}id>{device_id}</{tag}id><name><![CDATA[{name}]]></name>{extra}</{tag}>"


def scripted(answers: Callable[[Seen], str | bytes], *, key: str = KEY) -> tuple[list[Record], list[Seen]]:
    """A sync against answers written here, one function for the one path every call shares."""
    def answer(seen: Seen) -> tuple[int, dict[str, str], bytes]:
        body = answers(seen)
        return 200, {}, body if isinstance(body, bytes) else body.encode()

    with ScriptedServer() as vendor:
        vendor.answer_with("/api/", answer)
        with NSight({"base_url": vendor.url, "api_key": key}, policy=FAST_POLICY) as connector:
            records = list(connector.sync())
        return records, vendor.requests


def by_service(rows: Rows) -> Callable[[Seen], str]:
    """Answers keyed by service, or by `service:clientid` / `service:siteid` for the per-scope calls."""
    def answer(seen: Seen) -> str:
        service = seen.query["service"]
        scope = seen.query.get("clientid") or seen.query.get("siteid")
        return document(rows.get(f"{service}:{scope}", rows.get(service, [])))
    return answer


def assets(records: list[Record]) -> list[Asset]:
    return [r for r in records if isinstance(r, Asset)]


# -- the walk, the key and the region -------------------------------------------------------------

def test_the_key_rides_in_the_query_and_service_names_each_call_of_the_walk() -> None:
    records, seen = scripted(by_service({
        "list_clients": [client("11"), client("12", "Birch LLP")],
        "list_sites:11": [site("101"), site("102", "Branch")], "list_sites:12": [],
        "list_servers:101": [device("server", "8001", "ACME-DC01")],
        "list_workstations:102": [device("workstation", "9001", "FRONTDESK-01")],
    }))
    assert [(s.query["service"], s.query.get("clientid") or s.query.get("siteid")) for s in seen] == [
        ("list_clients", None), ("list_sites", "11"), ("list_servers", "101"), ("list_workstations", "101"),
        ("list_servers", "102"), ("list_workstations", "102"), ("list_sites", "12")]
    assert all(s.method == "GET" and s.path == "/api/" and s.query["apikey"] == KEY for s in seen)
    assert all("authorization" not in {h.lower() for h in s.headers} for s in seen)
    assert [r for r in records if isinstance(r, Account)] == [Account("11", "Acme Corp"), Account("12", "Birch LLP")]
    # a client's two sites count once, for the client
    assert values(records) == {("11", "devices:server"): 1, ("11", "devices:workstation"): 1}


def test_the_connect_form_offers_every_regional_server_and_defaults_to_the_americas() -> None:
    region = next(f for f in NSight.fields if f.name == "base_url")
    assert region.default == "https://www.am.remote.management" and len(REGIONS) == 11
    assert ("https://wwwgermany1.systemmonitor.eu.com", "Germany") in region.choices
    assert all(value.startswith("https://") and not value.endswith("/api") for value, _ in region.choices)
    assert [f.name for f in NSight.fields if f.secret] == ["api_key"]


# -- XML as N-sight writes it -------------------------------------------------------------------

def test_cdata_an_iso_8859_1_prolog_one_item_and_empty_items_all_read() -> None:
    latin = '<?xml version="1.0" encoding="ISO-8859-1"?>'

    def answer(seen: Seen) -> bytes | str:
        service = seen.query["service"]
        if service == "list_clients":
            return document([client("7", "Café Müller & Söhne")], prolog=latin).encode("iso-8859-1")
        if service == "list_sites":
            return document([site("70")])
        return document([device("workstation", "9100", "KASSE-01")] if service == "list_workstations" else [])

    records, _ = scripted(answer)
    assert [r.name for r in records if isinstance(r, Account)] == ["Café Müller & Söhne"]
    assert [(a.id, a.name, a.metric) for a in assets(records)] == [("9100", "KASSE-01", "devices:workstation")]


def test_a_document_declaring_entities_fails_the_sync_in_words_and_expands_nothing() -> None:
    laughs = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
              '<result status="OK"><items><client><name>&b;</name><clientid>1</clientid></client></items></result>')
    with pytest.raises(BadResponse) as caught:
        scripted(lambda seen: laughs)
    assert "declares entities or external references, which are never read" in caught.value.message
    assert "aaaa" not in caught.value.message


def test_a_device_without_its_id_is_refused_not_guessed() -> None:
    with pytest.raises(BadResponse, match="a record from N-sight has no 'serverid'"):
        scripted(by_service({"list_clients": [client("1")], "list_sites": [site("10")],
                             "list_servers": ["<server><name>NO-ID</name></server>"]}))


# -- N-sight's errors: HTTP 200, status="FAIL" ----------------------------------------------------

def test_error_3_is_a_refused_key_in_words_without_the_key() -> None:
    refused = document(status="FAIL", error=("3", "Login failed or invalid API key"))
    with pytest.raises(AuthFailed) as caught:
        scripted(lambda seen: refused)
    message = caught.value.message
    assert message.startswith("N-sight: list_clients answered error 3 (Login failed or invalid API key)")
    assert "refused the credentials; check the API key and its region" in message and KEY not in message


@pytest.mark.parametrize(("code", "words"), [("4", "a parameter is missing or invalid"), ("17", "error 17")])
def test_other_error_codes_fail_the_sync_with_n_sights_own_message(code: str, words: str) -> None:
    failed = document(status="FAIL", error=(code, f"Something about siteid for key {KEY}"))
    with pytest.raises(BadResponse) as caught:
        scripted(lambda seen: failed)
    assert words in caught.value.message and "Something about siteid" in caught.value.message
    assert KEY not in caught.value.message


def test_the_fake_refuses_a_wrong_key_as_n_sight_does(served: sandbox.SandboxServer) -> None:
    url = served.base_url(KIND) + "/api/"
    answer = HTTP.get(url, params={"apikey": "not-the-key", "service": "list_clients"})
    assert answer.status_code == 200 and "<errorcode>3</errorcode>" in answer.text and 'status="FAIL"' in answer.text
    missing = Raw(served, KIND).get("/api/", {"service": "list_sites"})
    assert missing.status_code == 200 and "<errorcode>4</errorcode>" in missing.text
    with NSight(served.settings(KIND) | {"api_key": "not-the-key"}, policy=FAST_POLICY) as connector, \
            pytest.raises(AuthFailed, match="Login failed or invalid API key"):
        connector.test()


@pytest.mark.parametrize("fault", ["auth", "server_error", "rate_limit", "bad_json", "wrong_shape", "timeout"])
def test_the_key_is_in_no_log_line_and_no_error_whatever_the_fault(fresh_server: sandbox.SandboxServer, fault: str,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # httpx logs every URL it requests, query string and all, at INFO
    key = fresh_server.settings(KIND)["api_key"]
    fresh_server.faults.inject(KIND, fault, times=-1, seconds=0.5 if fault == "timeout" else None)
    policy = replace(FAST_POLICY, timeout=0.2) if fault == "timeout" else FAST_POLICY
    with NSight(fresh_server.settings(KIND), policy=policy) as connector, pytest.raises(ConnectorError) as caught:
        list(connector.sync())
    assert caught.value.message.startswith("N-sight: ")
    assert caplog.records and key not in caplog.text and "apikey=" not in caplog.text
    assert key not in caught.value.message and key not in str(caught.value)


# -- what counts, as the fake renders the truth ----------------------------------------------------

def test_servers_and_workstations_are_assets_and_phones_only_a_count(server: sandbox.SandboxServer) -> None:
    records = sync(server)
    world, owners = server.world, VENDOR.accounts(server.world)
    expected_mobiles = {i: sum(1 for d in c.held_by(a) if d.rmm == "approved" and d.cls == DeviceClass.MOBILE)
                        for i, (c, a) in owners.items()}
    summed = values(records)
    assert {i: summed.get((i, "devices:mobile"), 0) for i in owners} == expected_mobiles
    assert sum(expected_mobiles.values()) > 0
    assert {a.metric for a in assets(records)} == {"devices:server", "devices:workstation"}
    # a device waiting for approval elsewhere is not in N-sight yet; network devices are no agents
    pending = [d for c in world.customers for d in c.devices if d.rmm == "pending"]
    ids = {a.id for a in assets(records)}
    assert pending and not {str(nsight.device_id(d.number)) for d in pending} & ids
    assert not {str(nsight.device_id(d.number)) for c in world.customers for d in c.devices
                if d.cls == DeviceClass.NETWORK} & ids


def test_last_seen_is_the_latest_check_and_online_is_not_trusted(server: sandbox.SandboxServer) -> None:
    view = VENDOR.view(server.world)
    rows = [row for site_rows in view.workstations.values() for row in site_rows]
    stale_online = [row for row in rows if row["online"] == "1" and
                    datetime.strptime(row["utc_time_247"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
                    < server.world.now - timedelta(days=30)]
    assert stale_online, "every fifth stale device still reads online"
    seen = {a.id: a.last_seen for a in assets(sync(server))}
    for row in stale_online:
        assert seen[row["workstationid"]] == datetime.strptime(row["utc_time_247"], "%Y-%m-%d %H:%M:%S").replace(
            tzinfo=UTC)
        assert seen[row["workstationid"]] < server.world.now - timedelta(days=30)


def test_the_later_check_wins_and_a_device_never_checked_always_counts() -> None:
    records, _ = scripted(by_service({
        "list_clients": [client("1")], "list_sites": [site("10")],
        "list_workstations": [
            device("workstation", "1", "DAILY-LATER", utc_time_247="2026-11-01 08:00:00",
                   dsc_utc_time="2026-11-20 06:02:22"),
            device("workstation", "2", "NEVER", utc_time_247="", dsc_utc_time="0000-00-00 00:00:00"),
        ]}))
    assert {a.name: a.last_seen for a in assets(records)} == {
        "DAILY-LATER": datetime(2026, 11, 20, 6, 2, 22, tzinfo=UTC), "NEVER": None}


def test_device_names_are_cut_to_the_host_name() -> None:
    records, _ = scripted(by_service({
        "list_clients": [client("1")], "list_sites": [site("10")],
        "list_servers": [device("server", "5", "ACME-DC01.acme.local")],
        "list_workstations": [device("workstation", "6", "ACME\\FRONTDESK-01 "), device("workstation", "7", "")],
    }))
    assert sorted(a.name for a in assets(records)) == ["7", "ACME-DC01", "FRONTDESK-01"]


def test_a_client_with_several_sites_reports_them_under_one_account(server: sandbox.SandboxServer) -> None:
    view, owners = VENDOR.view(server.world), VENDOR.accounts(server.world)
    several = [i for i, (_, account) in owners.items() if "sites of one customer" in account.tags]
    assert several and all(len(view.sites[i]) > 1 for i in several)
    summed = values(sync(server))
    for client_id in several:
        customer, account = owners[client_id]
        machines = [d for d in customer.held_by(account) if d.rmm == "approved" and d.cls in nsight.WORKSTATIONS]
        assert summed[client_id, "devices:workstation"] == len(machines)
