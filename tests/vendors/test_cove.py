"""N-able Cove Data Protection's own quirks: a `Login` visa chained through every answer (pages too),
a lost visa that logs in again once, `Settings` as one-key objects of strings, devices counted by OS
type, physicality and account type, Microsoft 365 users from `TM`, `StartRecordNumber` paging to a
short page, its error objects at HTTP 200 in words (2100, 13501), and how it shows the truth's traps
(a device protected twice, a customer under a reseller, devices of a customer it does not list)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

import sandbox
from connectors.cove import Cove
from connectors.errors import AuthFailed
from connectors.records import Account, Asset, Record
from sandbox.vendors import cove
from tests.conftest import FAST_POLICY
from tests.sandbox.conftest import server  # noqa: F401  (the 60-client world, where a server is protected twice)
from tests.scripted import ScriptedServer, Seen
from tests.vendors.summed import values

KIND = "cove"
SETTINGS = {"partner": "Contoso MSP (ops@contoso.com)", "username": "api@contoso.com", "password": "Pw-Secret-9876"}
LOGIN = {"jsonrpc": "2.0", "id": "jsonrpc", "visa": "visa-1",
         "result": {"result": {"PartnerId": 123456, "Name": "Contoso MSP (ops@contoso.com)", "Flags": None}}}
ACME = {"Id": 555001, "Name": "Acme Corp", "Level": "EndCustomer"}


def device(account_id: int, partner_id: int, **columns: str) -> dict[str, Any]:
    return {"AccountId": account_id, "PartnerId": partner_id, "Flags": None,
            "Settings": [{code: value} for code, value in columns.items()]}


def answer(result: Any, visa: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": "jsonrpc", "visa": visa, "result": {"result": result}}


def sent(seen: Seen) -> dict[str, Any]:
    return json.loads(seen.body)


def scripted(partners: list[dict[str, Any]], pages: list[list[dict[str, Any]]],
             errors: dict[str, list[dict[str, Any]]] | None = None) -> tuple[ScriptedServer, list[dict[str, Any]]]:
    """A Cove answering from lists written here; each answer's visa is `visa-<n>`, n counting answers."""
    calls: list[dict[str, Any]] = []
    errors = errors or {}

    def reply(seen: Seen) -> tuple[int, dict[str, str], Any]:
        body = sent(seen)
        calls.append(body)
        visa = f"visa-{len(calls)}"
        method = body["method"]
        if errors.get(method):
            return 200, {}, errors[method].pop(0)
        if method == "Login":
            return 200, {}, {**LOGIN, "visa": visa}
        if method == "EnumeratePartners":
            return 200, {}, answer(partners, visa)
        start = body["params"]["query"]["StartRecordNumber"]
        index = start // 500 if body["params"]["query"]["RecordsCount"] == 500 else 0
        return 200, {}, answer(pages[index] if index < len(pages) else [], visa)

    server = ScriptedServer()
    server.answer_with("/jsonapi", reply)
    return server, calls


def run(partners: list[dict[str, Any]], pages: list[list[dict[str, Any]]],
        errors: dict[str, list[dict[str, Any]]] | None = None) -> tuple[list[Record], list[dict[str, Any]]]:
    server, calls = scripted(partners, pages, errors)
    with server, Cove({"base_url": server.url, **SETTINGS}, policy=FAST_POLICY) as connector:
        return list(connector.sync()), calls


# -- the visa --------------------------------------------------------------------------------------

def test_every_call_carries_the_visa_the_last_answer_gave_and_only_login_the_password() -> None:
    page = [device(900000 + n, 555001, I1=f"dev{n:03d}", I8="Acme Corp", OT="1", AT="1") for n in range(500)]
    _, calls = run([ACME], [page, page[:3]])
    assert [c["method"] for c in calls] == ["Login", "EnumeratePartners", "EnumerateAccountStatistics",
                                            "EnumerateAccountStatistics"]
    assert "visa" not in calls[0] and calls[0]["params"]["password"] == SETTINGS["password"]
    assert [c["visa"] for c in calls[1:]] == ["visa-1", "visa-2", "visa-3"]
    assert all(SETTINGS["password"] not in json.dumps(c) for c in calls[1:])
    assert calls[1]["params"]["parentPartnerId"] == 123456 and calls[2]["params"]["query"]["PartnerId"] == 123456


def test_a_visa_refused_mid_sync_logs_in_again_once_and_the_sync_completes() -> None:
    lost = {"jsonrpc": "2.0", "id": "jsonrpc", "error": {"code": -32603, "message": "Visa is inconsistent/corrupted",
                                                        "data": 1701}}
    records, calls = run([ACME], [[device(1, 555001, I1="acme-dc01", OT="2", AT="1")]],
                         {"EnumerateAccountStatistics": [lost]})
    assert [c["method"] for c in calls].count("Login") == 2
    assert values(records)[("555001", "protected:server")] == 1


def test_an_idled_out_visa_in_the_sandbox_is_renewed_by_one_more_login(fresh_server) -> None:
    with Cove(fresh_server.settings(KIND), policy=FAST_POLICY) as connector:
        connector.test()
        cove.VISAS.advance(cove.VISA_LIFETIME + 1)
        records = list(connector.sync())
    logins = [c for c in fresh_server.requests.of(KIND) if c.operation == "Login"]
    assert len(logins) == 2 and any(isinstance(r, Account) for r in records)


def test_a_wrong_password_or_partner_name_is_refused_in_words_without_the_password() -> None:
    refused = {"jsonrpc": "2.0", "id": "jsonrpc",
               "error": {"code": 2100, "message": "Unknown partner/username or bad password", "data": None}}
    with pytest.raises(AuthFailed) as caught:
        run([ACME], [[]], {"Login": [refused]})
    message = caught.value.message
    assert message.startswith("N-able Cove Data Protection: Login answered 200 with Unknown partner/username")
    assert "exactly as the console shows it" in message and SETTINGS["password"] not in message


def test_a_column_the_user_may_not_read_is_a_permission_problem_not_a_new_login() -> None:
    security = {"jsonrpc": "2.0", "id": "jsonrpc",
                "error": {"code": 13501, "message": "Operation failed because of security reasons", "data": None}}
    with pytest.raises(AuthFailed) as caught:
        run([ACME], [[]], {"EnumerateAccountStatistics": [security]})
    assert "may not read it" in caught.value.message and "permissions" in caught.value.message
    assert caught.value.status == 403


def test_only_the_three_read_methods_are_declared() -> None:
    assert Cove.read_posts("https://api.backup.management") == {
        ("/jsonapi", "Login"), ("/jsonapi", "EnumeratePartners"), ("/jsonapi", "EnumerateAccountStatistics")}


# -- counting ----------------------------------------------------------------------------------------

def test_devices_count_by_os_type_and_physicality_and_microsoft_365_by_its_users() -> None:
    page = [device(1, 555001, I1="acme-dc01", I8="Acme Corp", I18="ACME-DC01.acme.local", OT="2", AT="1",
                   I81="Physical", I14="53687091200", TM="0"),
            device(2, 555001, I1="acme-hv-sql", I18="ACME-SQL", OT="2", AT="1", I81="Virtual", I14="1000"),
            device(3, 555001, I1="acme-frontdesk01", I18="FRONTDESK-01", OT="1", AT="1", I14="10737418240"),
            device(4, 555001, I1="acme-new-laptop", OT="0", AT="1"),
            device(5, 555001, I1="acme-m365", OT="0", AT="2", I14="5", TM="12")]
    records, _ = run([ACME], [page])
    assert values(records) == {("555001", "protected:server"): 1, ("555001", "protected:vm"): 1,
                               ("555001", "protected:workstation"): 2, ("555001", "seats:user"): 12,
                               ("555001", "storage:bytes"): Decimal(53687091200 + 1000 + 10737418240 + 5)}
    names = {r.name for r in records if isinstance(r, Asset) and r.metric.startswith("protected:")}
    assert names == {"ACME-DC01", "ACME-SQL", "FRONTDESK-01", "acme-new-laptop"}
    assert [r.name for r in records if isinstance(r, Asset) and r.metric == "m365_tenants"] == ["acme-m365"]


def test_a_device_of_a_customer_not_listed_is_filed_under_its_partner_and_customer_name() -> None:
    records, _ = run([ACME], [[device(7, 555099, I1="beta-srv", I8="Beta LLC", OT="2", AT="1")]])
    assert Account("555099", "Beta LLC") in records
    assert values(records)[("555099", "protected:server")] == 1


def test_resellers_are_no_customers_and_sites_are() -> None:
    partners = [ACME, {"Id": 555500, "Name": "Sub Reseller", "Level": "Reseller"},
                {"Id": 555600, "Name": "Acme Branch", "Level": "Site"}]
    records, _ = run(partners, [[]])
    assert {r.id for r in records if isinstance(r, Account)} == {"555001", "555600"}


# -- the sandbox's world in Cove's terms --------------------------------------------------------------

def test_a_server_protected_twice_mid_migration_shows_its_new_copy_alone_counted_once(
        server: sandbox.SandboxServer) -> None:  # noqa: F811
    customer, twice = next((c, d) for c in server.world.customers for d in c.devices
                           if "device protected twice" in d.tags)
    assert len(twice.backup) == 2  # the truth: on Datto (the old copy) and on Cove
    owners = {i for i, (c, _) in sandbox.VENDORS[KIND].accounts(server.world).items() if c is customer}
    with Cove(server.settings(KIND), policy=FAST_POLICY) as connector:
        records = list(connector.sync())
    counted = [r for r in records if isinstance(r, Asset) and r.account_id in owners and r.name == twice.hostname]
    assert [r.metric for r in counted] == ["protected:server"]


def test_a_customer_under_a_reseller_is_a_customer_of_its_own(served) -> None:
    vendor = sandbox.VENDORS[KIND]
    foldered = [i for i, (_, a) in vendor.accounts(served.world).items() if a.folder]
    assert foldered
    with Cove(served.settings(KIND), policy=FAST_POLICY) as connector:
        accounts = {r.id for r in connector.sync() if isinstance(r, Account)}
    assert set(foldered) <= accounts
