"""A body over `MAX_BODY_BYTES` is refused with 413 before it is read, by the in-process server.

(`billrec serve` under gunicorn: tests/slack/test_serve.py.) A Content-Length is all the server
needs to refuse: these requests send the headers and no body at all, so a server that tried to
read the body first would never answer.
"""

from __future__ import annotations

from bot.inbound import MAX_BODY_BYTES
from tests.slack.wire import chunked, exchange, url_verification

JSON_TYPE = "application/json"


def test_a_body_over_the_limit_is_refused_from_its_content_length_alone(served):
    assert exchange(served.events_url, {"Content-Length": str(MAX_BODY_BYTES + 1)}) == 413
    assert exchange(served.events_url, {"Content-Length": str(100 * 1024 * 1024)}) == 413
    assert exchange(f"{served.url}/slack/install", {"Content-Length": str(MAX_BODY_BYTES + 1)}, method="GET") == 413


def test_a_signed_body_at_the_limit_is_read_and_answered(served, driver):
    response = driver.send(url_verification(MAX_BODY_BYTES), JSON_TYPE)
    assert response.status_code == 200 and response.json() == {"challenge": "c4ll3ng3"}
    assert driver.send(url_verification(MAX_BODY_BYTES + 1), JSON_TYPE).status_code == 413


def test_a_chunked_body_is_refused_where_the_server_cannot_end_it(served, driver):
    # wsgiref hands the app the raw socket: a chunked body has no end it could read up to
    body = url_verification(1000)
    headers = {"Transfer-Encoding": "chunked", "Content-Type": JSON_TYPE, **driver.signature_headers(body)}
    assert exchange(served.events_url, headers, chunked(body, finished=False)) == 411


def test_a_content_length_that_is_not_a_number_is_a_400(served):
    assert exchange(served.events_url, {"Content-Length": "1e9"}) == 400
    assert exchange(served.events_url, {"Content-Length": "9" * 40}) == 400
