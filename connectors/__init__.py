"""Connectors: one module per vendor kind, and this registry, `kind → connector class`.

Adding a vendor is one new module and one new line here.
"""

from __future__ import annotations

from connectors.acronis import Acronis
from connectors.autotask import Autotask
from connectors.base import Connector, Field, Guidance, Role
from connectors.connectwise import ConnectWise
from connectors.cove import Cove
from connectors.datto import Datto
from connectors.gravityzone import GravityZone
from connectors.halopsa import HaloPSA
from connectors.m365 import M365
from connectors.ncentral import NCentral
from connectors.ninjaone import NinjaOne
from connectors.nsight import NSight
from connectors.partnercenter import PartnerCenter
from connectors.pax8 import Pax8
from connectors.sentinelone import SentinelOne
from connectors.sherweb import Sherweb
from connectors.syncro import Syncro
from connectors.veeam import Veeam
from connectors.webroot import Webroot

REGISTRY: dict[str, type[Connector]] = {
    "acronis": Acronis,
    "autotask": Autotask,
    "connectwise": ConnectWise,
    "cove": Cove,
    "datto": Datto,
    "gravityzone": GravityZone,
    "halopsa": HaloPSA,
    "m365": M365,
    "ncentral": NCentral,
    "ninjaone": NinjaOne,
    "nsight": NSight,
    "partnercenter": PartnerCenter,
    "pax8": Pax8,
    "sentinelone": SentinelOne,
    "sherweb": Sherweb,
    "syncro": Syncro,
    "veeam": Veeam,
    "webroot": Webroot,
}


def connector_class(kind: str) -> type[Connector]:
    """The connector for `kind`, or a `KeyError` naming the kinds there are."""
    try:
        return REGISTRY[kind]
    except KeyError:
        raise KeyError(f"unknown integration kind {kind!r}; known kinds: {', '.join(sorted(REGISTRY))}") from None


__all__ = ["REGISTRY", "Connector", "Field", "Guidance", "Role", "connector_class"]
