"""The shared HTTP client over real loopback HTTP: retries, Retry-After, typed errors, paging guards, redaction."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from connectors.auth import ApiKeyHeader, OAuth2BasicClient, OAuth2ClientCredentials
from connectors.errors import AuthFailed, BadResponse, RateLimited, VendorUnavailable
from connectors.http import HttpPolicy, VendorClient, paced_for
from connectors.paging import BodyCursor, IdCursor, LinkHeader, NextLink, Offset, PageCount, PageNumber
from connectors.ratelimit import RateLimit
from tests.scripted import ScriptedServer

SECRET = "s3cret-key-value"
POLICY = HttpPolicy(timeout=1.0, attempts=3, backoff_initial=0.01, backoff_max=0.02, requests_per_second=0)


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as running:
        yield running


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(round(seconds, 3))


def client(server: ScriptedServer, *, policy: HttpPolicy = POLICY, auth=None, sleep=None) -> VendorClient:
    built_auth = (auth or ApiKeyHeader("X-Api-Key", field="api_key")).build({"api_key": SECRET, "client_id": "id",
                                                                              "client_secret": SECRET}, server.url)
    return VendorClient("Acme RMM", server.url, auth=built_auth, secrets=[SECRET], policy=policy,
                        sleep=sleep if sleep is not None else Sleeps())


def test_a_429_is_retried_after_the_seconds_the_vendor_asks_for(server):
    server.answer("/items", 429, {"message": "slow down"}, headers={"Retry-After": "0.04"})
    server.answer("/items", 200, [1, 2])
    sleeps = Sleeps()
    assert client(server, sleep=sleeps).json("/items") == [1, 2]
    assert sleeps == [0.04]


def test_retry_after_is_capped_so_a_vendor_cannot_stall_a_sync(server):
    server.answer("/items", 503, {}, headers={"Retry-After": "86400"})
    server.answer("/items", 200, [])
    sleeps = Sleeps()
    client(server, policy=HttpPolicy(attempts=2, max_wait=5, requests_per_second=0), sleep=sleeps).json("/items")
    assert sleeps == [5]


def test_retry_after_as_an_http_date_is_understood(server):
    server.answer("/items", 429, {}, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    server.answer("/items", 200, [])
    sleeps = Sleeps()
    client(server, sleep=sleeps).json("/items")
    assert sleeps == [0.0]  # a date in the past means "now"


def test_persistent_rate_limiting_becomes_rate_limited_after_the_allowed_attempts(server):
    server.answer("/items", 429, {"message": "quota"}, headers={"Retry-After": "0"})
    with pytest.raises(RateLimited) as caught:
        client(server).json("/items", {"apikey": SECRET})
    assert len(server.requests) == POLICY.attempts
    assert "Acme RMM: GET /items answered 429 (quota)" in caught.value.message
    assert SECRET not in str(caught.value) and "apikey" not in str(caught.value)


@pytest.mark.parametrize(("policy", "waited"), [
    (POLICY, [60.0]),  # unpaced (tests), still waits out the window
    (replace(POLICY, requests_per_second=10, max_wait=5), [5]),  # capped like any wait
])
def test_a_429_without_retry_after_waits_out_the_window_of_a_limit_that_resets_on_a_clock(server, policy, waited):
    server.answer("/items", 429, {"error": "slow down"})
    server.answer("/items", 200, [1])
    sleeps = Sleeps()
    minute = RateLimit(180, 60, wait_out_window=True)
    assert client(server, policy=paced_for(policy, minute), sleep=sleeps).json("/items") == [1]
    assert sleeps == waited


def test_a_limit_that_does_not_reset_on_a_clock_backs_off_as_usual(server):
    server.answer("/items", 429, {"error": "slow down"})
    server.answer("/items", 200, [1])
    sleeps = Sleeps()
    client(server, policy=paced_for(POLICY, RateLimit(180, 60)), sleep=sleeps).json("/items")
    assert sleeps and max(sleeps) < 1


def test_server_errors_are_retried_then_reported_as_vendor_unavailable(server):
    server.answer("/items", 500, {"errorMessage": "database down"})
    with pytest.raises(VendorUnavailable, match=r"GET /items answered 500 \(database down\): kept failing after 3"):
        client(server).json("/items")


def test_a_vendor_that_cannot_be_reached_is_unavailable_not_a_crash():
    dead = VendorClient("Acme RMM", "http://127.0.0.1:9", policy=POLICY, sleep=Sleeps())
    with pytest.raises(VendorUnavailable, match="could not be reached"):
        dead.json("/items")


def test_a_slow_vendor_times_out_and_is_retried(server):
    server.delay = 0.5
    with pytest.raises(VendorUnavailable, match="ReadTimeout"):
        client(server, policy=HttpPolicy(timeout=0.1, attempts=2, backoff_initial=0.01, requests_per_second=0)).json("/items")
    assert len(server.requests) == 2


def test_refused_credentials_are_auth_failed_and_never_retried(server):
    server.answer("/items", 401, {"message": f"key {SECRET} is not valid"})
    with pytest.raises(AuthFailed) as caught:
        client(server).json("/items")
    assert len(server.requests) == 1
    assert SECRET not in caught.value.message and "***" in caught.value.message


def test_a_body_that_is_not_json_is_a_bad_response(server):
    server.answer("/items", 200, raw=b'{"items": [1, 2')
    with pytest.raises(BadResponse, match="is not JSON"):
        client(server).json("/items")


def test_a_cursor_that_does_not_move_stops_the_sync(server):
    server.answer("/items", 200, {"data": [{"id": 1}], "pagination": {"nextCursor": "same"}})
    with pytest.raises(BadResponse, match="repeated a page cursor"):
        list(client(server).items("/items", paging=BodyCursor(size=1), items_at="data"))


def test_the_page_ceiling_stops_a_vendor_that_pages_forever(server):
    server.answer_with("/items", lambda seen: (200, {}, [{"id": int(seen.query.get("page", 1))}]))
    capped = HttpPolicy(max_pages=5, requests_per_second=0)
    with pytest.raises(BadResponse, match="went past 5 pages"):
        list(client(server, policy=capped).items("/items", paging=PageNumber(size=1)))


def test_a_missing_list_is_a_bad_response(server):
    server.answer("/items", 200, {"unexpected": True})
    with pytest.raises(BadResponse, match="has no list at content"):
        list(client(server).items("/items", paging=PageNumber(), items_at="content"))


def paged(seen, items, size_key, start=1, page_key="page"):
    page, size = int(seen.query.get(page_key, start)), int(seen.query[size_key])
    chunk = items[(page - start) * size:(page - start + 1) * size]
    return chunk


ITEMS = [{"id": i} for i in range(1, 12)]


def fixed(seen, size=4):
    """A page of the vendor's own size: the client sends only the page number."""
    assert set(seen.query) == {"page"}
    page = int(seen.query["page"])
    return ITEMS[(page - 1) * size:page * size]


@pytest.mark.parametrize("paging, script", [
    (PageNumber(size=4), lambda s: (200, {}, paged(s, ITEMS, "pageSize"))),
    (PageNumber(param="page", size_param="size", size=4, start=0, total_pages_at="page.totalPages"),
     lambda s: (200, {}, {"content": paged(s, ITEMS, "size", 0), "page": {"totalPages": 3}})),
    (PageNumber(param="page_no", size_param="page_size", size=4, total_items_at="record_count"),
     lambda s: (200, {}, {"content": paged(s, ITEMS, "page_size", 1, "page_no"), "record_count": 11})),
    (Offset(limit=4), lambda s: (200, {}, ITEMS[int(s.query["offset"]):int(s.query["offset"]) + 4])),
    (IdCursor(size=4), lambda s: (200, {}, [i for i in ITEMS if i["id"] > int(s.query.get("after", 0))][:4])),
    (BodyCursor(size=4, at="next"), lambda s: (200, {}, {
        "content": ITEMS[int(s.query.get("cursor", 0)):int(s.query.get("cursor", 0)) + 4],
        "next": str(int(s.query.get("cursor", 0)) + 4) if int(s.query.get("cursor", 0)) + 4 < 11 else None})),
    (NextLink(at="next"), lambda s: (200, {}, {
        "content": ITEMS[int(s.query.get("skip", 0)):int(s.query.get("skip", 0)) + 4],
        "next": f"/items?skip={int(s.query.get('skip', 0)) + 4}" if int(s.query.get("skip", 0)) + 4 < 11 else None})),
    (LinkHeader(size=4), lambda s: (200, {"Link": f'</items?pageSize=4&pageId={int(s.query.get("pageId", 0)) + 4}>; rel="next"'}
                                    if int(s.query.get("pageId", 0)) + 4 < 11 else {},
                                    ITEMS[int(s.query.get("pageId", 0)):int(s.query.get("pageId", 0)) + 4])),
    (PageCount(), lambda s: (200, {}, {"content": fixed(s), "meta": {"total_pages": 3, "page": int(s.query["page"])}})),
    (PageCount(), lambda s: (200, {}, {"content": fixed(s)})),  # no count: on until an empty page
], ids=["page-number", "page-object", "record-count", "offset", "id-cursor", "body-cursor", "next-link", "link-header",
        "page-count", "page-count-until-empty"])
def test_every_paging_style_returns_every_item_exactly_once(server, paging, script):
    server.answer_with("/items", script)
    in_body = getattr(paging, "total_pages_at", None) or getattr(paging, "total_items_at", None)
    items_at = "content" if isinstance(paging, (BodyCursor, NextLink, PageCount)) or in_body else None
    assert list(client(server).items("/items", paging=paging, items_at=items_at)) == ITEMS


def test_a_record_count_the_last_page_reaches_ends_the_list_without_asking_for_an_empty_page(server):
    eight = ITEMS[:8]
    server.answer_with("/items", lambda s: (200, {}, {"clients": paged(s, eight, "page_size", 1, "page_no"),
                                                      "record_count": 8}))
    paging = PageNumber(param="page_no", size_param="page_size", size=4, total_items_at="record_count")
    assert list(client(server).items("/items", paging=paging, items_at="clients")) == eight
    assert [r.query["page_no"] for r in server.requests] == ["1", "2"]


def test_pages_without_the_record_count_they_were_declared_with_end_on_a_short_page(server):
    server.answer_with("/items", lambda s: (200, {}, {"clients": paged(s, ITEMS, "page_size", 1, "page_no")}))
    paging = PageNumber(param="page_no", size_param="page_size", size=4, total_items_at="record_count")
    assert list(client(server).items("/items", paging=paging, items_at="clients")) == ITEMS
    assert [r.query["page_no"] for r in server.requests] == ["1", "2", "3"]


def token_endpoint(tokens: list[str]):
    def answer(seen):
        tokens.append(f"token-{len(tokens) + 1}")
        return 200, {}, {"access_token": tokens[-1], "expires_in": 3600}
    return answer


def test_an_oauth_token_is_fetched_once_and_reused(server):
    tokens: list[str] = []
    server.answer_with("/oauth/token", token_endpoint(tokens))
    server.answer("/items", 200, [])
    http = client(server, auth=OAuth2ClientCredentials(token_path="oauth/token", scope="monitoring"))
    http.json("/items")
    http.json("/items")
    assert tokens == ["token-1"]
    assert [r.headers["Authorization"] for r in server.requests if r.path == "/items"] == ["Bearer token-1"] * 2
    assert b"scope=monitoring" in server.requests[0].body


def test_an_expired_token_is_refreshed_before_the_call(server):
    tokens: list[str] = []

    def short_lived(seen):
        tokens.append(f"t{len(tokens)}")
        return 200, {}, {"access_token": tokens[-1], "expires_in": 0.2}

    server.answer_with("/oauth/token", short_lived)
    server.answer("/items", 200, [])
    http = client(server, auth=OAuth2ClientCredentials(token_path="oauth/token", expiry_margin=60))
    http.json("/items")
    http.json("/items")
    assert len(tokens) == 1  # still fresh
    time.sleep(0.15)  # a 0.2 s token is refreshed once half its life is gone
    http.json("/items")
    assert len(tokens) == 2


def test_a_401_with_a_cached_token_fetches_a_new_token_once(server):
    tokens: list[str] = []
    server.answer_with("/oauth/token", token_endpoint(tokens))
    server.answer_with("/items", lambda seen: (401, {}, {"error": "expired"}) if seen.headers["Authorization"] == "Bearer token-1"
                       else (200, {}, ["ok"]))
    http = client(server, auth=OAuth2ClientCredentials(token_path="oauth/token"))
    assert http.json("/items") == ["ok"]
    assert tokens == ["token-1", "token-2"]


def test_a_basic_client_sends_its_credentials_in_the_header_and_never_in_the_body(server):
    server.answer("/idp/token", 200, {"access_token": "token-1", "expires_on": time.time() + 7200})
    server.answer("/items", 200, [])
    client(server, auth=OAuth2BasicClient(token_path="idp/token")).json("/items")
    token_request = server.requests[0]
    assert token_request.headers["Authorization"] == "Basic aWQ6czNjcmV0LWtleS12YWx1ZQ=="  # id:s3cret-key-value
    assert token_request.body == b"grant_type=client_credentials"


def test_an_absolute_expires_on_is_honoured_and_a_token_past_it_is_renewed_before_the_call(server):
    tokens: list[str] = []

    def absolute(seen):
        tokens.append(f"t{len(tokens)}")
        return 200, {}, {"access_token": tokens[-1], "expires_on": time.time() + 0.3}  # a Unix time, not a duration

    server.answer_with("/idp/token", absolute)
    server.answer("/items", 200, [])
    http = client(server, auth=OAuth2BasicClient(token_path="idp/token"))
    http.json("/items")
    http.json("/items")
    assert tokens == ["t0"]  # still fresh
    time.sleep(0.2)  # half its life gone: renewed, where a missing expires_in would have meant an hour
    http.json("/items")
    assert tokens == ["t0", "t1"]


def test_an_expires_on_already_behind_our_clock_is_used_briefly_rather_than_refetched_per_call(server):
    tokens: list[str] = []
    server.answer_with("/idp/token", lambda seen: (tokens.append("t") or 200, {},
                                                   {"access_token": "t", "expires_on": time.time() - 30}))
    server.answer("/items", 200, [])
    http = client(server, auth=OAuth2BasicClient(token_path="idp/token"))
    for _ in range(3):
        http.json("/items")
    assert tokens == ["t"]


def test_refused_client_credentials_say_what_the_vendor_said(server):
    server.answer("/oauth/token", 401, {"error": "invalid_client", "error_description": "Client authentication failed"})
    http = client(server, auth=OAuth2ClientCredentials(token_path="oauth/token"))
    with pytest.raises(AuthFailed, match=r"POST /oauth/token answered 401 \(Client authentication failed\)"):
        http.json("/items")


def test_a_token_answer_without_a_token_is_a_bad_response(server):
    server.answer("/oauth/token", 200, {"token": "where?"})
    with pytest.raises(BadResponse, match="Acme RMM: POST /oauth/token answered 200 without a readable access token"):
        client(server, auth=OAuth2ClientCredentials(token_path="oauth/token")).json("/items")


def test_secrets_never_reach_the_logs(server, caplog):
    caplog.set_level(logging.DEBUG)
    server.answer("/items", 500, {"message": f"bad key {SECRET}"})
    with pytest.raises(VendorUnavailable):
        client(server).json("/items", {"apikey": SECRET})
    assert SECRET not in caplog.text


def test_the_client_has_no_write_methods():
    assert not {"post", "put", "patch", "delete"} & set(dir(VendorClient))


def test_a_token_endpoint_refusing_with_400_is_auth_failed(server):
    server.answer("/oauth/token", 400, {"error": "invalid_client", "error_description": "Unknown client"})
    with pytest.raises(AuthFailed, match=r"answered 400 \(Unknown client\): refused the credentials"):
        client(server, auth=OAuth2ClientCredentials(token_path="oauth/token")).json("/items")


def test_any_other_400_is_a_bad_response(server):
    server.answer("/items", 400, {"message": "pageSize too large"})
    with pytest.raises(BadResponse, match=r"answered 400 \(pageSize too large\)"):
        client(server).json("/items")


def test_a_next_page_on_another_host_is_refused(server):
    server.answer("/items", 200, {"value": [1], "@odata.nextLink": "http://169.254.169.254/latest/meta-data"})
    with pytest.raises(BadResponse, match="next page on another host"):
        list(client(server).items("/items", paging=NextLink(), items_at="value"))


@pytest.mark.parametrize(("body", "shown"), [
    ({"errors": ["Customer not found", "Try again"]}, "Customer not found; Try again"),
    ({"errors": {"quantity": ["is not a number", "must be positive"]}}, "quantity is not a number must be positive"),
    ({"errors": "Record not found"}, "Record not found"),
    ({"error": "Not authorized"}, "Not authorized"),
    ({"message": "Invalid request"}, "Invalid request"),
], ids=["list", "by-field", "string", "error", "message"])
def test_every_error_body_shape_a_rails_api_uses_is_quoted_in_the_message(server, body, shown):
    server.answer("/items", 422, body)
    with pytest.raises(BadResponse) as caught:
        client(server).json("/items")
    assert f"answered 422 ({shown})" in caught.value.message
