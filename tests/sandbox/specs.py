"""The vendors' own OpenAPI documents, loaded once, and a check that a sandbox answer fits them.

Each fake lives under a prefix of ours (`/connectwise`, `/ninjaone`, `/pax8`); the request is
replayed against the spec's own server with that prefix stripped. Two quirks of the stored specs:
ConnectWise's subset declares only its versioned media type and dropped every non-2xx response,
so its errors are checked against the documented `{code, message, errors[]}` shape instead; the
NinjaOne subset has `"servers": null`, which the spec validator refuses, so it is dropped.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator

from tests.shared import SHARED

SPECS = SHARED / "vendor-specs"

# https://developer.connectwise.com error model (ErrorResponseMessage / ValidationError)
CONNECTWISE_ERROR = {
    "type": "object", "required": ["code", "message"],
    "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["code", "message"],
            "properties": {k: {"type": "string"} for k in ("code", "message", "resource", "field", "details")}}},
    },
}
# vendor-apis/ninjaone.md: non-OAuth errors, and the OAuth token endpoint's errors
NINJAONE_ERROR = {"type": "object", "required": ["resultCode", "errorMessage"],
                  "properties": {"resultCode": {"const": "FAILURE"}, "errorMessage": {"type": "string"},
                                 "incidentId": {"type": "string"}}}
OAUTH_ERROR = {"type": "object", "required": ["error", "error_description"],
               "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
               "additionalProperties": False}
NINJAONE_TOKEN = {"type": "object", "required": ["access_token", "token_type", "expires_in", "scope"],
                  "properties": {"access_token": {"type": "string"}, "token_type": {"const": "Bearer"},
                                 "expires_in": {"type": "integer"}, "scope": {"const": "monitoring"}}}
CONNECTWISE_SYSTEM_INFO = {"type": "object", "required": ["version", "isCloud", "serverTimeZone"],
                           "properties": {"version": {"type": "string"}, "isCloud": {"type": "boolean"}}}
CONNECTWISE_COMPANY_INFO = {"type": "object", "required": ["CompanyName", "Codebase", "VersionCode", "VersionNumber",
                                                           "CompanyID", "IsCloud", "SiteUrl"]}

SERVERS = {  # vendor → (the spec's host, the path our prefix stands for)
    "connectwise": ("https://na.myconnectwise.net", "/connectwise"),
    "ninjaone": ("https://app.ninjarmm.com", "/ninjaone"),
    "pax8": ("https://api.pax8.com", "/pax8"),
}


@functools.cache
def openapi(name: str) -> OpenAPI:
    """`connectwise`, `ninjaone`, `pax8` or `pax8-auth`, as openapi-core objects."""
    if name == "connectwise":
        spec = json.loads((SPECS / "connectwise-psa/manage-openapi-subset.json").read_text())
        # ConnectWise's versioned media type is JSON; openapi-core only knows plain application/json
        deserialise = {"application/vnd.connectwise.com+json": lambda body, **_: json.loads(body)}
        return OpenAPI.from_dict(spec, config=Config(extra_media_type_deserializers=deserialise))
    if name == "ninjaone":
        spec = json.loads((SPECS / "ninjaone/ninjaone-v2-subset.json").read_text())
        spec.pop("servers", None)
        return OpenAPI.from_dict(spec)
    file = {"pax8": "partner-endpoints-openapi.json", "pax8-auth": "authentication-openapi.json"}[name]
    return OpenAPI.from_dict(json.loads((SPECS / "pax8" / file).read_text()))


def validate(vendor: str, response: httpx.Response, *, spec: str | None = None) -> None:
    """Raise unless `response` is what the vendor's OpenAPI document allows for its request."""
    host, prefix = SERVERS[vendor]
    request = response.request
    assert request.url.path.startswith(prefix), request.url.path
    path = request.url.path[len(prefix):] if vendor != "ninjaone" else request.url.path[len(prefix):] or "/"
    mock_request = MockRequest(host, request.method.lower(), path,
                               args=dict(request.url.params.multi_items()), headers=dict(request.headers))
    mock_response = MockResponse(response.content, response.status_code, headers=dict(response.headers),
                                 content_type=response.headers.get("content-type", ""))
    openapi(spec or vendor).validate_response(mock_request, mock_response)


def validate_shape(body: Any, schema: dict[str, Any]) -> None:
    """Raise unless `body` fits a documented shape (JSON Schema)."""
    Draft202012Validator(schema).validate(body)


def validate_component(body: Any, spec: str, component: str) -> None:
    """Raise unless `body` fits one of a spec's component schemas (for statuses the spec leaves out)."""
    document = json.loads((SPECS / "pax8" / "partner-endpoints-openapi.json").read_text()) if spec == "pax8" else None
    assert document is not None, f"no component schemas loaded for {spec}"
    schema = {"$ref": f"#/components/schemas/{component}", "components": document["components"]}
    OAS30Validator(schema).validate(body)
