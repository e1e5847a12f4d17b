"""The one HTTP client every connector uses: timeouts, retries, pace, paging and redaction.

Policy lives here, named, so a reader finds it in one place:

- every request runs under `HttpPolicy`'s connect and read timeouts and a total deadline
  (`connectors.deadline`), the OAuth token request included, so no vendor can hold a worker;
- `RETRY_STATUSES` (429 and the 5xx a retry can cure) and connection errors / timeouts are
  retried up to `HttpPolicy.attempts` times; a host name that does not resolve is not;
- a `Retry-After` header (seconds or an HTTP date) is honoured, capped at `MAX_WAIT`;
  a 429 without one waits out the vendor's window where its `RateLimit` says it resets on a clock;
  otherwise exponential backoff with jitter;
- every request first waits on the integration's `RateLimiter`;
- `items()` is the single page loop: it stops on an empty page, refuses a page URL it has
  already fetched (a cursor that does not move) and stops at `HttpPolicy.max_pages`;
- every message that leaves this module is one line and redacted: no query strings, no
  header values, no secret in any of its forms; a vendor's words are quoted only from an
  error answer, masked first and then cut to a short excerpt, so no record is ever pasted.

Only reads: `get`, `json` and `items`. There is deliberately no write method. A vendor whose
documented reads are POSTs (Autotask's `/query` calls, a JSON-RPC `get…` method) passes
`method="POST"` and the body to `json` / `items`; that method and body come only from a
connector's declared `Endpoint` (`base.Connector.items / one`), which is what the read-only
contract test checks the vendor's log against. `READ_METHODS` is the whole list.
"""

from __future__ import annotations

import dataclasses
import email.utils
import json
import logging
import socket
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import tenacity

from connectors import xml
from connectors.deadline import DeadlineTransport
from connectors.errors import AuthFailed, BadResponse, ConnectorError, RateLimited, VendorUnavailable
from connectors.paging import Paginator, dig
from connectors.ratelimit import RateLimit, RateLimiter
from connectors.redact import RedactingFilter, excerpt, redact

log = logging.getLogger(__name__)
# httpx logs every request URL at INFO, query string included; vendors put keys there.
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).addFilter(RedactingFilter(()))

READ_METHODS = frozenset({"GET", "POST"})  # a POST only as a declared read (see the module docstring)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_WAIT = 60.0  # seconds: the longest we sleep on one Retry-After before trying again
AUTH_STATUSES = frozenset({401, 403})
# getaddrinfo's answers for "no such name" (not "the resolver did not answer", which may pass)
NO_SUCH_NAME = frozenset(code for code in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", None)) if code)
# OAuth token endpoints refuse credentials with a 400 and one of these (RFC 6749 §5.2)
OAUTH_REFUSALS = frozenset({"invalid_client", "unauthorized_client", "invalid_grant", "invalid_scope",
                            "access_denied"})


@dataclass(frozen=True)
class HttpPolicy:
    """How patient a connector is. Tests pass a quick one; production uses the defaults.

    `timeout` bounds each wait for the vendor (one read or write), `connect_timeout` the
    connection, and `total_timeout` one request from connecting to the body's last byte, so a
    vendor trickling bytes cannot hold a sync either. Each attempt has its own limits.
    """

    timeout: float = 30.0
    connect_timeout: float = 10.0
    total_timeout: float = 120.0
    attempts: int = 5
    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    max_wait: float = MAX_WAIT
    # the default pace; a connector that declares its vendor's documented `RateLimit` paces at
    # that instead, unless `vendor_limits` is off (the demo's sandbox answers at once) or the
    # pace is 0 (tests: no pacing at all)
    requests_per_second: float = 10.0
    burst: int = 10
    vendor_limits: bool = True
    max_pages: int = 10_000
    # seconds to wait on a 429 without Retry-After (from the connector's `RateLimit`); None: back off as usual
    rate_limited_wait: float | None = None


DEFAULT_POLICY = HttpPolicy()


def paced_for(policy: HttpPolicy, limit: RateLimit | None) -> HttpPolicy:
    """`policy` with its pace set to the vendor's documented `limit`, where it has one and may.

    A limit whose window resets on a clock (`RateLimit.wait_out_window`) also has a 429 that names
    no `Retry-After` wait out one window, whatever the pace: a short backoff would only hit it again.
    """
    if limit is None:
        return policy
    if limit.wait_out_window and policy.rate_limited_wait is None:
        policy = dataclasses.replace(policy, rate_limited_wait=limit.per_seconds)
    if not policy.vendor_limits or policy.requests_per_second <= 0:
        return policy
    # the vendor allows a whole window's requests at once, so a sync smaller than one window is not
    # slowed, and a larger one takes the least time the limit allows (what bench/sync.py measures)
    return dataclasses.replace(policy, requests_per_second=limit.per_second, burst=limit.requests)


@dataclass(frozen=True)
class BodyFormat:
    """How a vendor's answers are written: `read` decodes a body (ValueError when it cannot), and
    `unreadable` says why in words that quote no record."""

    name: str
    read: Callable[[httpx.Response], Any]

    def unreadable(self, response: httpx.Response, error: ValueError) -> str:
        if isinstance(error, json.JSONDecodeError):  # "Expecting value", "Unterminated string starting at"
            said = error.msg if error.msg.endswith(" at") else f"{error.msg} at"
            return f"is not {self.name}: {said} character {error.pos:,} of {len(response.text):,}"
        return str(error) if isinstance(error, xml.NotXml) else f"is not {self.name}"


JSON_BODY = BodyFormat("JSON", lambda response: response.json())
# XML APIs (N-sight): parsed by connectors.xml, which refuses entity expansion and external references
XML_BODY = BodyFormat("XML", lambda response: xml.parse(response.content))


class _Retry(Exception):
    """A response or transport error worth another try."""

    def __init__(self, response: httpx.Response | None = None, error: Exception | None = None,
                 worth_retrying: bool = True) -> None:
        super().__init__()
        self.response, self.error, self.worth_retrying = response, error, worth_retrying


def retry_after(response: httpx.Response | None) -> float | None:
    """Seconds a `Retry-After` header asks for (delta-seconds or HTTP date), or None."""
    value = response.headers.get("Retry-After") if response is not None else None
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def error_message(response: httpx.Response) -> str:
    """The vendor's own words from an error body, whichever of the common shapes it uses.

    Whole: the client masks secrets in them before it cuts them to an excerpt.
    """
    try:
        body = response.json()
    except ValueError:
        return response.text
    if isinstance(body, dict):
        for key in ("error_description", "errorMessage", "message", "Message", "detail", "title", "error"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return value["message"]
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message") or errors[0].get("detail") or "")
        # Rails-style: {"errors": "…"}, {"errors": ["…", …]}, {"errors": {"field": ["…", …]}}
        if isinstance(errors, str):
            return errors
        if isinstance(errors, list):
            return "; ".join(str(e) for e in errors if isinstance(e, str | int | float))
        if isinstance(errors, dict):
            return "; ".join(f"{field} {' '.join(map(str, said)) if isinstance(said, list) else said}"
                             for field, said in errors.items())
    return ""


def _payload(method: str, body: Any) -> dict[str, Any]:
    """The request arguments for a read's body: none for a GET, whose body must be empty."""
    if method == "GET":
        if body is not None:
            raise ValueError("a GET carries no body; declare the read as a POST")
        return {}
    return {"json": body if body is not None else {}}


def worded(response: httpx.Response, words: Mapping[int, str]) -> str:
    """The vendor's words for an error, then what its status means for the user (`words`, by status).

    A body that is no JSON object (a gateway's HTML page) is no message: its status says more.
    """
    try:
        body = response.json()
    except ValueError:
        body = None
    said = error_message(response) if isinstance(body, dict) else ""
    meaning = words.get(response.status_code)
    if said and meaning:
        return f"{said}: {meaning}"
    return said or meaning or response.reason_phrase


def unreachable(error: Exception) -> tuple[str, bool]:
    """Why a request got no answer, in words, and whether another attempt could help."""
    causes = []
    cause: BaseException | None = error
    while cause is not None and len(causes) < 10:
        causes.append(cause)
        cause = cause.__cause__ or cause.__context__
    lookup = next((c for c in causes if isinstance(c, socket.gaierror)), None)
    if lookup is not None and lookup.errno in NO_SUCH_NAME:
        # the name does not resolve: the URL is wrong, and asking again will not change that
        return "DNS failure, the host name does not resolve; check the API URL", False
    if lookup is not None:
        return "DNS failure, the host name could not be looked up", True  # the resolver itself failed
    if isinstance(error, httpx.TimeoutException):
        return f"timed out ({type(error).__name__})", True
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return "connection refused", True
    return f"the connection failed ({type(error).__name__})", True


def oauth_refusal(response: httpx.Response) -> bool:
    """A 400 from a token endpoint that means "wrong credentials", not "bad request"."""
    if response.status_code != 400:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("error") in OAUTH_REFUSALS


def _failed_request(error: Exception | None, method: str, url: httpx.URL) -> tuple[str, httpx.URL]:
    """The request that got no answer: the one asked for, or one its auth sent first (a token)."""
    try:
        request = error.request if isinstance(error, httpx.RequestError) else None
    except RuntimeError:  # httpx raises when the error was made without its request
        request = None
    return (request.method, request.url) if request is not None else (method, url)


class VendorClient:
    """A read-only httpx client for one integration of one vendor."""

    def __init__(
        self,
        vendor: str,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
        secrets: Iterable[str] = (),
        policy: HttpPolicy = DEFAULT_POLICY,
        check_response: Callable[[httpx.Response, Any], None] | None = None,
        describe_error: Callable[[httpx.Response], str] = error_message,
        sleep: Callable[[float], None] = time.sleep,
        body_format: BodyFormat = JSON_BODY,
    ) -> None:
        self.vendor = vendor
        self.body_format = body_format
        self.policy = policy
        self.secrets = tuple(s for s in secrets if s)
        self.check_response = check_response
        self.describe_error = describe_error
        self.sleep = sleep
        self.limiter = RateLimiter(policy.requests_per_second, policy.burst, sleep=sleep)
        # exponential backoff with jitter for answers that do not say how long to wait
        self._backoff = (tenacity.wait_exponential(multiplier=policy.backoff_initial, max=policy.backoff_max)
                         + tenacity.wait_random(0, policy.backoff_initial))
        self._client = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            auth=auth,
            headers=dict(headers or {}),
            timeout=httpx.Timeout(policy.timeout, connect=policy.connect_timeout),
            transport=DeadlineTransport(policy.total_timeout, base_url),
            follow_redirects=False,
        )
        self.requests_sent = 0

    # -- reads ----------------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> httpx.Response:
        """GET a path under the base URL; the response has passed every check."""
        return self._send("GET", self._url(path, params))

    def json(self, path: str, params: Mapping[str, Any] | None = None, *, method: str = "GET",
             body: Any = None, anonymous: bool = False) -> Any:
        """GET a path (or POST a declared read's `body` to it) and return its body, decoded (JSON unless the
        vendor answers otherwise: `body_format`).

        `anonymous` sends it without the integration's auth: a vendor's public discovery call
        (Autotask's zone lookup) should never see the credentials.
        """
        extra: dict[str, Any] = {"auth": None} if anonymous else {}
        response = self._send(method, self._url(path, params), **_payload(method, body), **extra)
        return self._body(response)

    def rebase(self, base_url: str) -> None:
        """Read under another base URL from now on: the one a vendor's discovery call named."""
        self._client.base_url = httpx.URL(base_url.rstrip("/") + "/")

    def items(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        paging: Paginator,
        items_at: str | None = None,
        method: str = "GET",
        body: Any = None,
    ) -> Iterator[Any]:
        """Every item of a paged list, one page in memory at a time.

        Args:
            path: the list's path under the base URL.
            params: filters sent with every page.
            paging: the vendor's paging style.
            items_at: dotted path to the list in the body (`"content"`), or None for a bare list.
            method, body: a declared read POST and its JSON body, sent again for every page.
        """
        url: httpx.URL = paging.first(self._url(path, params))
        start, seen = url, {str(url)}
        # a style that pages in the POST body (JSON-RPC `page` in `params`) says so with `first_body`
        in_body = getattr(paging, "first_body", None)
        sent = in_body(body) if in_body is not None else body
        payload = _payload(method, sent)
        for _ in range(self.policy.max_pages):
            response = self._send(method, url, **payload)
            body = self._body(response)
            items = dig(body, items_at)
            if not isinstance(items, list):
                raise self._error(BadResponse, response, f"has no list at {items_at or 'the top level'}")
            yield from items
            if not items:
                return
            if in_body is not None:
                sent = paging.next_body(sent, body, items)  # type: ignore[attr-defined]
                if sent is None:
                    return
                if (turn := json.dumps(sent, sort_keys=True, default=str)) in seen:
                    raise self._error(BadResponse, response, "repeated a page; stopping so the sync cannot loop")
                seen.add(turn)
                payload = _payload(method, sent)
                continue
            try:
                following = paging.next_url(response, body, items)
            except ValueError as refused:  # a next link the style will not follow (one asking for a write)
                raise self._error(BadResponse, response, str(refused)) from None
            if following is None:
                return
            if following.host != url.host or following.port != url.port:
                # a next-page link is the vendor's to give, but never to another host
                raise self._error(BadResponse, response, "gave a next page on another host; stopping")
            follows = getattr(paging, "follows", None)  # a style that says where its next pages are
            if follows is not None and not follows(following, start):
                # a next page a connector did not declare could be a call it never allowed itself
                raise self._error(BadResponse, response, f"gave a next page at {following.path}, where no page "
                                                         "of this list can be; stopping")
            # a style that pages by header (Partner Center's continuation token) names what the next request carries
            carried = getattr(paging, "next_headers", None)
            headers = carried(body) if carried is not None else {}
            turn = str(following) + (json.dumps(headers, sort_keys=True) if headers else "")
            if turn in seen:
                raise self._error(BadResponse, response, "repeated a page cursor; stopping so the sync cannot loop")
            seen.add(turn)
            url = following
            payload = _payload(method, sent) | ({"headers": headers} if headers else {})
        raise BadResponse(
            f"{self.vendor}: {method} {url.path} went past {self.policy.max_pages} pages; stopping",
        )

    @property
    def auth(self) -> httpx.Auth | None:
        """The auth installed on every request (a connector steering `TenantTokens` reaches it here)."""
        return self._client.auth

    def close(self) -> None:
        self._client.close()

    # -- mechanics ------------------------------------------------------------------------

    def _url(self, path: str, params: Mapping[str, Any] | None) -> httpx.URL:
        url = self._client.base_url.join(path.lstrip("/"))
        return url.copy_merge_params(dict(params)) if params else url

    def _send(self, method: str, url: httpx.URL, **kwargs: Any) -> httpx.Response:
        if method not in READ_METHODS:
            raise ValueError(f"{self.vendor}: {method} is no read; the client sends only {sorted(READ_METHODS)}")
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(lambda error: isinstance(error, _Retry) and error.worth_retrying),
            stop=tenacity.stop_after_attempt(self.policy.attempts),
            wait=self._wait,
            sleep=self.sleep,
            reraise=True,
        )
        try:
            response = retrying(self._send_once, method, url, **kwargs)
        except _Retry as last:
            raise self._exhausted(method, url, last, retrying.statistics.get("attempt_number", 1)) from None
        except ConnectorError as error:
            raise type(error)(self.redact(f"{self.vendor}: {error.message}"), status=error.status) from None
        if response.status_code in AUTH_STATUSES or oauth_refusal(response):
            hint = "check the credentials" if response.status_code == 401 else "check the API role's permissions"
            raise self._error(AuthFailed, response, f"refused the credentials; {hint}")
        if response.is_error or not response.is_success:
            raise self._error(BadResponse, response, "is not a success")
        return response

    def _send_once(self, method: str, url: httpx.URL, **kwargs: Any) -> httpx.Response:
        self.limiter.acquire()
        started = time.perf_counter()
        try:
            response = self._client.request(method, url, **kwargs)
        except httpx.TransportError as error:  # timeouts included
            log.info("%s %s %s failed: %s", self.vendor, method, url.path, type(error).__name__)
            raise _Retry(error=error, worth_retrying=unreachable(error)[1]) from None
        finally:
            self.requests_sent += 1
        log.debug("%s %s %s → %d (%.3f s)", self.vendor, method, url.path, response.status_code,
                  time.perf_counter() - started)
        if response.status_code in RETRY_STATUSES:
            response.read()
            raise _Retry(response=response)
        return response

    def _wait(self, state: tenacity.RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome else None
        asked = retry_after(failure.response) if isinstance(failure, _Retry) else None
        if asked is not None:
            return min(asked, self.policy.max_wait)
        limited = isinstance(failure, _Retry) and failure.response is not None and failure.response.status_code == 429
        if limited and self.policy.rate_limited_wait is not None:
            return min(self.policy.rate_limited_wait, self.policy.max_wait)
        return min(self._backoff(state), self.policy.max_wait)

    def _body(self, response: httpx.Response) -> Any:
        try:
            body = self.body_format.read(response)
        except ValueError as error:
            # no excerpt: a body cut in half is records, and records are no error message
            raise self._error(BadResponse, response, self.body_format.unreadable(response, error)) from None
        if self.check_response is not None:
            try:
                self.check_response(response, body)
            except ConnectorError as error:
                raise type(error)(self.redact(f"{self.vendor}: {error.message}"), status=error.status) from None
        return body

    def _exhausted(self, method: str, url: httpx.URL, last: _Retry, tries: int) -> ConnectorError:
        if last.response is None:
            reason, _ = unreachable(last.error) if last.error else ("no answer", True)
            method, url = _failed_request(last.error, method, url)
            host = f"{url.host}:{url.port}" if url.port else url.host
            attempts = f"after {tries} attempts; try again later" if tries > 1 else "(not retried)"
            return VendorUnavailable(self.redact(
                f"{self.vendor}: {method} {url.path} could not be reached at {host}: {reason} {attempts}"))
        if last.response.status_code == 429:
            return self._error(RateLimited, last.response, f"kept rate-limiting after {tries} attempts; try again later")
        return self._error(VendorUnavailable, last.response, f"kept failing after {tries} attempts; try again later")

    def _error(self, kind: type[ConnectorError], response: httpx.Response, what: str) -> ConnectorError:
        request = response.request
        # only an error answer's words are the vendor's message; a success's body is data
        detail = excerpt(self.redact(self.describe_error(response))) if response.status_code >= 400 else ""
        text = f"{self.vendor}: {request.method} {request.url.path} answered {response.status_code}"
        text += f" ({detail})" if detail else ""
        return kind(self.redact(f"{text}: {what}"), status=response.status_code)

    def redact(self, text: str) -> str:
        """`text` on one line, with this integration's secrets and anything credential-like masked."""
        # the auth's own secrets are read each time: an OAuth flow's access token changes
        sent = getattr(self._client.auth, "secrets", ())
        return " ".join(redact(text, self.secrets + tuple(sent)).split())

