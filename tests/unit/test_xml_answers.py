"""An XML API's answers, read by the shared client: safely (no entity is ever expanded, no external
reference fetched), in the prolog's encoding, CDATA as text, one item still a list; and a key that
travels in the query string never shows in an error or a log line."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import pytest

from connectors import xml
from connectors.auth import ApiKeyQuery
from connectors.errors import BadResponse, VendorUnavailable
from connectors.http import XML_BODY, HttpPolicy, VendorClient
from connectors.paging import Unpaged
from tests.scripted import ScriptedServer

KEY = "nsight-query-key-7Hq2Lm"
POLICY = HttpPolicy(timeout=1.0, attempts=2, backoff_initial=0.01, backoff_max=0.02, requests_per_second=0)
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><result>&lol2;</result>')
EXTERNAL = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<result status="OK"><items><client><name>&x;</name></client></items></result>')


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as running:
        yield running


@contextlib.contextmanager
def client(server: ScriptedServer) -> Iterator[VendorClient]:
    reader = VendorClient("Acme XML", server.url, auth=ApiKeyQuery("apikey").build({"api_key": KEY}, server.url),
                        secrets=[KEY], policy=POLICY, sleep=lambda seconds: None, body_format=XML_BODY)
    try:
        yield reader
    finally:
        reader.close()


def test_one_item_is_still_a_list_and_none_is_an_empty_one() -> None:
    one = xml.parse(b'<result status="OK"><items><client><clientid>12</clientid></client></items></result>')
    assert one == {"status": "OK", "items": [{"clientid": "12"}]}
    assert xml.parse(b'<result status="OK"><items/></result>')["items"] == []


def test_cdata_reads_as_its_text_and_the_prologs_encoding_is_honoured() -> None:
    body = ('<?xml version="1.0" encoding="ISO-8859-1"?><result status="OK"><items><client>'
            '<name><![CDATA[Café Müller & Söhne <GmbH>]]></name><dashboard_username><![CDATA[]]></dashboard_username>'
            '</client></items></result>').encode("iso-8859-1")
    assert xml.parse(body)["items"] == [{"name": "Café Müller & Söhne <GmbH>", "dashboard_username": ""}]


def test_a_repeated_child_is_a_list_of_its_values() -> None:
    assert xml.parse(b"<result><error><m>a</m><m>b</m></error></result>") == {"error": {"m": ["a", "b"]}}


@pytest.mark.parametrize("body", [LAUGHS, EXTERNAL], ids=["entity expansion", "external entity"])
def test_entities_are_refused_never_expanded_or_fetched(body: bytes) -> None:
    with pytest.raises(xml.NotXml, match="declares entities or external references"):
        xml.parse(body)


def test_the_client_reads_xml_and_sends_the_key_as_the_query_parameter(server: ScriptedServer) -> None:
    server.answer("/api/", raw=b'<result status="OK"><items><client><clientid>3</clientid></client></items></result>')
    with client(server) as reader:
        assert list(reader.items("api/", {"service": "list_clients"}, paging=Unpaged(), items_at="items")) == [
            {"clientid": "3"}]
    assert server.requests[0].query == {"service": "list_clients", "apikey": KEY}


def test_a_cut_document_is_a_bad_response_that_quotes_no_record(server: ScriptedServer) -> None:
    server.answer("/api/", raw=b'<result status="OK"><items><client><name>Acme Secret Projects</na')
    with client(server) as reader, pytest.raises(BadResponse) as caught:
        reader.json("api/", {"service": "list_clients"})
    assert "is not XML: unclosed token" in caught.value.message and "Acme Secret" not in caught.value.message


def test_the_query_key_is_in_no_error_and_no_log_line_even_on_faults(server: ScriptedServer,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server.answer("/api/", 503, raw=f"<result><error><message>key {KEY} is busy</message></error></result>".encode())
    with client(server) as reader, pytest.raises(VendorUnavailable) as caught:
        reader.json("api/", {"service": "list_clients"})
    assert "503" in caught.value.message and "kept failing" in caught.value.message
    assert len(server.requests) == 2 and all(seen.query["apikey"] == KEY for seen in server.requests)
    assert KEY not in caught.value.message and KEY not in caplog.text and "apikey=" not in caplog.text
    assert caplog.records, "httpx and the client logged the requests"


# httpx logs at INFO with the URL, query string included: the filter on its logger drops it
def test_httpx_request_log_lines_carry_no_query_string(server: ScriptedServer, caplog) -> None:
    caplog.set_level(logging.INFO, logger="httpx")
    server.answer("/api/", raw=b'<result status="OK"><items/></result>')
    with client(server) as reader:
        reader.json("api/", {"service": "list_clients"})
    lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert lines and all(KEY not in line and "?" not in line for line in lines)
