"""Reading an XML API's answers safely, into the same plain values a JSON answer decodes to.

    parse(b'<result status="OK"><items><client><clientid>7</clientid></client></items></result>')
    → {"status": "OK", "items": [{"clientid": "7"}]}

The parser is `defusedxml`'s: a document that declares entities (the "billion laughs") or refers
to an external entity or DTD is refused, never expanded or fetched. The prolog's encoding
(ISO-8859-1 as often as UTF-8) is honoured, and CDATA reads as the text it holds.

Shape rules, so a connector's declared `items_at` and `read.require` work unchanged:
- an element's attributes and children become keys; a leaf's text is its value ("" when empty);
- `<items>` (the list element, see `LISTS`) is always a list, of one item or of none (`<items/>`);
- any other child element repeated under one parent becomes a list of its values.
Every value is text, as the vendor sent it; numbers are read by `connectors.parse`.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeTree
from defusedxml import DefusedXmlException

LISTS = frozenset({"items"})


class NotXml(ValueError):
    """The body is not a well-formed XML document, or one the safe parser refuses."""


def parse(body: bytes | str, lists: frozenset[str] = LISTS) -> dict[str, Any]:
    """The document's root element as a dict (see the module's shape rules); `NotXml` when unreadable."""
    try:
        root = SafeTree.fromstring(body.encode() if isinstance(body, str) else body)
    except ParseError as error:
        # ParseError's own words: "mismatched tag: line 3, column 2", "no element found: …"
        raise NotXml(f"is not XML: {error}") from None
    except DefusedXmlException as error:
        raise NotXml(f"is XML that declares entities or external references, which are never read "
                     f"({type(error).__name__})") from None
    value = element(root, lists)
    return value if isinstance(value, dict) else {"": value}


def element(node: Element, lists: frozenset[str] = LISTS) -> Any:
    """One element as a value: a dict of its attributes and children, or a leaf's text."""
    children = list(node)
    if not children and not node.attrib:
        return [] if node.tag in lists else (node.text or "").strip()
    if node.tag in lists:
        return [element(child, lists) for child in children]
    value: dict[str, Any] = dict(node.attrib)
    for child in children:
        read = element(child, lists)
        if child.tag in value and child.tag not in node.attrib:
            earlier = value[child.tag]
            value[child.tag] = (earlier if isinstance(earlier, _Repeated) else _Repeated([earlier])) + [read]
        else:
            value[child.tag] = read
    if not children and (node.text or "").strip():
        value[""] = node.text.strip()
    return {key: list(v) if isinstance(v, _Repeated) else v for key, v in value.items()}


class _Repeated(list):
    """Values of a child element met more than once (told apart from a value that is itself a list)."""

    def __add__(self, other: list[Any]) -> _Repeated:  # type: ignore[override]
        return _Repeated(list(self) + other)
