"""A secret a vendor echoes back never leaves a connector, in whatever form it is echoed.

A fake vendor (a scripted loopback server) refuses the credentials with a long message that
repeats the secret in one of its forms, placed so that it straddles where an excerpt is cut.
The error message and the log must not give away even the secret's first characters.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Callable, Iterator
from urllib.parse import quote, quote_plus, unquote_plus

import pytest

from connectors.connectwise import ConnectWise
from connectors.errors import AuthFailed
from connectors.http import HttpPolicy
from connectors.ninjaone import NinjaOne
from connectors.redact import redact
from tests.scripted import ScriptedServer

SECRET = "Zq9xK7-p4ss/w0rd+Tail"
CLUE = SECRET[:5]  # what a leak gives away first
POLICY = HttpPolicy(timeout=2.0, attempts=1, requests_per_second=0)
# ConnectWise's Basic user is "{company_id}+{public_key}"; NinjaOne's pair is "client_id:secret"
CW = {"company_id": "acme", "public_key": "pub-key", "private_key": SECRET, "client_id": "cw-client"}
NINJA = {"client_id": "ninja-client", "client_secret": SECRET}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


ECHOES: dict[str, Callable[[], str]] = {
    "as sent": lambda: SECRET,
    "upper-cased": lambda: SECRET.upper(),
    "lower-cased": lambda: SECRET.lower(),
    "url-encoded": lambda: quote(SECRET, safe=""),
    "form-encoded": lambda: quote_plus(SECRET),
    "base64": lambda: b64(SECRET),
    "url-safe base64": lambda: base64.urlsafe_b64encode(SECRET.encode()).decode(),
    "connectwise basic credential": lambda: b64(f"acme+pub-key:{SECRET}"),
    "client_id:secret": lambda: b64(f"ninja-client:{SECRET}"),
    "basic header": lambda: "Basic " + b64(f"acme+pub-key:{SECRET}"),
}


def leaks(text: str) -> list[str]:
    """How `text` gives the secret's first characters away: plainly, in any case, URL-encoded, or in base64."""
    found = []
    if CLUE.casefold() in unquote_plus(text).casefold() or CLUE.casefold() in text.casefold():
        found.append("plain")
    for run in re.findall(r"[A-Za-z0-9+/_-]{6,}", text):
        for shift in range(4):
            chunk = run[shift:]
            chunk = chunk[: len(chunk) - len(chunk) % 4]
            for decode in (base64.b64decode, base64.urlsafe_b64decode):
                try:
                    decoded = decode(chunk)
                except ValueError:
                    continue
                if CLUE.encode() in decoded:
                    found.append(f"base64 {run!r}")
    return found


def vendor_words(echo: str, at: int) -> str:
    """A long refusal with `echo` starting `at` characters in, straddling an excerpt's cut."""
    lead = "The request was refused because the credential presented "
    lead = (lead * 10)[:at - 1] + " "
    return f"{lead}{echo} is not valid for this tenant; contact your administrator for a new one."


@pytest.fixture(scope="module")
def running() -> Iterator[ScriptedServer]:
    with ScriptedServer() as started:
        yield started


@pytest.fixture
def server(running: ScriptedServer) -> ScriptedServer:
    running.answers.clear()
    running.requests.clear()
    return running


@pytest.mark.parametrize("at", [150, 158, 195, 198])
@pytest.mark.parametrize("form", sorted(ECHOES))
def test_a_secret_echoed_by_a_basic_auth_vendor_never_appears_in_the_error_or_the_log(server, caplog, form, at):
    caplog.set_level(logging.DEBUG)
    server.answer("/system/info", 401, {"message": vendor_words(ECHOES[form](), at)})
    with pytest.raises(AuthFailed) as caught:
        ConnectWise({**CW, "base_url": server.url}, policy=POLICY).test()
    message = caught.value.message
    assert message.startswith("ConnectWise PSA: GET /system/info answered 401 (The request was refused")
    assert "\n" not in message
    assert leaks(message) == [] and leaks(caplog.text) == []


@pytest.mark.parametrize("at", [150, 195])
@pytest.mark.parametrize("form", sorted(ECHOES))
def test_a_secret_echoed_by_an_oauth_token_endpoint_never_appears_in_the_error(server, form, at):
    server.answer("/ws/oauth/token", 401, {"error": "invalid_client",
                                           "error_description": vendor_words(ECHOES[form](), at)})
    with pytest.raises(AuthFailed) as caught:
        NinjaOne({**NINJA, "base_url": server.url}, policy=POLICY).test()
    assert caught.value.message.startswith("NinjaOne: POST /ws/oauth/token answered 401 (The request was refused")
    assert leaks(caught.value.message) == []


def test_an_access_token_the_vendor_echoes_is_masked_too(server):
    server.answer("/ws/oauth/token", 200, {"access_token": "tok-7Hq2mWv9xLp3", "expires_in": 3600})
    server.answer("/v2/organizations", 403, {"message": "tok-7Hq2mWv9xLp3 lacks the monitoring scope"})
    with pytest.raises(AuthFailed) as caught:
        NinjaOne({**NINJA, "base_url": server.url}, policy=POLICY).test()
    assert "tok-7Hq2" not in caught.value.message and "*** lacks the monitoring scope" in caught.value.message


@pytest.mark.parametrize("prefix", ["", "a", "ab", "abc", "user-name:"])
def test_base64_of_any_text_holding_the_secret_is_masked_whatever_its_alignment(prefix):
    encoded = b64(f"{prefix}{SECRET} and more")
    assert leaks(redact(f"echo {encoded} end", [SECRET])) == []
