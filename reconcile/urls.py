"""Integration URLs must reach the public internet when strangers connect them (no SSRF).

In multi-workspace OAuth mode whoever connects an integration is some workspace's admin, not
the operator of the server. The connection test fetches `base_url` and shows the start of what
it answered, so a URL at loopback, a private range or the cloud metadata address
(169.254.169.254) would let them read the server's own network. There `Config.allow_private_urls`
is False and every `base_url` must be https and resolve only to public addresses; an operator's
own on-prem vendors (and the sandbox) need `BILLREC_ALLOW_PRIVATE_URLS=1`.

Known limits: the name is resolved here and again when connecting (a DNS-rebinding host could
answer differently the second time), and next-page links are followed by the connectors, which
know nothing of this rule.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from reconcile.errors import Invalid

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[..., list[tuple[Any, ...]]]


def require_public(url: str, *, resolve: Resolver = socket.getaddrinfo) -> None:
    """Raise `Invalid` unless `url` is https and every address its host resolves to is public."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise Invalid(f"the API URL must start with https:// on this server, not {url!r}")
    host = parts.hostname
    if not host:
        raise Invalid(f"the API URL {url!r} names no host")
    try:
        found = resolve(host, parts.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        raise Invalid(f"the API URL's host {host} cannot be resolved; check the URL") from None
    addresses = {ipaddress.ip_address(info[4][0]) for info in found}
    private = sorted(str(a) for a in addresses if not is_public(a))
    if not addresses or private:
        raise Invalid(f"the API URL's host {host} is on a private network ({', '.join(private) or 'no address'}); "
                      "this server only connects to public vendor APIs")


def is_public(address: Address) -> bool:
    """True for an address on the public internet: not loopback, private, link-local, multicast, reserved…"""
    if isinstance(address, ipaddress.IPv6Address):
        # an IPv4 address dressed as IPv6 is judged as the IPv4 address it reaches
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return is_public(embedded)
    if (address.is_loopback or address.is_private or address.is_link_local or address.is_multicast
            or address.is_reserved or address.is_unspecified):
        return False
    # not global: the shared range 100.64.0.0/10 (carrier NAT, and some clouds' metadata service)
    return address.is_global
