"""The shared visa-chained JSON-RPC pieces: record-range paging that carries each answer's visa, and the
sandbox's side of it (a visa required, a range required)."""

from __future__ import annotations

import json

import httpx
import pytest

from connectors.jsonrpc import call
from connectors.jsonrpc_visa import RecordRange
from sandbox.jsonrpc_visa import RecordRange as ServedRange
from sandbox.jsonrpc_visa import VisaAuth
from sandbox.routing import BadQuery, Call, Incoming
from sandbox.tokens import TokenIssuer

LIST = call("jsonapi", "EnumerateAccountStatistics", query={"PartnerId": 1, "Columns": ["I1"]})


def incoming(body: dict) -> Incoming:
    return Incoming("POST", "/jsonapi", {}, {}, json.dumps(body).encode(), "http://127.0.0.1", "/cove")


def test_the_range_starts_at_zero_keeps_the_query_and_moves_on_with_the_newest_visa() -> None:
    paging = RecordRange(size=2)
    first = paging.first_body({**LIST.body, "visa": "v1"})
    assert first["params"]["query"] == {"PartnerId": 1, "Columns": ["I1"], "StartRecordNumber": 0, "RecordsCount": 2}
    following = paging.next_body(first, {"visa": "v2", "result": {"result": [1, 2]}}, [1, 2])
    assert following["params"]["query"]["StartRecordNumber"] == 2 and following["visa"] == "v2"
    assert paging.next_body(following, {"visa": "v3"}, [3]) is None  # a short page is the last


def test_an_answer_without_a_visa_keeps_the_one_sent() -> None:
    paging = RecordRange(size=1)
    first = paging.first_body({**LIST.body, "visa": "v1"})
    assert paging.next_body(first, {"result": {"result": [1]}}, [1])["visa"] == "v1"


def test_the_sandbox_wants_a_live_visa_and_a_record_range() -> None:
    visas = TokenIssuer("cove", 900)
    auth = VisaAuth(visas)
    assert auth.refusal(incoming({"method": "EnumeratePartners"}), None) == "no valid visa"
    good = visas.issue()
    assert auth.refusal(incoming({"method": "EnumeratePartners", "visa": good}), None) is None
    visas.advance(901)
    assert auth.refusal(incoming({"method": "EnumeratePartners", "visa": good}), None) == "no valid visa"
    bare = Call(incoming({"params": {}}), {}, None, None)  # type: ignore[arg-type]
    with pytest.raises(BadQuery):
        ServedRange().serve([1, 2, 3], bare)
    query = {"StartRecordNumber": 1, "RecordsCount": 1}
    ranged = Call(incoming({"params": {"query": query}}), {}, None, None)  # type: ignore[arg-type]
    assert ServedRange().serve([1, 2, 3], ranged)[0] == [2]


def test_a_raw_request_is_signed_with_a_visa_in_its_body() -> None:
    visas = TokenIssuer("cove", 900)
    request = httpx.Request("POST", "http://127.0.0.1/cove/jsonapi", json={"method": "EnumeratePartners"})
    VisaAuth(visas).sign(request, lambda: "unused")
    assert visas.valid(json.loads(request.content)["visa"])
