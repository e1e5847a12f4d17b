"""The fake vendors, `kind → FakeVendor`: one module each, and one line here.

Each is a view of the truth in its API's shapes (see `sandbox/vendor.py`); its kind is the kind
of the connector that reads it (`connectors.REGISTRY`).
"""

from __future__ import annotations

from sandbox.vendor import FakeVendor
from sandbox.vendors.acronis import Acronis
from sandbox.vendors.autotask import Autotask
from sandbox.vendors.connectwise import ConnectWise
from sandbox.vendors.cove import Cove
from sandbox.vendors.datto import Datto
from sandbox.vendors.gravityzone import GravityZone
from sandbox.vendors.halopsa import HaloPSA
from sandbox.vendors.m365 import M365
from sandbox.vendors.ncentral import NCentral
from sandbox.vendors.ninjaone import NinjaOne
from sandbox.vendors.nsight import NSight
from sandbox.vendors.partnercenter import PartnerCenter
from sandbox.vendors.pax8 import Pax8
from sandbox.vendors.sentinelone import SentinelOne
from sandbox.vendors.sherweb import Sherweb
from sandbox.vendors.syncro import Syncro
from sandbox.vendors.veeam import Veeam
from sandbox.vendors.webroot import Webroot

VENDORS: dict[str, FakeVendor] = {
    "acronis": Acronis(),
    "autotask": Autotask(),
    "connectwise": ConnectWise(),
    "cove": Cove(),
    "datto": Datto(),
    "gravityzone": GravityZone(),
    "halopsa": HaloPSA(),
    "m365": M365(),
    "ncentral": NCentral(),
    "ninjaone": NinjaOne(),
    "nsight": NSight(),
    "partnercenter": PartnerCenter(),
    "pax8": Pax8(),
    "sentinelone": SentinelOne(),
    "sherweb": Sherweb(),
    "syncro": Syncro(),
    "veeam": Veeam(),
    "webroot": Webroot(),
}
