"""The vendors' own OpenAPI documents (each fake's `spec`), loaded once, and a check that an answer fits.

The request is replayed against the spec's own server with the fake's prefix stripped. Two
things the stored documents need, whatever the vendor: a vendor media type such as
`application/vnd.connectwise.com+json` is JSON (openapi-core only knows plain
`application/json`), and plain JSON answers where the document names only the vendor type; and
`"servers": null` (NinjaOne's subset) and an apiKey scheme's stray `scheme` (Syncro's), which the
validator refuses, are dropped, and a string parameter's `false` default is spelled as a string.
A vendor whose API is split over several documents is validated by the one that describes the path.
A document that names no server at all (Sherweb's Service Provider API) is given the one its
`Spec.roots` declares.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

import httpx
import yaml
from jsonschema import Draft202012Validator
from openapi_core import Config, OpenAPI
from openapi_core.templating.paths.exceptions import PathNotFound
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator

from sandbox import VENDORS
from sandbox.requestlog import Exchange
from tests.shared import SHARED

SPECS = SHARED / "vendor-specs"


@functools.cache
def document(file: str, server: str | None = None) -> dict[str, Any]:
    """A document as the validator takes it; `server` stands in where the document names none."""
    text = (SPECS / file).read_text(encoding="utf-8")
    spec = yaml.safe_load(text) if file.endswith((".yaml", ".yml")) else json.loads(text)
    if spec.get("servers", []) is None:
        spec.pop("servers")
    for scheme in spec.get("components", {}).get("securitySchemes", {}).values():
        if scheme.get("type") == "apiKey":
            scheme.pop("scheme", None)  # Syncro's apiKey scheme also names `scheme: bearer`, which OpenAPI refuses
    _string_defaults(spec)
    if server is not None and not spec.get("servers"):
        spec["servers"] = [{"url": server}]
    _plain_json_too(spec)
    return spec


@functools.cache
def openapi(file: str, server: str | None = None) -> OpenAPI:
    spec = document(file, server)
    vendor_types = {media.split(";")[0] for media in _media_types(spec) if "+json" in media}
    deserialise = {media: (lambda body, **_: json.loads(body)) for media in vendor_types}
    return OpenAPI.from_dict(spec, config=Config(extra_media_type_deserializers=deserialise))


def validate(kind: str, response: httpx.Response) -> None:
    """Raise unless `response` is what the vendor's OpenAPI documents allow for its request."""
    request = response.request
    prefix = VENDORS[kind].prefix
    assert request.url.path.startswith(prefix), request.url.path
    replay(kind, request.method, request.url.path[len(prefix):], dict(request.url.params.multi_items()),
           dict(request.headers), response.status_code, dict(response.headers), response.content)


def validate_exchange(exchange: Exchange) -> bool:
    """Validate one answer the sandbox gave; False when no document of the vendor describes its path."""
    try:
        replay(exchange.vendor, exchange.method, exchange.path, {k: v[0] for k, v in exchange.query.items()},
               dict(exchange.headers), exchange.status, {"content-type": exchange.content_type, **exchange.reply_headers},
               exchange.body)
    except PathNotFound:
        return False
    return True


def replay(kind: str, method: str, path: str, args: Mapping[str, str], headers: Mapping[str, str], status: int,
           reply_headers: Mapping[str, str], body: bytes) -> None:
    spec = VENDORS[kind].spec
    assert spec is not None, f"{kind} declares no spec"
    request = MockRequest(spec.server, method.lower(), path or "/", args=dict(args), headers=dict(headers))
    content_type = next((v for k, v in reply_headers.items() if k.lower() == "content-type"), "")
    response = MockResponse(body, status, headers=dict(reply_headers), content_type=content_type)
    problem: Exception | None = None
    roots = dict(spec.roots)
    for file in spec.files:
        try:
            openapi(file, spec.server + roots[file] if file in roots else None).validate_response(request, response)
            return
        except PathNotFound as missing:
            problem = missing
    raise problem or AssertionError("no spec file")


def validate_shape(body: Any, schema: dict[str, Any]) -> None:
    """Raise unless `body` fits a documented shape (JSON Schema)."""
    Draft202012Validator(schema).validate(body)


def validate_component(body: Any, file: str, component: str) -> None:
    """Raise unless `body` fits one of a spec's component schemas (for statuses the spec leaves out)."""
    schema = {"$ref": f"#/components/schemas/{component}", "components": document(file)["components"]}
    OAS30Validator(schema).validate(body)


def _plain_json_too(node: Any) -> None:
    """Where a document names only a vendor JSON type, plain JSON (what a client asking for
    `application/json` gets) has the same schema."""
    if isinstance(node, dict):
        content = node.get("content")
        if isinstance(content, dict) and "application/json" not in content:
            vendor = next((media for media in content if "+json" in media), None)
            if vendor is not None:
                content["application/json"] = content[vendor]
        for value in node.values():
            _plain_json_too(value)
    elif isinstance(node, list):
        for item in node:
            _plain_json_too(item)


def _string_defaults(node: Any) -> None:
    """`{"type": "string", "default": false}` (Syncro's `include_disabled`) as the string it stands for."""
    if isinstance(node, dict):
        if node.get("type") == "string" and isinstance(node.get("default"), bool):
            node["default"] = str(node["default"]).lower()
        for value in node.values():
            _string_defaults(value)
    elif isinstance(node, list):
        for item in node:
            _string_defaults(item)


def _media_types(node: Any) -> set[str]:
    """Every media type a document names under a `content` key."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "content" and isinstance(value, dict):
                found |= set(value)
            found |= _media_types(value)
    elif isinstance(node, list):
        for item in node:
            found |= _media_types(item)
    return found
