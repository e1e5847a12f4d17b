"""Raw HTTP calls to the fake vendors, authenticated as each vendor documents, for tests that look
at status codes, headers and bodies rather than at what a connector makes of them."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from sandbox import SandboxServer, connectwise, ninjaone, pax8

CW_ACCEPT = connectwise.MEDIA_TYPE
# one kept-alive client for every raw call: a new httpx client per call costs ~25 ms
HTTP = httpx.Client(timeout=5.0)


def cw_headers(**overrides: str) -> dict[str, str]:
    pair = f"{connectwise.COMPANY_ID}+{connectwise.PUBLIC_KEY}:{connectwise.PRIVATE_KEY}"
    headers = {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode(),
               "clientId": connectwise.CLIENT_ID, "Accept": CW_ACCEPT}
    headers.update(overrides)
    return headers


def ninja_token(server: SandboxServer, **form: str) -> httpx.Response:
    fields = {"grant_type": "client_credentials", "client_id": ninjaone.CLIENT_ID,
              "client_secret": ninjaone.CLIENT_SECRET, "scope": "monitoring"} | form
    return HTTP.post(server.base_url("ninjaone") + "/ws/oauth/token", data=fields)


def pax8_token(server: SandboxServer, **fields: str) -> httpx.Response:
    body = {"client_id": pax8.CLIENT_ID, "client_secret": pax8.CLIENT_SECRET, "audience": pax8.AUDIENCE,
            "grant_type": "client_credentials"} | fields
    return HTTP.post(server.base_url("pax8") + "/token", json=body)


class Raw:
    """GETs under one vendor's API base, with valid credentials unless told otherwise."""

    def __init__(self, server: SandboxServer, kind: str) -> None:
        self.server, self.kind = server, kind
        self.base = server.base_url(kind)
        self._bearer: str | None = None

    def headers(self) -> dict[str, str]:
        if self.kind == "connectwise":
            return cw_headers()
        if self._bearer is None:
            answer = ninja_token(self.server) if self.kind == "ninjaone" else pax8_token(self.server)
            self._bearer = answer.json()["access_token"]
        return {"Authorization": f"Bearer {self._bearer}"}

    def get(self, path: str, params: dict[str, Any] | None = None, *, timeout: float = 5.0,
            headers: dict[str, str] | None = None) -> httpx.Response:
        return HTTP.get(self.base + path, params=params, headers=headers or self.headers(), timeout=timeout)

    def follow(self, url: str) -> httpx.Response:
        """GET an absolute URL the vendor handed out (a `Link` header's)."""
        return HTTP.get(url, headers=self.headers())

    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return HTTP.request(method, self.base + path, headers=self.headers(), **kwargs)
