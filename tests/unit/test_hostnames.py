"""Device names cut to the host name a person knows, alike whichever console reported them."""

from __future__ import annotations

import pytest

from connectors import hostnames


@pytest.mark.parametrize(("raw", "host"), [
    ("FRONTDESK-01", "FRONTDESK-01"),
    ("  FRONTDESK-01.acme.local. ", "FRONTDESK-01"),
    ("acme-dc01.corp.example.com", "acme-dc01"),
    ("ACME\\FRONTDESK-01", "FRONTDESK-01"),
    ("ＦＲＯＮＴＤＥＳＫ-01", "FRONTDESK-01"),  # full-width, as some consoles pass a user's input through
    ("10.0.0.12", "10.0.0.12"),
    ("fe80::1", "fe80::1"),
    ("", ""),
    (None, ""),
])
def test_a_console_name_becomes_its_host_name(raw, host):
    assert hostnames.short(raw) == host


def test_names_compare_without_case_or_domain():
    assert hostnames.key("FrontDesk-01.acme.local") == hostnames.key("FRONTDESK-01") == "frontdesk-01"
    assert hostnames.key("FRONTDESK-01") != hostnames.key("FRONTDESK-02")
