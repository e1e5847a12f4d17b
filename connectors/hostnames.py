r"""Device names as RMM and security consoles report them, cut to the host name a person knows.

A vendor with devices or endpoints names each asset with `short(raw)` (SentinelOne's agents do), so
the same machine reads alike in every console; `key(name)` is the form two names are compared in
(for the coverage check, which matches RMM devices with security agents).

    short("  FRONTDESK-01.acme.local. ")   → "FRONTDESK-01"
    short("ACME\\FRONTDESK-01")             → "FRONTDESK-01"   (a NetBIOS domain in front)
    key("Frontdesk-01")                    → "frontdesk-01"
    short("10.0.0.12")                     → "10.0.0.12"      (an address is no FQDN: kept whole)

Only the domain suffix and the Windows domain prefix go; the case a console shows is kept for
people, and nothing else is guessed here (re-imaged machines' trailing digits are the matcher's
call, where an ambiguous match can be shown as such).
"""

from __future__ import annotations

import ipaddress
import unicodedata


def short(raw: object) -> str:
    r"""The host part of a console's device name: whitespace, a domain suffix and `DOMAIN\` dropped."""
    text = unicodedata.normalize("NFKC", str(raw or "")).strip().rstrip(".")
    text = text.rsplit("\\", 1)[-1].strip()
    if not text or _is_address(text):
        return text
    return text.split(".", 1)[0].strip() or text


def key(name: object) -> str:
    """The form two host names are compared in: `short`, case-folded."""
    return short(name).casefold()


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
