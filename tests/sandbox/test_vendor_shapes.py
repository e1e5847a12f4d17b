"""The shapes a fake vendor can take before any vendor needs them: every paging style, a key in the
query string, a JSON-RPC read declared as a POST, and an XML reply, all served by the one server."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator

import httpx
import pytest

import sandbox
from sandbox.auth import Headers, QueryKey
from sandbox.paging import BodyCursor, Envelope, IdCursor, LinkHeaderPages, NextLink, Offset, PageNumber, list_route
from sandbox.routing import READ, Call, Incoming, Reply, Route
from sandbox.server import SandboxServer
from sandbox.truth import World
from sandbox.vendor import FakeVendor, Owned
from tests.sandbox.raw import HTTP, Raw

ROWS = [{"id": n, "name": f"item {n}"} for n in range(1, 24)]
KEY = "sbx-shapes-key"
PAGERS = {
    "/link": LinkHeaderPages(),
    "/after": IdCursor(),
    "/pages": PageNumber(Envelope(lambda p: {"items": p.items, "page": p.number, "pagesCount": -(-p.total // p.size)},
                                  items_at="items"), page="page", size="perPage", first=1),
    "/offset": Offset(Envelope(lambda p: {"data": p.items, "meta": {"pagingInfo": {"total": p.total}}}, items_at="data")),
    "/cursor": BodyCursor(Envelope(lambda p: {"data": p.items, "pagination": {"nextCursor": p.next}},
                                   items_at="data", next_at="pagination.nextCursor")),
    "/next": NextLink(Envelope(lambda p: {"items": p.items, "pageDetails": {"nextPageUrl": p.next}},
                               items_at="items", next_at="pageDetails.nextPageUrl")),
}


class Shapes(FakeVendor):
    kind = "shapes"
    display_name = "Shapes"
    roles = ()
    prefix = "/shapes"
    auth = Headers({"X-Api-Key": KEY})
    credentials = {"api_key": KEY}

    def declare_routes(self) -> tuple[Route, ...]:
        return tuple(list_route("GET", path, lambda call: ROWS, pager) for path, pager in PAGERS.items()) + (
            Route("POST", "/jsonrpc", self.rpc, kind=READ, operation="getItems"),
        )

    def render(self, world: World) -> list[dict]:
        return ROWS

    def accounts(self, world: World) -> dict[str, Owned]:
        return {}

    def metric(self, neutral: str) -> str | None:
        return None

    def operation_of(self, incoming: Incoming) -> str:
        body = incoming.json
        return str(body.get("method", "")) if isinstance(body, dict) else ""

    def rpc(self, call: Call) -> Reply:
        limit = int(call.arg("perPage") or 10)
        return Reply(200, {"jsonrpc": "2.0", "id": call.incoming.json["id"], "result": {"items": ROWS[:limit]}})


class XmlShapes(Shapes):
    """An XML API that takes its key in the query and names the call in `service=`."""

    kind = "xmlshapes"
    prefix = "/xmlshapes"
    auth = QueryKey("apikey", KEY)

    def declare_routes(self) -> tuple[Route, ...]:
        return (Route("GET", "/api/", self.clients, operation="list_clients"),)

    def operation_of(self, incoming: Incoming) -> str:
        return incoming.arg("service") or ""

    def error(self, incoming: Incoming, status: int, message: str) -> Reply:
        root = ElementTree.Element("result", status="FAIL")
        ElementTree.SubElement(ElementTree.SubElement(root, "error"), "message").text = message
        return Reply.xml(root, status)

    def reshaped(self, reply: Reply) -> Reply:
        return Reply.xml(ElementTree.Element("unexpected"))

    def clients(self, call: Call) -> Reply:
        root = ElementTree.Element("result", status="OK")
        items = ElementTree.SubElement(root, "items")
        for row in ROWS[:3]:
            client = ElementTree.SubElement(items, "client")
            ElementTree.SubElement(client, "clientid").text = str(row["id"])
            ElementTree.SubElement(client, "name").text = row["name"]
        return Reply.xml(root)


@pytest.fixture(scope="module")
def shapes() -> Iterator[SandboxServer]:
    world = sandbox.build_world(clients=20, seed=1)
    with SandboxServer(world, vendors={"shapes": Shapes(), "xmlshapes": XmlShapes()}).start() as server:
        server.set_rate_limit("shapes", 10_000, 10_000)
        yield server


@pytest.mark.parametrize("size", (1, 5, 23, 100))
@pytest.mark.parametrize("path", sorted(PAGERS))
def test_every_paging_style_serves_every_record_once_to_its_own_walker(shapes: SandboxServer, path: str,
                                                                      size: int) -> None:
    raw = Raw(shapes, "shapes")
    pager = PAGERS[path]
    size = min(size, getattr(pager, "maximum", size))
    assert raw.walk(path, pager, size) == ROWS


@pytest.mark.parametrize("path", ["/cursor", "/next"])
def test_a_cursor_the_vendor_never_issued_is_a_400(shapes: SandboxServer, path: str) -> None:
    raw = Raw(shapes, "shapes")
    assert raw.get(path, {"cursor": "bm9wZQ==", "paging": "bm9wZQ=="}).status_code == 400


def test_drop_pages_cuts_every_style(shapes: SandboxServer) -> None:
    raw = Raw(shapes, "shapes")
    shapes.faults.inject("shapes", "drop_pages", times=-1)
    try:
        assert all(len(raw.walk(path, pager, 2)) == 4 for path, pager in PAGERS.items())
    finally:
        shapes.faults.clear()


def rpc(shapes: SandboxServer, method: str, **headers: str) -> httpx.Response:
    return HTTP.post(shapes.base_url("shapes") + "/jsonrpc", headers=headers,
                     json={"jsonrpc": "2.0", "id": "r1", "method": method, "params": {"perPage": 2}})


def test_a_json_rpc_read_is_a_declared_post_and_other_methods_are_not_served(shapes: SandboxServer) -> None:
    shapes.requests.clear()
    read = rpc(shapes, "getItems", **{"X-Api-Key": KEY})
    assert read.status_code == 200 and read.json()["result"]["items"] == ROWS[:2]
    assert rpc(shapes, "getItems").status_code == 401
    assert rpc(shapes, "deleteItems", **{"X-Api-Key": KEY}).status_code == 404
    vendor = shapes.vendors["shapes"]
    routes = [(e.operation, vendor.route(e.method, e.path, e.operation)[0]) for e in shapes.requests.of("shapes")]
    assert [(operation, route is not None and route.reads) for operation, route in routes] == [
        ("getItems", True), ("getItems", True), ("deleteItems", False)]


def test_an_xml_api_takes_its_key_in_the_query_and_answers_in_xml(shapes: SandboxServer) -> None:
    url = shapes.base_url("xmlshapes") + "/api/"
    answer = HTTP.get(url, params={"apikey": KEY, "service": "list_clients"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/xml")
    root = ElementTree.fromstring(answer.content)
    assert root.get("status") == "OK" and [c.findtext("clientid") for c in root.iter("client")] == ["1", "2", "3"]
    refused = HTTP.get(url, params={"apikey": "wrong", "service": "list_clients"})
    assert refused.status_code == 401 and ElementTree.fromstring(refused.content).get("status") == "FAIL"
    assert HTTP.get(url, params={"apikey": KEY, "service": "delete_client"}).status_code == 404
    shapes.faults.inject("xmlshapes", "wrong_shape")
    assert ElementTree.fromstring(HTTP.get(url, params={"apikey": KEY, "service": "list_clients"}).content).tag == \
        "unexpected"
    shapes.faults.inject("xmlshapes", "bad_json")
    with pytest.raises(ElementTree.ParseError):
        ElementTree.fromstring(HTTP.get(url, params={"apikey": KEY, "service": "list_clients"}).content)
