"""Datto's own quirks: Basic with the public key as user name, the device list paged from 1 in a
`pagination` envelope, per-appliance agents and per-customer seats as bare arrays, storage as a
size and a unit, organisations that may lack an id, its `{"code", "message"}` errors, and how it
shows the truth's traps (a child reseller's appliances, an archived old copy of a migrated server)."""

from __future__ import annotations

import base64
import math
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

import sandbox
from connectors.datto import Datto, protected_seat
from connectors.errors import AuthFailed, BadResponse, VendorUnavailable
from connectors.records import Account, Asset, Record
from sandbox.vendors import datto
from tests.conftest import FAST_POLICY
from tests.sandbox.conftest import server  # noqa: F401  (the 60-client world, where a server is protected twice)
from tests.sandbox.raw import HTTP, Raw
from tests.vendors.summed import values
from tests.scripted import ScriptedServer

KIND = "datto"
VENDOR = sandbox.VENDORS[KIND]


def view(server: sandbox.SandboxServer) -> datto.View:
    return VENDOR.view(server.world)


def sync(server: sandbox.SandboxServer) -> list[Record]:
    with Datto(server.settings(KIND), policy=FAST_POLICY) as connector:
        return list(connector.sync())


def page(items: list[dict[str, Any]], number: int = 1, pages: int = 1) -> dict[str, Any]:
    return {"pagination": {"page": number, "perPage": 100, "totalPages": pages, "count": len(items)}, "items": items}


def scripted_sync(devices: list[dict[str, Any]], agents: dict[str, list[dict[str, Any]]] | None = None,
                  domains: list[dict[str, Any]] | None = None,
                  seats: dict[int, list[dict[str, Any]]] | None = None) -> list[Record]:
    """A sync against answers written here, in Datto's documented shapes."""
    with ScriptedServer() as scripted:
        scripted.answer("/v1/bcdr/device", 200, page(devices))
        for record in devices:
            serial = record["serialNumber"]
            scripted.answer(f"/v1/bcdr/device/{serial}/asset/agent", 200, (agents or {}).get(serial, []))
        scripted.answer("/v1/saas/domains", 200, domains or [])
        for customer, listed in (seats or {}).items():
            scripted.answer(f"/v1/saas/{customer}/seats", 200, listed)
        with Datto({"base_url": scripted.url + "/v1", "public_key": "pub", "secret_key": "sec"},
                   policy=FAST_POLICY) as connector:
            return list(connector.sync())


def device(serial: str, org: int | None = 501, name: str | None = "Acme Corp", **fields: Any) -> dict[str, Any]:
    record = {"serialNumber": serial, "name": f"{serial.lower()}-siris", "model": "S4P2", "hidden": False, **fields}
    if org is not None:
        record["organizationId"] = org
    if name is not None:
        record["organizationName"] = name
    return record


# -- auth and errors ------------------------------------------------------------------------------

def test_the_public_key_is_the_user_name_and_the_secret_key_the_password(served: sandbox.SandboxServer) -> None:
    url = served.base_url(KIND) + "/bcdr/device"

    def basic(user: str, password: str) -> dict[str, str]:
        return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}

    assert HTTP.get(url, headers=basic(datto.PUBLIC_KEY, datto.SECRET_KEY)).status_code == 200
    swapped = HTTP.get(url, headers=basic(datto.SECRET_KEY, datto.PUBLIC_KEY))
    assert (swapped.status_code, swapped.json()) == (401, {"code": 401, "message": "Unauthorized"})


def test_a_refused_key_pair_is_said_in_datto_words_and_a_gateway_page_is_never_quoted() -> None:
    settings = {"public_key": "pub", "secret_key": "Very-Secret-Key-123"}
    with ScriptedServer() as scripted:
        scripted.answer("/v1/bcdr/device", 401, {"code": 401, "message": "Unauthorized"})
        with Datto({"base_url": scripted.url + "/v1", **settings}, policy=FAST_POLICY) as connector, \
                pytest.raises(AuthFailed) as refused:
            connector.test()
    assert "answered 401 (Unauthorized: the public and secret key pair was rejected)" in refused.value.message
    with ScriptedServer() as scripted:
        scripted.answer("/v1/bcdr/device", 504, raw=b"<html><body><h1>504 Gateway Time-out</h1></body></html>")
        with Datto({"base_url": scripted.url + "/v1", **settings}, policy=FAST_POLICY) as connector, \
                pytest.raises(VendorUnavailable) as slow:
            list(connector.sync())
    assert "answered 504 (Datto timed out answering a BCDR call)" in slow.value.message
    assert "<html" not in slow.value.message and "Very-Secret-Key-123" not in slow.value.message


def test_an_unknown_serial_or_customer_is_a_404_in_datto_shape(served: sandbox.SandboxServer) -> None:
    raw = Raw(served, KIND)
    for path, what in (("/bcdr/device/000000000000/asset/agent", "Device"), ("/bcdr/device/000000000000", "Device"),
                       ("/saas/1/seats", "Customer")):
        answer = raw.get(path)
        assert (answer.status_code, answer.json()) == (404, {"code": 404, "message": f"{what} not found"}), path


# -- paging ---------------------------------------------------------------------------------------

def test_the_device_list_pages_from_one_in_a_pagination_envelope(served: sandbox.SandboxServer) -> None:
    raw, devices = Raw(served, KIND), view(served).devices
    body = raw.get("/bcdr/device", {"_page": 2, "_perPage": 5}).json()
    assert body["pagination"] == {"page": 2, "perPage": 5, "totalPages": math.ceil(len(devices) / 5),
                                  "count": len(devices)}
    assert body["items"] == devices[5:10]
    assert raw.get("/bcdr/device").json()["pagination"]["perPage"] == 100
    assert isinstance(raw.get("/saas/domains").json(), list)


def test_the_connector_reads_as_many_device_pages_as_the_pagination_counts_and_asks_for_every_device() -> None:
    with ScriptedServer() as scripted:
        scripted.answer_with("/v1/bcdr/device", lambda seen: (200, {}, page(
            [device(f"SER{seen.query['_page']}")], int(seen.query["_page"]), pages=3)))
        for n in (1, 2, 3):
            scripted.answer(f"/v1/bcdr/device/SER{n}/asset/agent", 200, [{"name": f"PC{n}", "os": "Windows 11 Pro"}])
        scripted.answer("/v1/saas/domains", 200, [])
        with Datto({"base_url": scripted.url + "/v1", "public_key": "pub", "secret_key": "sec"},
                   policy=FAST_POLICY) as connector:
            records = list(connector.sync())
        listed = [r.query for r in scripted.requests if r.path == "/v1/bcdr/device"]
    # three pages and no fourth; hidden and child-reseller appliances asked for on every one
    assert [q["_page"] for q in listed] == ["1", "2", "3"]
    assert all(q["_perPage"] == "100" and q["showHiddenDevices"] == "1" and q["showChildResellerDevices"] == "1"
               for q in listed)
    assert values(records) == {("501", "protected:workstation"): Decimal(3)}


# -- readings -------------------------------------------------------------------------------------

def test_an_agents_os_makes_it_a_server_or_a_workstation_and_archived_agents_never_count() -> None:
    records = scripted_sync([device("A1")], agents={"A1": [
        {"name": "DC01", "os": "Windows Server 2022 Standard"},
        {"name": "FILES", "os": "Ubuntu Server 22.04 LTS", "isPaused": True},  # paused: still protected
        {"name": "FRONTDESK", "os": "Windows 11 Pro"},
        {"name": "NEWMAC"},  # no OS reported yet: a workstation, as the doc's "else" says
        {"name": "OLD-DC", "os": "Windows Server 2016 Standard", "isArchived": True},
    ]})
    assert values(records) == {("501", "protected:server"): Decimal(2), ("501", "protected:workstation"): Decimal(2)}
    agents = sorted(r.name for r in records if isinstance(r, Asset) and r.metric.startswith("protected:"))
    assert agents == ["DC01", "FILES", "FRONTDESK", "NEWMAC"]


@pytest.mark.parametrize(("used", "expected"), [
    ({"size": 1.2, "units": "TB"}, Decimal("1200000000000")),
    ({"size": 420, "units": "GB"}, Decimal("420000000000")),
    ({"size": 2, "units": "GiB"}, Decimal(2 * 2**30)),
    ({"size": 512, "units": "mb"}, Decimal("512000000")),
])
def test_storage_is_local_storage_used_in_bytes_decimal_unless_the_unit_is_binary(used, expected) -> None:
    records = scripted_sync([device("A1", localStorageUsed=used, offsiteStorageUsed={"size": 9, "units": "TB"}),
                             device("A2")])  # A2 reports no storage: no reading, not a zero
    assert values(records) == {("501", "storage:bytes"): expected}


def test_storage_in_a_unit_datto_does_not_document_fails_the_sync_by_name() -> None:
    with pytest.raises(BadResponse, match="Datto sent storage in a unit it does not document: 'furlongs'"):
        scripted_sync([device("A1", localStorageUsed={"size": 3, "units": "furlongs"})])


@pytest.mark.parametrize(("seat", "counts"), [
    ({"seatState": "Active", "billable": 1}, True),
    ({"seatState": "Active", "billable": 0, "seatType": "SharedMailbox"}, True),  # Datto bills none; still protected
    ({"seatState": "Paused", "billable": 1}, True),
    ({"seatState": "Unprotected", "billable": 0}, False),
    ({"billable": 1}, True),  # no state: the billable flag says
    ({"billable": 0}, False),
])
def test_a_seat_counts_when_it_is_protected(seat, counts) -> None:
    assert protected_seat(seat) is counts


def test_seats_are_counted_per_seat_type_and_an_unknown_type_is_other() -> None:
    seats = [{"mainId": str(n), "name": f"seat{n}", "seatType": kind, "seatState": "Active", "billable": 1}
             for n, kind in enumerate(("User", "User", "SharedMailbox", "TeamSite", "Team", "Site", "SharedDrive"))]
    records = scripted_sync([], domains=[{"saasCustomerId": 12345, "saasCustomerName": "Acme Corp",
                                          "organizationName": "Acme Corp", "organizationId": 501}],
                            seats={12345: seats})
    assert values(records) == {("501", metric): Decimal(n) for metric, n in (
        ("seats:user", 2), ("seats:shared_mailbox", 1), ("seats:team_site", 1), ("seats:team", 1),
        ("seats:site", 1), ("seats:other", 1))}


def test_an_organisation_is_one_account_across_bcdr_and_saas_by_id_or_else_by_name() -> None:
    records = scripted_sync(
        [device("A1", org=501, name="Acme Corp"), device("B1", org=None, name="Bluebird Logistics")],
        agents={"A1": [{"name": "DC01", "os": "Windows Server 2022"}], "B1": [{"name": "WS1", "os": "Windows 11"}]},
        domains=[{"saasCustomerId": 1, "saasCustomerName": "Acme (M365)", "organizationId": 501,
                  "organizationName": "Acme Corp"},
                 {"saasCustomerId": 2, "saasCustomerName": "Bluebird", "organizationName": "Bluebird Logistics"},
                 {"saasCustomerId": 3, "saasCustomerName": "Cedar Dental"}],
        seats={n: [{"mainId": f"m{n}", "name": f"u{n}", "seatType": "User", "seatState": "Active"}] for n in (1, 2, 3)})
    assert [(r.id, r.name) for r in records if isinstance(r, Account)] == [
        ("501", "Acme Corp"), ("name:Bluebird Logistics", "Bluebird Logistics"), ("saas:3", "Cedar Dental")]
    assert values(records) == {("501", "protected:server"): 1, ("501", "seats:user"): 1,
                               ("name:Bluebird Logistics", "protected:workstation"): 1,
                               ("name:Bluebird Logistics", "seats:user"): 1, ("saas:3", "seats:user"): 1}


# -- the truth's traps, as Datto shows them --------------------------------------------------------------

def test_a_child_resellers_appliances_are_left_out_only_when_asked_and_count_for_their_client(
        served: sandbox.SandboxServer) -> None:
    org, (customer, account) = next((i, owned) for i, owned in VENDOR.accounts(served.world).items()
                                    if owned[1].folder and any(d.backup for d in owned[0].held_by(owned[1])))
    raw = Raw(served, KIND)
    everything = raw.walk("/bcdr/device", datto.PAGES, 100)
    direct = raw.walk("/bcdr/device", datto.PAGES, 100, showChildResellerDevices=0)
    theirs = [d for d in everything if str(d["organizationId"]) == org]
    assert theirs and not [d for d in direct if str(d["organizationId"]) == org]
    assert len(direct) == len(everything) - len(theirs)
    protected = Counter(VENDOR.metric(f"protected:{a.kind}") for d in customer.held_by(account) for a in d.backup
                        if not a.previous)
    assert {m: n for (o, m), n in values(sync(served)).items() if o == org and m.startswith("protected:")} == protected


def test_the_old_copy_of_a_server_protected_twice_is_an_archived_agent_counted_once(
        server: sandbox.SandboxServer) -> None:  # noqa: F811
    twice = next(d for c in server.world.customers for d in c.devices if "device protected twice" in d.tags)
    listed = [a for agents in view(server).agents.values() for a in agents if a["name"] == twice.hostname]
    assert sorted(a["isArchived"] for a in listed) == [False, True]
    counted = [r for r in sync(server) if isinstance(r, Asset) and r.name == twice.hostname]
    assert [r.metric for r in counted] == ["protected:server"]


def test_shared_mailboxes_are_protected_but_never_billable_and_leavers_are_unprotected(
        served: sandbox.SandboxServer) -> None:
    shown = view(served)
    seats = [s for listed in shown.seats.values() for s in listed]
    mailboxes = [s for s in seats if s["seatType"] == "SharedMailbox" and s["seatState"] != "Unprotected"]
    assert mailboxes and all(s["billable"] == 0 for s in mailboxes)
    assert all(s["billable"] == 0 for s in seats if s["seatState"] == "Unprotected")
    for org, (customer, _) in VENDOR.accounts(served.world).items():
        domain = next((d for d in shown.domains if str(d["organizationId"]) == org), None)
        protected = [s for s in shown.seats[str(domain["saasCustomerId"])] if s["seatState"] != "Unprotected"] \
            if domain else []
        assert len(protected) == sum(1 for p in customer.people if p.backed_up), customer.canonical


def test_seats_can_be_listed_by_seat_type(served: sandbox.SandboxServer) -> None:
    raw, shown = Raw(served, KIND), view(served)
    customer, seats = next((c, s) for c, s in shown.seats.items() if any(x["seatType"] == "SharedMailbox" for x in s))
    mailboxes = raw.get(f"/saas/{customer}/seats", {"seatType": "SharedMailbox"}).json()
    assert mailboxes == [s for s in seats if s["seatType"] == "SharedMailbox"]


def test_storage_is_split_over_a_clients_appliances_in_tb_or_gb_with_every_byte_kept(
        served: sandbox.SandboxServer) -> None:
    shown = view(served)
    units = {d["localStorageUsed"]["units"] for d in shown.devices if "localStorageUsed" in d}
    assert units == {"TB", "GB"}
    assert any("offsiteStorageUsed" in d for d in shown.devices)
    synced = values(sync(served))
    for org, (customer, _) in VENDOR.accounts(served.world).items():
        if customer.storage:
            assert synced[org, "storage:bytes"] == customer.storage[-1].bytes, customer.canonical
    # every organisation shows up through an appliance or a SaaS customer
    assert set(VENDOR.accounts(served.world)) == {str(r["organizationId"]) for r in shown.devices + shown.domains}
