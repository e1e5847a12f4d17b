"""Everyone the MSP meets that is no billed client: prospects, former customers, its own lab, a
customer only its distributor knows, and a backup customer it does not bill."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sandbox.truth import catalog, cloud, fleet
from sandbox.truth.billing import subscription
from sandbox.truth.model import CANCELLED, Account, Customer, Kind, Linking, Role
from sandbox.truth.names import Name
from sandbox.truth.plan import Fleet, Line
from sandbox.truth.writer import Writer


def prospect(writer: Writer, name: Name) -> Customer:
    return writer.customer(name, Kind.PROSPECT, sites=(writer.site("main", "Main Office"),),
                         accounts=(Account(Role.PSA, name.canonical, 0),), tags=("prospect",))

def former_psa(writer: Writer, name: Name) -> Customer:
    """A client that left: the PSA still lists its company, deleted."""
    return writer.customer(name, Kind.FORMER, sites=(writer.site("main", "Main Office"),),
                         accounts=(Account(Role.PSA, name.canonical, 0, live=False),), tags=("deleted company",))

def former_distributor(writer: Writer, name: Name) -> Customer:
    """A customer gone from the distributor: deleted, its one subscription cancelled."""
    m365 = catalog.M365_LICENSED
    return writer.customer(name, Kind.FORMER, accounts=(Account(Role.DISTRIBUTOR, name.canonical, 0, live=False),),
                         purchases=(subscription(writer.rng, writer.now, m365, Line(writer.rng.randint(3, 9), m365.price),
                                                    CANCELLED),),
                         tags=("deleted distributor account",))

def lab(writer: Writer, name: Name, planned: Fleet) -> Customer:
    """The MSP's own lab: machines in the RMM and the security tool, belonging to no client."""
    rng, now = writer.rng, writer.now
    devices = fleet.protect(rng, now, fleet.devices(rng, now, planned, ["main"], fleet.Hostnames(name.canonical)),
                            "advanced", backup=False, workstation_backup=False)
    accounts = (Account(Role.RMM, name.canonical, 0, linking=Linking.NONE),
                Account(Role.SECURITY, name.canonical, 0, linking=Linking.NONE))
    return writer.customer(name, Kind.OWN_LAB, sites=(writer.site("main", "Main Office"),), accounts=accounts,
                         devices=tuple(devices), tags=("the MSP's own lab",))

def distributor_only(writer: Writer, name: Name, lines: Sequence[Line]) -> Customer:
    """A customer the MSP buys licences for that its PSA does not know."""
    products = (catalog.SECURITY, catalog.M365_LICENSED)
    return writer.customer(name, Kind.DISTRIBUTOR_ONLY,
                         accounts=(Account(Role.DISTRIBUTOR, name.canonical, 0, linking=Linking.NONE),),
                         purchases=tuple(subscription(writer.rng, writer.now, p, line) for p, line in zip(products, lines)),
                         tags=("a distributor customer the PSA does not know",))

def backup_only(writer: Writer, name: Name) -> Customer:
    """A backup customer that is no client: two servers protected, nothing billed."""
    rng, now = writer.rng, writer.now
    planned = Fleet(servers=2)
    devices = fleet.protect(rng, now, fleet.devices(rng, now, planned, ["main"], fleet.Hostnames(name.canonical)),
                            "advanced", backup=True, workstation_backup=False)
    devices = [dataclasses.replace(d, rmm=None, security=()) for d in devices]
    protected = sum(a.protected_bytes for d in devices for a in d.backup)
    return writer.customer(name, Kind.BACKUP_ONLY, sites=(writer.site("main", "Main Office"),),
                         accounts=(Account(Role.BACKUP, name.canonical, 0, linking=Linking.NONE),),
                         devices=tuple(devices), storage=cloud.storage(rng, now, protected) if protected else (),
                         tags=("a backup customer that is no client",))
