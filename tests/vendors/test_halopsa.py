"""HaloPSA's own quirks: a hosted tenant's URL and `?tenant=` token request, read scopes only, `pageinate`
paging that ends on `record_count`, lines missing from the invoice list, Halo's 1900-01-01 empty dates,
negative ids, its `{"errors": [...]}` or plain-text errors, and its billing rules (inactive and dated
lines, disabled invoices, ended contracts, credit lines never below zero)."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import pytest

import sandbox
from bot.commands.connect import read_form
from connectors.errors import AuthFailed, BadResponse, ConfigError
from connectors.halopsa import HaloPSA, halo_date
from connectors.http import HttpPolicy
from connectors.records import Account, Quantity, Record
from reconcile.audit import Actor
from reconcile.errors import Invalid
from sandbox.vendors import halopsa
from tests.conftest import FAST_POLICY
from tests.contract.test_contract import from_the_truth, totals
from tests.sandbox.conftest import server  # noqa: F401  (the 60-client world, where every trap is planted)
from tests.sandbox.raw import HTTP, Raw, token
from tests.scripted import ScriptedServer
from tests.vendors.summed import values

KIND = "halopsa"
VENDOR = sandbox.VENDORS[KIND]
SETTINGS = {"tenant": "", "client_id": "cid", "client_secret": "csecret"}
LINE = {"id": 901, "_itemid": 77, "item_code": "M365-BP", "item_shortdescription": "Microsoft 365 Business Premium",
        "qty_order": 25, "unit_price": 22.0, "isinactive": False}


def listed(key: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"page_no": 1, "page_size": 100, "record_count": len(rows), key: rows}


def invoice(*lines: dict[str, Any], **header: Any) -> dict[str, Any]:
    return {"id": 240, "client_id": 12, "client_name": "Acme Corporation", "contract_id": 0, "disabled": False,
            "lines": list(lines), **header}


def scripted(scripted_server: ScriptedServer, invoices: list[dict[str, Any]],
             clients: list[dict[str, Any]] | None = None, contracts: list[dict[str, Any]] | None = None) -> None:
    """Answers written here, in the shapes Halo's API documents."""
    scripted_server.answer("/auth/token", 200, {"access_token": "tok-1", "token_type": "Bearer", "expires_in": 3600})
    scripted_server.answer("/api/Client", 200, listed("clients", clients if clients is not None else [
        {"id": 12, "name": "Acme Corporation", "inactive": False}]))
    scripted_server.answer("/api/ClientContract", 200, listed("contracts", contracts or []))
    scripted_server.answer("/api/RecurringInvoice", 200, listed("invoices", invoices))


def scripted_sync(invoices: list[dict[str, Any]], **lists: Any) -> list[Record]:
    with ScriptedServer() as server:
        scripted(server, invoices, **lists)
        with HaloPSA({"base_url": server.url, **SETTINGS}, policy=FAST_POLICY) as connector:
            return list(connector.sync())


# -- where it connects, and with what -----------------------------------------------------------------

def test_a_hosted_tenant_gets_its_own_halopsa_host() -> None:
    clean = HaloPSA.clean_settings({**SETTINGS, "tenant": "Acme-IT"})
    assert clean["base_url"] == "https://acme-it.halopsa.com"
    assert clean["scope"] == "read:customers read:contracts read:invoices"


@pytest.mark.parametrize("pasted", ["https://halo.acme.example/api", "https://halo.acme.example/auth/",
                                    "https://halo.acme.example/"])
def test_the_resource_or_authorisation_server_url_halo_shows_is_taken_as_the_host(pasted: str) -> None:
    assert HaloPSA.clean_settings({**SETTINGS, "base_url": pasted})["base_url"] == "https://halo.acme.example"


@pytest.mark.parametrize(("tenant", "said"), [
    ("", "needs the Tenant for a Halo-hosted URL"),
    ("evil.example#", "letters, digits and hyphens"),  # a tenant cannot move the host it names
    ("acme.attacker.example", "letters, digits and hyphens"),
])
def test_a_hosted_url_without_a_plain_tenant_name_is_refused_in_words(tenant: str, said: str) -> None:
    with pytest.raises(ConfigError, match=said):
        HaloPSA.clean_settings({**SETTINGS, "tenant": tenant})


def test_a_self_hosted_halo_on_a_private_address_is_refused_where_private_urls_are(services) -> None:
    services.context.config = dataclasses.replace(services.context.config, allow_private_urls=False)
    with pytest.raises(Invalid, match="private network"):
        services.integrations.connect("local", KIND, KIND, {**SETTINGS, "base_url": "https://10.1.2.3"},
                                      Actor("U_ADMIN", "cli"))
    assert services.integrations.list("local") == []


def form(base_url: str | None = None, other: str = "", **typed: str) -> dict[str, Any]:
    """The connect modal's submitted state: the hosted choice (or none) and an "other" URL, then the fields."""
    chosen = {"value": base_url} if base_url else None
    state: dict[str, Any] = {"name": {"value": {"value": "halo"}},
                             "field:base_url": {"value": {"selected_option": chosen}},
                             "field:base_url:other": {"value": {"value": other}}}
    return state | {f"field:{name}": {"value": {"value": value}} for name, value in typed.items()}


def test_the_connect_modal_takes_a_hosted_tenant_or_a_self_hosted_url(services, served: sandbox.SandboxServer) -> None:
    credentials = {k: v for k, v in served.settings(KIND).items() if k != "base_url"}
    hosted = read_form(HaloPSA, form(HaloPSA.fields[0].default, **credentials | {"tenant": ""}), taken=set())
    assert hosted[2] == {}  # the tenant is optional in the form: a self-hosted server has none
    with pytest.raises(ConfigError, match="needs the Tenant for a Halo-hosted URL"):
        services.integrations.connect("local", KIND, "halo", hosted[1], Actor("U_ADMIN", "slack"))
    assert services.integrations.list("local") == []
    own = read_form(HaloPSA, form(HaloPSA.fields[0].default, other=served.base_url(KIND) + "/api", **credentials),
                    taken=set())
    info = services.integrations.connect("local", KIND, "halo", own[1], Actor("U_ADMIN", "slack"))
    assert info.public_settings["base_url"] == served.base_url(KIND)  # the Resource Server URL, cut to the host
    assert "client_secret" not in info.public_settings


def test_the_token_is_asked_for_the_tenant_with_read_scopes_only(served: sandbox.SandboxServer) -> None:
    served.requests.clear()
    served.requests.keep_exchanges = True
    try:
        with HaloPSA(served.settings(KIND), policy=FAST_POLICY) as connector:
            connector.test()
        asked = [e for e in served.requests.exchanges(KIND) if e.path == "/auth/token"]
    finally:
        served.requests.keep_exchanges = False
    assert [e.query.get("tenant") for e in asked] == [[halopsa.TENANT]]
    granted = json.loads(asked[0].body)["scope"].split()  # the fake grants what was asked, if it may
    assert granted and all(scope.startswith("read:") for scope in granted)
    request = HaloPSA.auth.token_request(served.settings(KIND), served.base_url(KIND))
    form = parse_qs(request.content.decode())
    assert (form["grant_type"], form["scope"]) == (["client_credentials"], [served.settings(KIND)["scope"]])


def test_asking_for_every_scope_is_refused_by_a_read_only_application(served: sandbox.SandboxServer) -> None:
    with HaloPSA(served.settings(KIND) | {"scope": "all"}, policy=FAST_POLICY) as connector:
        with pytest.raises(AuthFailed, match="not allowed the scope requested"):
            connector.test()
    assert token(served, KIND, scope="all").json()["error"] == "invalid_scope"


def test_a_wrong_tenant_is_named_in_the_refusal(served: sandbox.SandboxServer) -> None:
    with HaloPSA(served.settings(KIND) | {"tenant": "othermsp"}, policy=FAST_POLICY) as connector:
        with pytest.raises(BadResponse, match="Unknown tenant 'othermsp'"):
            connector.test()


def test_the_documented_rate_is_never_exceeded() -> None:
    with HaloPSA({**SETTINGS, "base_url": "https://halo.example.com"}, policy=HttpPolicy()) as connector:
        assert connector.http.limiter.rate * 180 <= 500  # 500 requests in any 3 minutes


# -- paging -------------------------------------------------------------------------------------------

def test_pages_are_asked_with_pageinate_and_end_at_the_record_count() -> None:
    clients = [{"id": n, "name": f"Client {n}", "inactive": False} for n in range(1, 201)]

    def page(seen) -> tuple[int, dict[str, str], Any]:
        number, size = int(seen.query["page_no"]), int(seen.query["page_size"])
        return 200, {}, {"record_count": 200, "clients": clients[(number - 1) * size:number * size]}

    with ScriptedServer() as server:
        scripted(server, [])
        server.answers["/api/Client"] = [page]
        with HaloPSA({"base_url": server.url, **SETTINGS}, policy=FAST_POLICY) as connector:
            accounts = [r for r in connector.sync() if isinstance(r, Account)]
        asked = [r.query for r in server.requests if r.path == "/api/Client"]
    assert len(accounts) == 200
    assert [(q["pageinate"], q["page_no"], q["page_size"]) for q in asked] == [("true", "1", "100"),
                                                                               ("true", "2", "100")]


def test_the_fake_lists_everything_without_pageinate_and_pages_with_it(served: sandbox.SandboxServer) -> None:
    raw = Raw(served, KIND)
    everything = raw.get("/api/Client").json()
    assert everything["record_count"] == len(everything["clients"]) == len(VENDOR.view(served.world).clients)
    assert len(raw.get("/api/Client", {"count": 3}).json()["clients"]) == 3
    paged = raw.get("/api/Client", {"pageinate": "true", "page_size": 5, "page_no": 2}).json()
    assert (paged["page_no"], paged["page_size"], paged["record_count"]) == (2, 5, everything["record_count"])
    assert paged["clients"] == everything["clients"][5:10]
    refused = raw.get("/api/Client", {"pageinate": "true", "page_size": 5000})
    assert refused.status_code == 400 and "page_size" in refused.json()["errors"][0]


def test_invoice_lines_missing_from_the_list_are_read_invoice_by_invoice(served: sandbox.SandboxServer,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(VENDOR, "lines_in_list", False)
    served.requests.clear()
    with HaloPSA(served.settings(KIND), policy=FAST_POLICY) as connector:
        records = list(connector.sync())
    assert totals(records) == from_the_truth(served, KIND)[1]
    details = [c for c in served.requests.of(KIND) if c.path.startswith("/api/RecurringInvoice/")]
    assert details  # each invoice of a billed client was read on its own


def test_an_invoice_without_lines_anywhere_bills_nothing_and_the_sync_goes_on() -> None:
    bare = {k: v for k, v in invoice().items() if k != "lines"}
    with ScriptedServer() as server:
        scripted(server, [bare, invoice(LINE, id=241)])
        server.answer("/api/RecurringInvoice/240", 200, bare)
        with HaloPSA({"base_url": server.url, **SETTINGS}, policy=FAST_POLICY) as connector:
            records = list(connector.sync())
        detail = [r for r in server.requests if r.path == "/api/RecurringInvoice/240"]
    assert values(records) == {("12", "billed:M365-BP"): Decimal(25)}
    assert [r.query for r in detail] == [{"includedetails": "true"}]


# -- billing rules, in Halo's fields ------------------------------------------------------------------

def test_an_active_line_bills_its_quantity_of_its_item_at_its_price() -> None:
    records = scripted_sync([invoice(LINE)])
    billed = [r for r in records if isinstance(r, Quantity)]
    assert [(r.account_id, r.metric, r.value, r.unit_price, r.label) for r in billed] == [
        ("12", "billed:M365-BP", Decimal(25), Decimal(22), "Microsoft 365 Business Premium")]


@pytest.mark.parametrize(("line", "header", "billed"), [
    ({"isinactive": True}, {}, None),
    ({"enddate": "2020-01-31T00:00:00"}, {}, None),  # ended
    ({"enddate": "2999-01-31T00:00:00"}, {}, Decimal(25)),  # cancelled from a date ahead: still bills
    ({"startdate": "2999-01-01T00:00:00"}, {}, None),  # starts later
    ({"startdate": "1900-01-01T00:00:00", "enddate": "1900-01-01T00:00:00"}, {}, Decimal(25)),  # Halo's "no date"
    ({"qty_order": -3}, {}, Decimal(0)),  # a credit line never bills below zero
    ({}, {"disabled": True}, None),
    ({}, {"enddate": "2020-06-30T00:00:00"}, None),
    ({}, {"startdate": "2999-06-01T00:00:00"}, None),
])
def test_lines_and_invoices_out_of_force_bill_nothing(line: dict[str, Any], header: dict[str, Any],
                                                      billed: Decimal | None) -> None:
    records = scripted_sync([invoice(LINE | line, **header)])
    assert values(records).get(("12", "billed:M365-BP")) == billed


@pytest.mark.parametrize("ended", [{"end_date": "2021-03-31T00:00:00"}, {"enddate": "2021-03-31T00:00:00"}])
def test_an_invoice_left_open_under_an_ended_contract_bills_nothing(ended: dict[str, Any]) -> None:
    contracts = [{"id": 31, "client_id": 12, "ref": "MSA-ACME", **ended},
                 {"id": 32, "client_id": 12, "ref": "MSA-NEW", "end_date": "1900-01-01T00:00:00"}]
    invoices = [invoice(LINE, id=240, contract_id=31), invoice(LINE | {"id": 902}, id=241, contract_id=32)]
    records = scripted_sync(invoices, contracts=contracts)
    assert values(records) == {("12", "billed:M365-BP"): Decimal(25)}  # only the open contract's invoice


def test_negative_ids_are_ids_and_an_inactive_clients_invoices_bill_nobody() -> None:
    clients = [{"id": -5, "name": "Built-in Client", "inactive": False},
               {"id": 12, "name": "Gone Ltd", "inactive": True}]
    invoices = [invoice(LINE, id=-240, client_id=-5), invoice(LINE, id=241, client_id=12)]
    records = scripted_sync(invoices, clients=clients)
    assert [r.id for r in records if isinstance(r, Account)] == ["-5"]
    assert values(records) == {("-5", "billed:M365-BP"): Decimal(25)}


def test_a_line_without_an_item_code_is_filed_under_its_item_id() -> None:
    line = {k: v for k, v in LINE.items() if k != "item_code"}
    assert values(scripted_sync([invoice(line)])) == {("12", "billed:item:77"): Decimal(25)}


def halo_lines(server: sandbox.SandboxServer, tag: str) -> tuple[list[Any], list[dict[str, Any]], dict[int, Any]]:
    """The tagged client's truth lines, its Halo invoice lines, and its contracts by id."""
    view = VENDOR.view(server.world)
    client_id = next(int(i) for i, (c, _) in VENDOR.accounts(server.world).items() if tag in c.tags)
    customer = VENDOR.accounts(server.world)[str(client_id)][0]
    lines = [line for i in view.invoices if i["client_id"] == client_id for line in i["lines"]]
    return list(customer.billing), lines, {c["id"]: c for c in view.contracts if c["client_id"] == client_id}


def test_the_truths_billing_traps_are_written_as_halo_writes_them(server: sandbox.SandboxServer) -> None:
    now = server.world.now
    truth, lines, _ = halo_lines(server, "less_included")
    included = [t for t in truth if t.included]
    assert included and all(any(h["qty_order"] == t.billed and f"{t.quantity} less {t.included} included" in
                                h["item_shortdescription"] for h in lines) for t in included)
    for tag in ("donotbill", "nocharge"):
        assert any(h["isinactive"] for h in halo_lines(server, tag)[1]), tag

    def past(text: str) -> bool:
        return (moment := halo_date(text)) is not None and moment <= now

    def ahead(text: str) -> bool:
        return (moment := halo_date(text)) is not None and moment > now

    assert any(past(h["enddate"]) for h in halo_lines(server, "cancelled_line")[1])
    assert any(ahead(h["startdate"]) for h in halo_lines(server, "future_line")[1])
    assert any(ahead(h["enddate"]) for h in halo_lines(server, "future_cancel")[1])
    view = VENDOR.view(server.world)
    ended = {c["id"] for c in view.contracts if past(c["end_date"])}
    under_ended = [i for i in view.invoices if i["contract_id"] in ended]
    assert any(not i["disabled"] and i["enddate"] == halopsa.NO_DATE for i in under_ended)  # only the contract says
    assert any(i["disabled"] and past(i["enddate"]) for i in under_ended)


def test_a_deleted_company_is_an_inactive_client(server: sandbox.SandboxServer) -> None:
    view = VENDOR.view(server.world)
    deleted = [c for c in view.clients if not VENDOR.accounts(server.world)[str(c["id"])][1].live]
    assert deleted and all(c["inactive"] for c in deleted)
    assert all(not c["inactive"] for c in view.clients if c not in deleted)


# -- errors -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "body", "raw", "shown"), [
    (404, {"errors": ["No record found with id 240"]}, None, "(No record found with id 240: no such record"),
    (400, None, b"Invalid page_size", "(Invalid page_size: Halo refused the request)"),
    (404, None, b"<html><body>IIS 404</body></html>", "(no such record or API path)"),
])
def test_its_error_bodies_are_shown_in_words(status: int, body: Any, raw: bytes | None, shown: str) -> None:
    with ScriptedServer() as server:
        scripted(server, [])
        server.answers["/api/Client"] = [(status, {}, raw if raw is not None else body)]
        with HaloPSA({"base_url": server.url, **SETTINGS}, policy=FAST_POLICY) as connector:
            with pytest.raises(BadResponse) as caught:
                list(connector.sync())
    assert caught.value.message.startswith("HaloPSA: GET /api/Client answered")
    assert shown in caught.value.message


def test_the_fake_says_no_in_halos_shape(served: sandbox.SandboxServer) -> None:
    raw = Raw(served, KIND)
    missing = raw.get("/api/RecurringInvoice/999999")
    assert missing.status_code == 404 and missing.json() == {"errors": ["No record found with id 999999"]}
    refused = HTTP.get(served.base_url(KIND) + "/api/Client", headers={"Authorization": "Bearer nope"})
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "Bearer"
