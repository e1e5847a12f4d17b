"""JSON-RPC reads behind a session visa (N-able Cove's `/jsonapi`), on the shared `connectors.jsonrpc` layer.

A vendor of this kind declares its `Login` and read methods with `jsonrpc.call()` and subclasses `VisaRpc`:

    login = call("jsonapi", "Login", items_at="result.result")
    devices = call("jsonapi", "EnumerateAccountStatistics", items_at="result.result", paging=RecordRange())
    for device in self.visa_items(self.devices, query={...}):
        ...

`Login` (its params from `login_params()`) answers a visa; every later call carries the newest one
at the top level of its body, and every answer may bring a newer one, which is the one sent next
(within a paged list too: `RecordRange` takes it from each page). A visa is a credential: it is
masked in every message like the password.

An answer with an `error` object (typically with HTTP 200) is raised in words, with what the
vendor's own code means (`error_words`): a refused `Login` or a `refused_codes` code is the
credentials, a `forbidden_codes` code a permission (403, not retried), a `visa_codes` code or any
message naming the visa the visa itself. A visa refused (that error, or an HTTP 401) logs in again,
once per call; a list refused mid-way is read again from its first page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx

from connectors.endpoints import Endpoint, Item
from connectors.errors import AuthFailed, BadResponse
from connectors.jsonrpc import JsonRpc, _method_of, said, with_params
from connectors.paging import dig


@dataclass(frozen=True)
class RecordRange:
    """Cove's record range in `params.query`: `StartRecordNumber` (from 0) and `RecordsCount`; a short
    page is the last. Each next page carries the visa the last answer gave."""

    size: int = 500
    start: str = "StartRecordNumber"
    count: str = "RecordsCount"
    within: str = "query"

    def first(self, url: httpx.URL) -> httpx.URL:
        return url

    def next_url(self, response: httpx.Response, body: Any, items: list[Any]) -> httpx.URL | None:
        return None

    def first_body(self, body: Mapping[str, Any] | None) -> dict[str, Any]:
        return self._at(body or {}, 0)

    def next_body(self, sent: Mapping[str, Any], body: Any, items: list[Any]) -> dict[str, Any] | None:
        if len(items) < self.size:
            return None
        following = self._at(sent, int(sent["params"][self.within][self.start]) + self.size)
        visa = body.get("visa") if isinstance(body, dict) else None
        return {**following, "visa": visa} if isinstance(visa, str) and visa else following

    def _at(self, body: Mapping[str, Any], start: int) -> dict[str, Any]:
        query = dict((body.get("params") or {}).get(self.within) or {})
        return with_params(body, {self.within: {**query, self.start: start, self.count: self.size}})


class VisaLost(AuthFailed):
    """The vendor no longer takes the visa (idled out, corrupted): log in again."""


class VisaRpc(JsonRpc):
    """A connector whose reads are JSON-RPC calls carrying a visa from `Login`."""

    login: ClassVar[Endpoint]
    error_words: ClassVar[Mapping[int, str]] = {}  # the vendor's own error codes (or `data`) in words
    refused_codes: ClassVar[frozenset[int]] = frozenset()  # wrong partner, user or password
    forbidden_codes: ClassVar[frozenset[int]] = frozenset()  # the user may not read it
    visa_codes: ClassVar[frozenset[int]] = frozenset()  # the visa itself was refused

    visa: str | None = None
    logged_in: Any = None  # the login's result

    def login_params(self) -> dict[str, Any]:
        """What `Login` sends, from the settings."""
        raise NotImplementedError

    def sign_in(self) -> Any:
        """Log in: the visa its answer carries is the one sent next; the login's result is returned."""
        self.visa = None
        body = self.one(self.login, body=with_params(self.login.body or {}, self.login_params()))
        if not self.visa:
            raise BadResponse(f"{self.display_name}: {self.login.rpc_method} answered 200 without a visa", status=200)
        self.logged_in = dig(body, self.login.items_at) if self.login.items_at else body
        return self.logged_in

    def visa_items(self, endpoint: Endpoint, **params: Any) -> list[Item]:
        """Every item a declared list call gives (all its pages), logging in first and once more on a lost visa."""
        if self.visa is None:
            self.sign_in()
        for attempt in (1, 2):
            try:
                return list(self.items(endpoint, body={**with_params(endpoint.body or {}, params), "visa": self.visa}))
            except AuthFailed as refused:
                # a refused visa (an error naming it, or a 401: its status is unconfirmed) logs in again, once;
                # a permission refusal (403) would only be refused again
                if attempt == 2 or refused.status != 401:
                    raise
                self.sign_in()
        raise AssertionError("unreachable")

    def check_response(self, response: httpx.Response, body: Any) -> None:
        """Keep the newest visa; raise an answer's `error` in words, by what it refuses."""
        if not isinstance(body, dict):
            super().check_response(response, body)
            return
        visa = body.get("visa")
        if isinstance(visa, str) and visa:
            self.visa = visa
            if visa not in self.http.secrets:  # a visa is a credential: never in a message
                self.http.secrets = self.http.secrets + (visa,)
        error = body.get("error")
        if error is None:
            super().check_response(response, body)
            return
        code = error.get("code") if isinstance(error, dict) else None
        data = error.get("data") if isinstance(error, dict) else None
        meaning = self.error_words.get(code) or self.error_words.get(data)  # type: ignore[arg-type]
        method = _method_of(response.request) or "the call"
        where = f"{method} answered {response.status_code} with {said(error)}" + (f": {meaning}" if meaning else "")
        if method == self.login.rpc_method or code in self.refused_codes:
            raise AuthFailed(f"{where}: refused the credentials; check the partner name, user and password",
                             status=401)
        if code in self.visa_codes or data in self.visa_codes or "visa" in said(error).lower():
            raise VisaLost(f"{where}: refused the credentials (the session visa)", status=401)
        if code in self.forbidden_codes:
            raise AuthFailed(f"{where}: refused the credentials for this read; check the API user's permissions",
                             status=403)
        raise BadResponse(f"{where}: the call failed", status=response.status_code)
