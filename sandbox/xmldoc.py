"""XML answers written as an XML API writes them, and read back by test walkers.

    result("OK", items=("client", [{"clientid": "7", "name": "Acme"}]), cdata={"name"})
    → b'<?xml version="1.0" encoding="utf-8"?><result created="…" host="…" status="OK"><items>
         <client><clientid>7</clientid><name><![CDATA[Acme]]></name></client></items></result>'

ElementTree cannot write CDATA, and vendors wrap free text in it (N-sight's names and users), so a
client must read both forms: fields named in `cdata` are wrapped, the rest escaped.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Collection, Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

CONTENT_TYPE = "text/xml; charset=utf-8"
Row = Mapping[str, str]


def result(status: str, *, attributes: Mapping[str, str] | None = None, items: tuple[str, Sequence[Row]] | None = None,
           error: Row | None = None, cdata: Collection[str] = ()) -> bytes:
    """A `<result status=…>` document holding `<items>` of `items[0]` elements, or an `<error>`."""
    attrs = "".join(f" {name}={quoteattr(value)}" for name, value in {**(attributes or {}), "status": status}.items())
    parts = ['<?xml version="1.0" encoding="utf-8"?>', f"<result{attrs}>"]
    if items is not None:
        tag, rows = items
        written = "".join(_element(tag, row, cdata) for row in rows)
        parts.append(f"<items>{written}</items>" if written else "<items/>")
    if error is not None:
        parts.append(_element("error", error, cdata))
    parts.append("</result>")
    return "".join(parts).encode("utf-8")


def records(body: bytes, item: str) -> list[dict[str, str]]:
    """Every `item` element of a document, as {child tag: text} (the test walkers' reading)."""
    root = ElementTree.fromstring(body)
    return [{child.tag: child.text or "" for child in found} for found in root.iter(item)]


def _element(tag: str, row: Row, cdata: Collection[str]) -> str:
    inner = "".join(f"<{key}>{_text(value, key in cdata)}</{key}>" if value != "" or key in cdata else f"<{key}/>"
                    for key, value in row.items())
    return f"<{tag}>{inner}</{tag}>"


def _text(value: str, wrapped: bool) -> str:
    # "]]>" cannot sit inside one CDATA section: split it across two
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>" if wrapped else escape(value)
