"""XML answers as the fakes write them: free text in CDATA (even text holding `]]>`), the rest escaped,
an empty list as `<items/>`, and read back by the walkers as the records that went in."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from sandbox import xmldoc


def test_what_is_written_reads_back_as_the_records_that_went_in() -> None:
    rows = [{"clientid": "7", "name": "Smith & Sons <Ltd> ]]> odd"}, {"clientid": "8", "name": ""}]
    body = xmldoc.result("OK", attributes={"host": "h"}, items=("client", rows), cdata={"name"})
    assert b"<name><![CDATA[Smith & Sons <Ltd> ]]]]><![CDATA[> odd]]></name>" in body
    assert xmldoc.records(body, "client") == rows
    root = ElementTree.fromstring(body)
    assert (root.tag, root.get("status"), root.get("host")) == ("result", "OK", "h")


def test_escaped_text_an_empty_list_and_an_error() -> None:
    assert xmldoc.records(xmldoc.result("OK", items=("site", [{"name": "A&B"}])), "site") == [{"name": "A&B"}]
    assert b"<items/>" in xmldoc.result("OK", items=("site", []))
    failed = ElementTree.fromstring(xmldoc.result("FAIL", error={"errorcode": "3", "message": "no"}, cdata={"message"}))
    assert (failed.get("status"), failed.findtext("error/errorcode"), failed.findtext("error/message")) == (
        "FAIL", "3", "no")
