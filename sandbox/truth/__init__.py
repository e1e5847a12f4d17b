"""The vendor-neutral truth about one seeded MSP, and the answer key computed from it.

    world = build_world(clients=60, seed=7)
    world.clients[0].devices          # hostnames, classes, OS, last seen, RMM / security / backup coverage
    answer_key(world, checks.PLANTED) # what the product should report for those checks
"""

from sandbox.truth.answers import Expected, answer_key
from sandbox.truth.build import build_world
from sandbox.truth.checks import CheckSpec, Side
from sandbox.truth.model import Customer, DeviceClass, Kind, Linking, Role, World

__all__ = ["CheckSpec", "Customer", "DeviceClass", "Expected", "Kind", "Linking", "Role", "Side", "World",
           "answer_key", "build_world"]
