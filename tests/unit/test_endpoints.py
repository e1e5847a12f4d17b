"""Declared endpoints read over real HTTP: parent → child walks, tree walks, kept items, read POSTs."""

from __future__ import annotations

import json
from dataclasses import replace
from collections.abc import Iterator

import pytest

from connectors.auth import ApiKeyHeader, OAuth2ClientCredentials
from connectors.base import Connector, Field, Guidance, Role
from connectors.endpoints import Endpoint
from connectors.errors import BadResponse
from connectors.paging import NextLink
from connectors.ratelimit import RateLimiter
from connectors.parse import Reader
from connectors.records import Record
from tests.conftest import FAST_POLICY
from tests.scripted import ScriptedServer


class Tree(Connector):
    """A vendor with agreements and their additions, and a tenant tree (partners hold customers)."""

    kind = "tree"
    display_name = "Tree Vendor"
    role = Role.USAGE
    fields = (Field("base_url", "API URL"), Field("api_key", "API key", secret=True))
    guidance = Guidance(reads="r", why="w", never_reads="n", writes_back="Never.", revoke="x", permission="p")
    metrics = {"devices:*": "Devices"}
    auth = ApiKeyHeader("X-Api-Key")
    items_at = "items"

    test_call = Endpoint("me")
    agreements = Endpoint("agreements", keep=lambda agreement: agreement["active"])
    additions = Endpoint("agreements/{id}/additions", each=agreements)
    tenants = Endpoint("tenants", params={"parent_id": "{id}"}, descend=lambda tenant: tenant["kind"] == "partner")

    def sync(self) -> Iterator[Record]:
        return iter(())


def tree(server: ScriptedServer) -> Tree:
    return Tree({"base_url": server.url + "/api", "api_key": "k"}, policy=FAST_POLICY)


def listing(*items):
    return {"items": list(items)}


def test_a_child_endpoint_is_read_for_every_kept_parent_and_never_for_a_dropped_one():
    with ScriptedServer() as server:
        server.answer("/api/agreements", 200, listing({"id": 1, "active": True}, {"id": "a/b", "active": True},
                                                     {"id": 3, "active": False}))
        server.answer("/api/agreements/1/additions", 200, listing({"sku": "MW-01"}))
        server.answer("/api/agreements/a%2Fb/additions", 200, listing({"sku": "M365"}, {"sku": "BK"}))
        with tree(server) as vendor:
            walked = [(parent["id"], child["sku"]) for parent, child in vendor.walk(vendor.additions)]
        paths = [seen.path for seen in server.requests]
    assert walked == [(1, "MW-01"), ("a/b", "M365"), ("a/b", "BK")]
    # the inactive agreement's additions are never asked for; an id with a slash stays inside its path
    assert paths == ["/api/agreements", "/api/agreements/1/additions", "/api/agreements/a%2Fb/additions"]


def test_a_parent_without_the_templated_field_is_a_bad_response_naming_the_vendor():
    with ScriptedServer() as server:
        server.answer("/api/agreements", 200, listing({"active": True}))
        with tree(server) as vendor, pytest.raises(BadResponse, match="a record from Tree Vendor has no 'id'"):
            list(vendor.walk(vendor.additions))


def test_a_child_endpoint_read_without_a_parent_is_refused_before_any_request():
    with ScriptedServer() as server:
        with tree(server) as vendor, pytest.raises(TypeError, match="is read for each parent item"):
            list(vendor.items(vendor.additions))
        assert server.requests == []


def children_of(seen):
    tree_of = {"root": [{"id": "p1", "kind": "partner"}, {"id": "c1", "kind": "customer"}],
               "p1": [{"id": "c2", "kind": "customer"}, {"id": "f1", "kind": "partner"}],
               "f1": [{"id": "c3", "kind": "customer"}]}
    return 200, {}, listing(*tree_of.get(seen.query["parent_id"], []))


def test_a_tree_walk_reaches_customers_under_partners_at_any_depth():
    with ScriptedServer() as server:
        server.answer_with("/api/tenants", children_of)
        with tree(server) as vendor:
            walked = [(parent["id"], child["id"]) for parent, child in vendor.walk(vendor.tenants, [{"id": "root"}])]
    assert walked == [("root", "p1"), ("root", "c1"), ("p1", "c2"), ("p1", "f1"), ("f1", "c3")]


def test_a_tree_that_lists_a_tenant_under_itself_stops_instead_of_looping():
    with ScriptedServer() as server:
        server.answer("/api/tenants", 200, listing({"id": "p1", "kind": "partner"}))
        with tree(server) as vendor, pytest.raises(BadResponse, match="lists the same parent twice"):
            list(vendor.walk(vendor.tenants, [{"id": "p1"}]))
        assert len(server.requests) == 1


class JsonRpc(Tree):
    """A vendor whose reads are JSON-RPC POSTs, with an OAuth token: both are on its allow-list."""

    kind = "jsonrpc"
    display_name = "RPC Vendor"
    auth = OAuth2ClientCredentials(token_path="oauth/token")
    endpoints_list = Endpoint("v1.0/jsonrpc/network", method="POST",
                              body={"jsonrpc": "2.0", "method": "getEndpointsList", "params": {"perPage": 100}})


def test_the_read_only_allow_list_is_read_off_the_declaration():
    assert JsonRpc.read_posts("https://cloud.example/api") == {("/api/v1.0/jsonrpc/network", "getEndpointsList"),
                                                                ("/api/oauth/token", None)}
    assert Tree.read_posts("https://cloud.example/api") == frozenset()  # GETs only, key in a header


class KeyedRpc(JsonRpc):
    auth = ApiKeyHeader("X-Api-Key")


def test_a_declared_read_post_is_sent_as_a_post_with_its_declared_body():
    with ScriptedServer() as server:
        server.answer("/api/v1.0/jsonrpc/network", 200, listing({"id": "e1"}))
        with KeyedRpc({"base_url": server.url + "/api", "api_key": "k"}, policy=FAST_POLICY) as vendor:
            assert [e["id"] for e in vendor.items(vendor.endpoints_list)] == ["e1"]
        sent = server.requests[0]
    assert sent.method == "POST" and json.loads(sent.body)["method"] == "getEndpointsList"


class Query(Tree):
    """A vendor whose lists are query POSTs with a filter body, paging on at `<list>/next` (Autotask)."""

    kind = "query"
    display_name = "Query Vendor"
    paging = NextLink(at="pageDetails.nextPageUrl", follow="{path}/next")
    companies = Endpoint("v1.0/Companies/query", method="POST", body={"filter": [{"op": "exist", "field": "id"}]})


def query(server: ScriptedServer) -> Query:
    return Query({"base_url": server.url + "/api", "api_key": "k"}, policy=FAST_POLICY)


def paged(*items, following=None):
    return {"items": list(items), "pageDetails": {"count": len(items), "nextPageUrl": following}}


def test_a_read_post_pages_on_with_the_same_body_at_the_next_page_url():
    with ScriptedServer() as server:
        server.answer("/api/v1.0/Companies/query", 200,
                      paged({"id": 1}, following=server.url + "/api/v1.0/Companies/query/next?paging=a"))
        server.answer("/api/v1.0/Companies/query/next", 200, paged({"id": 2}))
        with query(server) as vendor:
            filtered = {"filter": [{"op": "eq", "field": "isActive", "value": True}]}
            assert [c["id"] for c in vendor.items(vendor.companies, body=filtered)] == [1, 2]
    assert [(seen.method, seen.path) for seen in server.requests] == [
        ("POST", "/api/v1.0/Companies/query"), ("POST", "/api/v1.0/Companies/query/next")]
    assert {json.loads(seen.body)["filter"][0]["field"] for seen in server.requests} == {"isActive"}


def test_a_next_page_in_another_letter_case_or_with_another_tail_under_the_list_is_followed():
    with ScriptedServer() as server:
        server.answer("/api/v1.0/Companies/query", 200,
                      paged({"id": 1}, following=server.url + "/API/V1.0/Companies/query/next?paging=a"))
        server.answer("/API/V1.0/Companies/query/next", 200,
                      paged({"id": 2}, following=server.url + "/api/v1.0/Companies/query/page/3"))
        server.answer("/api/v1.0/Companies/query/page/3", 200, paged({"id": 3}))
        with query(server) as vendor:
            assert [c["id"] for c in vendor.items(vendor.companies)] == [1, 2, 3]


def test_a_next_page_where_the_paging_declares_none_is_refused_before_it_is_sent():
    with ScriptedServer() as server:
        server.answer("/api/v1.0/Companies/query", 200,
                      paged({"id": 1}, following=server.url + "/api/v1.0/Companies/delete"))
        with query(server) as vendor, pytest.raises(BadResponse, match="gave a next page at /api/v1.0/Companies/"):
            list(vendor.items(vendor.companies))
        assert len(server.requests) == 1


def test_the_allow_list_holds_a_read_posts_next_pages_and_nothing_else():
    assert Query.read_posts("https://webservices2.autotask.net/atservicesrest") == {
        ("/atservicesrest/v1.0/Companies/query", None), ("/atservicesrest/v1.0/Companies/query/next", None)}


@pytest.mark.parametrize("declared", [dict(method="PUT"), dict(method="DELETE"), dict(body={"name": "x"})])
def test_a_declaration_that_could_write_is_refused(declared):
    with pytest.raises(ValueError, match="a read is a GET|a GET carries no body"):
        Endpoint("v1.0/Companies/175", **declared)


def test_a_get_is_never_given_a_body_at_run_time():
    with ScriptedServer() as server:
        with tree(server) as vendor, pytest.raises(TypeError, match="carries no body"):
            list(vendor.items(vendor.agreements, body={"filter": []}))
        assert server.requests == []


def test_a_reader_names_its_vendor_and_the_missing_part_of_a_nested_field():
    read = Reader("ConnectWise PSA")
    assert read.require({"company": {"id": 250}}, "company.id") == 250
    with pytest.raises(BadResponse, match="a record from ConnectWise PSA has no 'company'"):
        read.require({"id": 1}, "company.id")
    with pytest.raises(BadResponse, match="a record from ConnectWise PSA has no 'id'"):
        read.require({"company": {"name": "Acme"}}, "company.id")
    assert read.optional_number(None) is None and str(read.optional_number("22.50")) == "22.50"


def test_a_discovery_call_sent_anonymous_carries_none_of_the_credentials_and_the_client_moves_to_its_answer():
    with ScriptedServer() as server:
        server.answer("/api/zoneInformation", 200, {"url": server.url + "/zone2/"})
        server.answer("/zone2/me", 200, {"ok": True})
        with tree(server) as vendor:
            zone = vendor.http.json("zoneInformation", {"user": "api@msp"}, anonymous=True)
            vendor.http.rebase(zone["url"])
            vendor.test()
        found, tested = server.requests
    assert "x-api-key" not in {name.lower() for name in found.headers}
    assert tested.path == "/zone2/me" and tested.headers.get("X-Api-Key") == "k"


def test_a_pace_slowed_for_a_filling_quota_waits_longer_and_never_speeds_up():
    waits: list[float] = []
    limiter = RateLimiter(10, 10, clock=lambda: 0.0, sleep=waits.append)
    limiter.slow_to(0.5)
    limiter.slow_to(5)  # a later, gentler reading does not undo the slowdown
    limiter.acquire()
    limiter.acquire()
    assert limiter.rate == 0.5 and waits == [2.0]
