"""Rate limits, injected faults and waiting: what slack_sdk's retry handlers see, they handle."""

from __future__ import annotations

import threading
import urllib.error

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from sandbox.slack_seed import BILLING, BOT_TOKEN

QUICK = FixedValueRetryIntervalCalculator(fixed_internal=0.01)


@pytest.fixture
def bare(fake) -> WebClient:
    """A client without the rate-limit retry handler, to see the 429 itself."""
    return WebClient(token=BOT_TOKEN, base_url=fake.api_url, timeout=5)


def test_a_429_then_success_with_the_rate_limit_retry_handler(fake, web):
    fake.fail_next("chat.postMessage", status=429, retry_after=0)
    assert web.chat_postMessage(channel=BILLING, text="once")["ok"]
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 200]
    assert [m.text for m in fake.messages(BILLING)] == ["once"]


def test_a_429_carries_retry_after_and_ratelimited(fake, bare):
    fake.fail_next("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as caught:
        bare.chat_postMessage(channel=BILLING, text="x")
    response = caught.value.response
    assert (response.status_code, response["error"], response.headers["Retry-After"]) == (429, "ratelimited", "7")


def test_the_channel_limit_allows_a_burst_then_paces(fake, bare, clock):
    fake.set_post_rate_limit(1.0, burst=3)
    for i in range(3):
        bare.chat_postMessage(channel=BILLING, text=f"burst {i}")
    with pytest.raises(SlackApiError) as caught:
        bare.chat_postMessage(channel=BILLING, text="too soon")
    assert (caught.value.response.status_code, caught.value.response.headers["Retry-After"]) == (429, "1")

    fake.add_channel("C_OTHER", "other", members=["U_BOT"])
    assert bare.chat_postMessage(channel="C_OTHER", text="other channel")["ok"]
    clock.advance(1.0)
    assert bare.chat_postMessage(channel=BILLING, text="after a second")["ok"]


def test_the_channel_limit_can_be_switched_off(fake, bare):
    fake.set_post_rate_limit(None)
    for i in range(20):
        bare.chat_postMessage(channel=BILLING, text=str(i))
    assert len(fake.messages(BILLING)) == 20


def test_an_injected_error_answers_ok_false_with_http_200_once(fake, bare):
    fake.fail_next("chat.postMessage", error="is_archived")
    with pytest.raises(SlackApiError) as caught:
        bare.chat_postMessage(channel=BILLING, text="x")
    assert (caught.value.response.status_code, caught.value.response["error"]) == (200, "is_archived")
    assert bare.chat_postMessage(channel=BILLING, text="y")["ok"]


def test_a_server_error_twice_then_the_server_error_handler_succeeds(fake):
    fake.fail_next("conversations.info", status=500, times=2)
    web = WebClient(
        token=BOT_TOKEN,
        base_url=fake.api_url,
        timeout=5,
        retry_handlers=[ServerErrorRetryHandler(max_retry_count=2, interval_calculator=QUICK)],
    )
    assert web.conversations_info(channel=BILLING)["ok"]
    assert [c.status for c in fake.calls_to("conversations.info")] == [500, 500, 200]


def test_a_failed_raw_upload_fails_files_upload_v2(fake, web):
    fake.fail_next("upload", status=500)
    with pytest.raises(urllib.error.HTTPError):  # slack_sdk posts the bytes with plain urlopen
        web.files_upload_v2(channel=BILLING, content="a,b\n", filename="x.csv")
    assert fake.files(BILLING) == []


def test_a_slow_method_times_the_client_out(fake):
    fake.slow("auth.test", 1.0)
    impatient = WebClient(token=BOT_TOKEN, base_url=fake.api_url, timeout=0.2, retry_handlers=[])
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        impatient.auth_test()
    fake.slow("auth.test", 0)
    assert impatient.auth_test()["ok"]


def test_wait_for_polls_until_a_background_post_arrives(fake, web):
    threading.Timer(0.05, lambda: web.chat_postMessage(channel=BILLING, text="later")).start()
    call = fake.wait_for("chat.postMessage")
    assert call.body["text"] == "later"
    assert fake.wait_for(lambda f: f.messages(BILLING))[0].text == "later"


def test_wait_for_gives_up_at_the_deadline(fake):
    with pytest.raises(TimeoutError, match=r"chat\.postMessage"):
        fake.wait_for("chat.postMessage", timeout=0.05)
