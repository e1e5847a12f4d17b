"""The address rules for integration URLs in OAuth mode: https only, and only public addresses."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from reconcile import urls
from reconcile.errors import Invalid


def resolving_to(*addresses: str):
    """A stand-in for socket.getaddrinfo that answers `addresses` for any host, without the network."""

    def resolve(host, port, **kwargs):
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in addresses]

    return resolve


@pytest.mark.parametrize(("address", "public"), [
    ("127.0.0.1", False),
    ("::1", False),
    ("10.20.30.40", False),
    ("172.16.0.1", False),
    ("192.168.1.10", False),
    ("169.254.169.254", False),  # the cloud metadata service
    ("fd00::1", False),
    ("fe80::1", False),
    ("0.0.0.0", False),
    ("224.0.0.1", False),
    ("100.100.100.200", False),  # carrier-grade NAT range; one cloud's metadata service
    ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
    ("2002:7f00:1::1", False),  # 6to4 wrapping 127.0.0.1
    ("93.184.216.34", True),
    ("::ffff:93.184.216.34", True),
    ("2606:2800:220:1:248:1893:25c8:1946", True),
])
def test_only_public_addresses_are_public(address, public):
    assert urls.is_public(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "10.0.0.5", "172.16.5.4", "192.168.0.1",
                                     "169.254.169.254", "fd00::1"])
def test_a_host_resolving_to_a_private_address_is_refused(address):
    with pytest.raises(Invalid, match=f"private network \\({address}\\)"):
        urls.require_public("https://vendor.example/api", resolve=resolving_to(address))


def test_a_public_host_is_allowed():
    urls.require_public("https://vendor.example/api", resolve=resolving_to("93.184.216.34"))


def test_every_resolved_address_must_be_public():
    with pytest.raises(Invalid, match="169.254.169.254"):
        urls.require_public("https://vendor.example", resolve=resolving_to("93.184.216.34", "169.254.169.254"))


@pytest.mark.parametrize("url", ["http://vendor.example/api", "ftp://vendor.example", "vendor.example"])
def test_anything_but_https_is_refused(url):
    with pytest.raises(Invalid, match="must start with https://"):
        urls.require_public(url, resolve=resolving_to("93.184.216.34"))


def test_an_address_literal_is_judged_as_it_is():
    with pytest.raises(Invalid, match="private network"):
        urls.require_public("https://[::1]:8443/api")
    with pytest.raises(Invalid, match="private network"):
        urls.require_public("https://169.254.169.254/latest/meta-data/")


def test_a_host_that_does_not_resolve_is_refused():
    def fail(host, port, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(Invalid, match="cannot be resolved"):
        urls.require_public("https://nowhere.invalid", resolve=fail)
