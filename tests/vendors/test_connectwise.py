"""ConnectWise PSA's own quirks: Basic keys plus a clientId, discovery without auth, a plain-text 404
outside the codebase, Link-header paging, `conditions`, its error model, and the truth's skips as
ConnectWise writes them."""

from __future__ import annotations

import base64

import pytest

import sandbox
from sandbox.vendors import connectwise
from tests.sandbox.raw import HTTP, Raw
from tests.sandbox.specs import validate, validate_shape

KIND = "connectwise"
VENDOR = sandbox.VENDORS[KIND]
SIZES = (1, 7, 1000)
PAGES = connectwise.PAGES
GOOD_USER = f"{connectwise.COMPANY_ID}+{connectwise.PUBLIC_KEY}"
# https://developer.connectwise.com error model (ErrorResponseMessage / ValidationError)
ERROR = {
    "type": "object", "required": ["code", "message"],
    "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["code", "message"],
            "properties": {k: {"type": "string"} for k in ("code", "message", "resource", "field", "details")}}},
    },
}
SYSTEM_INFO = {"type": "object", "required": ["version", "isCloud", "serverTimeZone"],
               "properties": {"version": {"type": "string"}, "isCloud": {"type": "boolean"}}}
COMPANY_INFO = {"type": "object", "required": ["CompanyName", "Codebase", "VersionCode", "VersionNumber",
                                               "CompanyID", "IsCloud", "SiteUrl"]}


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def headers(**overrides: str) -> dict[str, str]:
    return {"Authorization": basic(GOOD_USER, connectwise.PRIVATE_KEY), "clientId": connectwise.CLIENT_ID,
            "Accept": connectwise.MEDIA_TYPE} | overrides


def view(server: sandbox.SandboxServer):  # type: ignore[no-untyped-def]
    return VENDOR.view(server.world)


@pytest.mark.parametrize(("changes", "status"), [
    ({}, 200),
    ({"Authorization": basic(GOOD_USER.upper().replace(connectwise.PUBLIC_KEY.upper(), connectwise.PUBLIC_KEY),
                             connectwise.PRIVATE_KEY)}, 200),  # the company id is not case-sensitive
    ({"Authorization": basic(GOOD_USER, "wrong-private-key")}, 401),
    ({"Authorization": basic(f"othermsp+{connectwise.PUBLIC_KEY}", connectwise.PRIVATE_KEY)}, 401),
    ({"Authorization": basic(connectwise.PUBLIC_KEY, connectwise.PRIVATE_KEY)}, 401),  # no company+
    ({"Authorization": "Bearer " + connectwise.PRIVATE_KEY}, 401),
    ({"clientId": ""}, 401),
    ({"clientId": "00000000-0000-0000-0000-000000000000"}, 401),
])
def test_connectwise_wants_basic_keys_and_a_client_id(served: sandbox.SandboxServer, changes: dict[str, str],
                                                      status: int) -> None:
    answer = HTTP.get(served.base_url(KIND) + "/system/info", headers=headers(**changes))
    assert answer.status_code == status
    if status == 401:
        assert answer.json()["code"] == "Unauthorized"


def test_discovery_needs_no_credentials(served: sandbox.SandboxServer) -> None:
    answer = HTTP.get(f"{served.url}/connectwise/login/companyinfo/{connectwise.COMPANY_ID}")
    assert answer.status_code == 200 and answer.json()["CompanyID"] == connectwise.COMPANY_ID
    assert HTTP.get(f"{served.url}/connectwise/login/companyinfo/someone-else").status_code == 404


def test_outside_its_codebase_it_cannot_route(served: sandbox.SandboxServer) -> None:
    answer = HTTP.get(f"{served.url}/connectwise/v2099_1/apis/3.0/company/companies", headers=headers())
    assert answer.status_code == 404 and answer.text == "Cannot route. Codebase/company is invalid"


# -- paging ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES)
def test_pages_hold_every_company_and_agreement_once(served: sandbox.SandboxServer, size: int) -> None:
    raw, shown = Raw(served, KIND), view(served)
    walked = [r["id"] for r in raw.walk("/company/companies", PAGES, size, orderBy="id asc")]
    assert walked == sorted(int(i) for i in VENDOR.accounts(served.world))
    assert [r["id"] for r in raw.walk("/finance/agreements", PAGES, size)] == sorted(a["id"] for a in shown.agreements)
    live = [r["id"] for r in raw.walk("/company/companies", PAGES, size, conditions="deletedFlag=false")]
    assert live == sorted(int(i) for i, (_, a) in VENDOR.accounts(served.world).items() if a.live)


def test_links_name_next_and_last_and_keep_the_query(served: sandbox.SandboxServer) -> None:
    raw = Raw(served, KIND)
    first = raw.get("/company/companies", {"pageSize": 5, "conditions": "deletedFlag=false"})
    assert set(first.links) == {"next", "last"}
    assert "conditions=deletedFlag%3Dfalse" in first.links["next"]["url"]
    middle = raw.follow(first.links["next"]["url"])
    assert set(middle.links) == {"first", "prev", "next", "last"}
    last = raw.follow(first.links["last"]["url"])
    assert "next" not in last.links and len(last.json()) <= 5


def test_pages_default_to_25_and_stop_at_1000(served: sandbox.SandboxServer) -> None:
    raw, shown = Raw(served, KIND), view(served)
    assert len(raw.get("/company/companies").json()) == min(25, len(shown.companies))
    huge = raw.get(f"/finance/agreements/{shown.agreements[0]['id']}/additions", {"pageSize": 5000})
    assert huge.status_code == 200 and "pageSize=1000" in huge.headers.get("Link", "pageSize=1000")


# -- the truth as ConnectWise writes it ----------------------------------------------------------------

def test_the_truths_skips_are_written_as_connectwise_writes_them(served: sandbox.SandboxServer) -> None:
    shown = view(served)
    assert sum(1 for c in shown.companies if c["deletedFlag"]) == 1
    assert {t["name"] for c in shown.companies for t in c["types"]} == {"Client", "Prospect"}
    assert any(a["cancelledFlag"] for a in shown.agreements)
    additions = [a for rows in shown.additions.values() for a in rows]
    assert {"Billable", "DoNotBill", "NoCharge"} <= {a["billCustomer"] for a in additions}
    assert any(a["lessIncluded"] > 0 for a in additions) and any("cancelledDate" in a for a in additions)
    assert all("cancelledDate" not in a or a["cancelledDate"].endswith("Z") for a in additions)  # nulls omitted


# -- the spec and the error model ------------------------------------------------------------------------

def test_lists_fit_the_spec(served: sandbox.SandboxServer) -> None:
    raw = Raw(served, KIND)
    for path in ("/company/companies", "/finance/agreements", "/procurement/catalog"):
        answer = raw.get(path, {"pageSize": 1000, "orderBy": "id asc"}, headers=headers())
        assert answer.status_code == 200 and answer.json()
        validate(KIND, answer)
    for agreement in view(served).agreements:
        validate(KIND, raw.get(f"/finance/agreements/{agreement['id']}/additions", {"pageSize": 1000},
                               headers=headers()))


def test_details_and_counts_fit_the_spec(served: sandbox.SandboxServer) -> None:
    raw, shown = Raw(served, KIND), view(served)
    agreement = next(a for a in shown.agreements if shown.additions[str(a["id"])])
    addition = shown.additions[str(agreement["id"])][0]
    for path in (f"/company/companies/{shown.companies[0]['id']}", f"/finance/agreements/{agreement['id']}",
                 f"/finance/agreements/{agreement['id']}/additions/{addition['id']}",
                 f"/procurement/catalog/{shown.catalog[0]['id']}",
                 "/company/companies/count", "/finance/agreements/count",
                 f"/finance/agreements/{agreement['id']}/additions/count", "/procurement/catalog/count"):
        answer = raw.get(path, {"conditions": "id > 0"} if path.endswith("count") else None, headers=headers())
        assert answer.status_code == 200, path
        validate(KIND, answer)


def test_discovery_and_system_info_have_the_documented_fields(served: sandbox.SandboxServer) -> None:
    validate_shape(Raw(served, KIND).get("/system/info").json(), SYSTEM_INFO)
    discovery = HTTP.get(f"{served.url}/connectwise/login/companyinfo/{connectwise.COMPANY_ID}")
    validate_shape(discovery.json(), COMPANY_INFO)
    assert discovery.json()["Codebase"] == "v4_6_release/"


def test_errors_have_the_documented_shape(fresh_server: sandbox.SandboxServer) -> None:
    raw = Raw(fresh_server, KIND)
    base = fresh_server.base_url(KIND)
    answers = {
        401: HTTP.get(base + "/company/companies", headers=headers(Authorization="Basic bm9wZTpub3Bl")),
        404: raw.get("/company/companies/999999"),
        400: raw.get("/company/companies", {"conditions": "favouriteColour = 'blue'"}),
        405: raw.send("DELETE", "/company/companies/250"),
    }
    fresh_server.faults.inject(KIND, "rate_limit")
    answers[429] = raw.get("/company/companies")
    fresh_server.faults.inject(KIND, "server_error")
    answers[500] = raw.get("/company/companies")
    for status, answer in answers.items():
        assert answer.status_code == status
        validate_shape(answer.json(), ERROR)
    assert answers[400].json()["errors"][0]["field"] == "conditions"
    bad_size = raw.get("/company/companies", {"pageSize": "0"})
    assert bad_size.status_code == 400 and bad_size.json()["errors"][0]["field"] == "pageSize"
