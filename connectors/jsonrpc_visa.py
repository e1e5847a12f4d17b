"""JSON-RPC 2.0 reads behind a session visa (N-able Cove's `/jsonapi`): log in, carry the visa, keep the newest.

A vendor of this kind declares its `Login` and read methods with `rpc()` and subclasses `VisaRpc`:

    login = rpc("jsonapi", "Login")
    devices = rpc("jsonapi", "EnumerateAccountStatistics", query={"RecordsCount": 500})
    for device in self.rpc_items(self.devices, query={...}):
        ...

Every call POSTs `{"jsonrpc": "2.0", "id", "method", "params"}` (a declared method: the read-only
contract test allows exactly those, `Connector.read_posts`); only `params` is filled at run time.
Every call after the login carries the top-level `visa`; every answer may carry a newer one, which
is the one sent next. A visa is a credential: it is masked in every message like the password.

An answer with an `error` object (typically with HTTP 200) is raised in words: the error's message
and code, what the vendor's code means (`error_words`), and whether it is the credentials
(`refused_codes`), a permission (`forbidden_codes`), or the visa itself (`visa_codes`, or any
message naming the visa). A lost visa (idled out, corrupted; an error object or an HTTP 401) logs
in again, once per call.

Kept apart from GravityZone's API-key JSON-RPC layer (built alongside it) so the two can be
unified later: the envelope and its error words are the same idea, the visa is Cove's own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

import httpx

from connectors.base import Connector
from connectors.endpoints import Endpoint, Item
from connectors.errors import AuthFailed, BadResponse
from connectors.paging import Unpaged, dig

VERSION = "2.0"
REQUEST_ID = "jsonrpc"


def rpc(path: str, method: str, *, items_at: str | None = "result.result", **params: Any) -> Endpoint:
    """A declared JSON-RPC read: `method` POSTed to `path` with `params` (more are added per call)."""
    body = {"jsonrpc": VERSION, "id": REQUEST_ID, "method": method, "params": params}
    return Endpoint(path, method="POST", body=body, items_at=items_at, paging=Unpaged())


def with_params(body: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """A call's body with `params` added to (or replacing some of) the declared ones."""
    return {**body, "params": {**(body.get("params") or {}), **params}}


class VisaLost(AuthFailed):
    """The vendor no longer takes the visa (idled out, corrupted): log in again."""


def said(error: Any, words: Mapping[int, str]) -> str:
    """An error object in words: `Operation failed because of security reasons (error 13501: …)`."""
    if not isinstance(error, dict):
        return str(error or "an error without a message")[:200]
    message = str(error.get("message") or "").strip()[:200] or "an error without a message"
    code, data = error.get("code"), error.get("data")
    meaning = words.get(code) or (words.get(data) if isinstance(data, int) else None)
    detail = f"error {code}" + (f", data {data}" if isinstance(data, (int, str)) and data != "" else "")
    return f"{message} ({detail}{': ' + meaning if meaning else ''})"


class VisaRpc(Connector):
    """A connector whose reads are JSON-RPC calls carrying a visa from `Login`."""

    login: ClassVar[Endpoint]
    error_words: ClassVar[Mapping[int, str]] = {}
    refused_codes: ClassVar[frozenset[int]] = frozenset()  # wrong partner, user or password
    forbidden_codes: ClassVar[frozenset[int]] = frozenset()  # the user may not read it
    visa_codes: ClassVar[frozenset[int]] = frozenset()  # the visa itself was refused

    visa: str | None = None
    logged_in: Any = None  # the login's `result`

    def login_params(self) -> dict[str, Any]:
        """What `Login` sends, from the settings."""
        raise NotImplementedError

    def sign_in(self) -> Any:
        """Log in: the visa the answer carries is the one sent next; the login's `result` is returned."""
        self.visa = None
        body = self.http.json(self.login.path, method="POST", body=with_params(self.login.body or {},
                                                                                 self.login_params()))
        if not self.visa:
            raise BadResponse(f"{self.display_name}: {self.login.rpc_method} answered 200 without a visa", status=200)
        self.logged_in = dig(body, self.login.items_at) if self.login.items_at else body
        return self.logged_in

    def rpc_result(self, endpoint: Endpoint, **params: Any) -> Any:
        """The `result` of one call (at `items_at`), logging in first and once more if the visa was lost."""
        return self._called(endpoint, params, listed=False)

    def rpc_items(self, endpoint: Endpoint, **params: Any) -> list[Item]:
        """The list one call answers (at `items_at`), kept as `endpoint.keep` says."""
        return self._called(endpoint, params, listed=True)

    def _called(self, endpoint: Endpoint, params: Mapping[str, Any], *, listed: bool) -> Any:
        if self.visa is None:
            self.sign_in()
        for attempt in (1, 2):
            body = {**with_params(endpoint.body or {}, params), "visa": self.visa}
            try:
                if listed:
                    return list(self.items(endpoint, body=body))
                answer = self.http.json(endpoint.path, method="POST", body=body)
                return dig(answer, endpoint.items_at) if endpoint.items_at else answer
            except AuthFailed as refused:
                # a visa refused (an error object naming it, or a 401: its status is unconfirmed) logs in again,
                # once; a permission refusal (403) would only be refused again
                if attempt == 2 or refused.status != 401:
                    raise
                self.sign_in()
        raise AssertionError("unreachable")

    def check_response(self, response: httpx.Response, body: Any) -> None:
        """Keep the newest visa; raise an answer's `error` in words."""
        if not isinstance(body, dict):
            return
        visa = body.get("visa")
        if isinstance(visa, str) and visa:
            self.visa = visa
            if visa not in self.http.secrets:  # a visa is a credential: never in a message
                self.http.secrets = self.http.secrets + (visa,)
        error = body.get("error")
        if error is None:
            return
        words = said(error, self.error_words)
        method = self._method_of(response.request)
        where = f"{method} answered {response.status_code} with {words}"
        code = error.get("code") if isinstance(error, dict) else None
        data = error.get("data") if isinstance(error, dict) else None
        if method == (self.login.rpc_method or "Login") or code in self.refused_codes:
            raise AuthFailed(f"{where}: refused the credentials; check the partner name, user and password",
                             status=401)
        if code in self.visa_codes or data in self.visa_codes or "visa" in words.lower():
            raise VisaLost(f"{where}: refused the credentials (the session visa); check the user", status=401)
        if code in self.forbidden_codes:
            raise AuthFailed(f"{where}: refused the credentials for this read; check the API user's permissions",
                             status=403)
        raise BadResponse(f"{where}: the call failed", status=response.status_code)

    @staticmethod
    def _method_of(request: httpx.Request) -> str:
        """The JSON-RPC method a request called, for messages (never its params: they hold the password)."""
        try:
            sent = json.loads(request.content or b"{}")
        except ValueError:
            return "the call"
        return str(sent.get("method") or "the call")[:60] if isinstance(sent, dict) else "the call"
