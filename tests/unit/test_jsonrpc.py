"""The shared JSON-RPC layer over real HTTP: declared methods POSTed, pages in `params`, errors in words."""

from __future__ import annotations

import json

import pytest

from connectors.auth import Basic
from connectors.base import Field, Guidance, Role
from connectors.errors import AuthFailed, BadResponse
from connectors.jsonrpc import JsonRpc, RpcPages, call
from tests.conftest import FAST_POLICY
from tests.scripted import ScriptedServer

PATH = "/api/v1.0/jsonrpc/network"


class Rpc(JsonRpc):
    kind = "rpc"
    display_name = "RPC Vendor"
    role = Role.USAGE
    fields = (Field("base_url", "API URL"), Field("api_key", "API key", secret=True))
    guidance = Guidance(reads="r", why="w", never_reads="n", writes_back="Never.", revoke="x", permission="p")
    metrics = {"endpoints:managed": "m"}
    auth = Basic(username="{api_key}", password_field=None)
    words = {401: "the API key was rejected"}
    test_call = call("v1.0/jsonrpc/licensing", "getLicenseInfo")
    endpoints_list = call("v1.0/jsonrpc/network", "getEndpointsList", items_at="result.items",
                          paging=RpcPages(size=2), isManaged=True)


def pages(seen) -> tuple[int, dict, object]:
    """Five endpoints, two a page, the page asked for in the call's params."""
    sent = json.loads(seen.body)
    page = sent["params"]["page"]
    items = [{"id": f"e{n}"} for n in range(1, 6)][(page - 1) * 2:page * 2]
    return 200, {}, {"id": sent["id"], "jsonrpc": "2.0",
                     "result": {"page": page, "pagesCount": 3, "perPage": 2, "total": 5, "items": items}}


def rpc(server: ScriptedServer) -> Rpc:
    return Rpc({"base_url": server.url + "/api", "api_key": "k3y"}, policy=FAST_POLICY)


def test_a_list_method_pages_by_page_numbers_in_its_params_until_the_page_count():
    with ScriptedServer() as server:
        server.answer_with(PATH, pages)
        with rpc(server) as vendor:
            found = [e["id"] for e in vendor.rpc_items(vendor.endpoints_list, parentId="c1")]
        sent = [json.loads(s.body) for s in server.requests]
    assert found == ["e1", "e2", "e3", "e4", "e5"]
    assert [s["params"]["page"] for s in sent] == [1, 2, 3]
    assert all(s["method"] == "getEndpointsList" and s["jsonrpc"] == "2.0" and s["params"]["perPage"] == 2
               and s["params"]["parentId"] == "c1" and s["params"]["isManaged"] is True for s in sent)
    assert {s.method for s in server.requests} == {"POST"}


def test_the_allow_list_holds_exactly_the_declared_methods():
    assert Rpc.read_posts("https://cloud.example/api") == {("/api/v1.0/jsonrpc/network", "getEndpointsList"),
                                                           ("/api/v1.0/jsonrpc/licensing", "getLicenseInfo")}


def test_an_error_object_in_a_200_fails_the_read_in_words():
    error = {"code": -32602, "message": "Invalid params",
             "data": {"details": "Invalid value for perPage. It must be between 1 and 100."}}
    with ScriptedServer() as server:
        server.answer(PATH, 200, {"id": "billrec", "jsonrpc": "2.0", "error": error})
        with rpc(server) as vendor, pytest.raises(BadResponse) as caught:
            list(vendor.rpc_items(vendor.endpoints_list))
    assert caught.value.message == (
        "RPC Vendor: POST /api/v1.0/jsonrpc/network answered 200: getEndpointsList failed: Invalid params: "
        "Invalid value for perPage. It must be between 1 and 100. (code -32602: the vendor refused a parameter)")


def test_a_refused_key_quotes_the_error_object_and_what_the_status_means_never_the_key():
    error = {"code": -32000, "message": "Authentication failed"}
    with ScriptedServer() as server:
        server.answer("/api/v1.0/jsonrpc/licensing", 401, {"id": "billrec", "jsonrpc": "2.0", "error": error})
        with rpc(server) as vendor, pytest.raises(AuthFailed) as caught:
            vendor.test()
        sent = server.requests[0]
    assert "Authentication failed (code -32000: the vendor's server reported an error): the API key was rejected" \
        in caught.value.message
    assert "k3y" not in caught.value.message
    # the key as the user name, an empty password
    assert {k.lower(): v for k, v in sent.headers.items()}["authorization"] == "Basic azN5Og=="


def test_an_answer_with_neither_result_nor_error_is_no_answer():
    with ScriptedServer() as server:
        server.answer("/api/v1.0/jsonrpc/licensing", 200, {"id": "billrec", "jsonrpc": "2.0"})
        with rpc(server) as vendor, pytest.raises(BadResponse, match="answered 200 with neither a result"):
            vendor.test()


def test_without_a_page_count_a_short_page_is_the_last():
    def uncounted(seen):
        status, headers, body = pages(seen)
        del body["result"]["pagesCount"]
        return status, headers, body

    with ScriptedServer() as server:
        server.answer_with(PATH, uncounted)
        with rpc(server) as vendor:
            assert len(list(vendor.rpc_items(vendor.endpoints_list))) == 5
        assert len(server.requests) == 3
