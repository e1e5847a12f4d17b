"""Declared endpoints read over real HTTP: parent → child walks, tree walks, kept items, read POSTs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.auth import ApiKeyHeader, OAuth2ClientCredentials
from connectors.base import Connector, Field, Guidance, Role
from connectors.endpoints import Endpoint
from connectors.errors import BadResponse
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


def test_a_declared_read_post_is_never_sent_as_a_get():
    with ScriptedServer() as server:
        with JsonRpc({"base_url": server.url, "api_key": "k"}, policy=FAST_POLICY) as vendor:
            with pytest.raises(NotImplementedError, match="POST v1.0/jsonrpc/network is declared"):
                list(vendor.items(vendor.endpoints_list))
        assert server.requests == []


def test_a_reader_names_its_vendor_and_the_missing_part_of_a_nested_field():
    read = Reader("ConnectWise PSA")
    assert read.require({"company": {"id": 250}}, "company.id") == 250
    with pytest.raises(BadResponse, match="a record from ConnectWise PSA has no 'company'"):
        read.require({"id": 1}, "company.id")
    with pytest.raises(BadResponse, match="a record from ConnectWise PSA has no 'id'"):
        read.require({"company": {"name": "Acme"}}, "company.id")
    assert read.optional_number(None) is None and str(read.optional_number("22.50")) == "22.50"
