"""Founding clients: which source's organisations become the MSP's clients.

Clients come from the tenant's *primary PSA*: every company it reports becomes a client, linked
(approved) to that company. The primary is the PSA the tenant named (`PrimaryPsa.switch`, an
admin's confirmed action), and until one is named the first PSA connected, recorded when it first
founds clients. Without a PSA, the first connected source plays that part. Every other account,
a second PSA's companies included, is then *suggested* a client by `linking`, so an MSP moving
between PSAs compares the billing of both against the same clients.

When the primary PSA arrives after another source founded the clients (or is switched to), its
companies become the clients, so no company is reported twice. On its sync:

- a client a PSA company's link is already approved to is *adopted* by that company (a person
  said they are the same); so is a founded client whose normalised name is the same as exactly
  one PSA company's, where no other founded client shares that name. Adopted, it keeps its id
  and its approved links, takes the company's name, and now originates from the PSA, whose link
  is approved;
- every other founded client is *retired*: all links to it go back to `suggested` with no
  client (so the next suggestions propose a PSA client and a person decides), its active
  exceptions are revoked, and the row is deleted. A client that revoked exceptions still
  refer to is kept for their history, without an origin, and is offered to no one again;
- the remaining companies become new clients, as when the PSA comes first.

    RMM founded "ACME Corporation" (#1), "Cedar Dental" (#2); PSA has "Acme Corp", "Dunmore"
    → #1 is renamed "Acme Corp" (its RMM link stays approved), #2 is retired (the RMM's
      "Cedar Dental" link is suggested again), "Dunmore" becomes client #3.

A PSA sync with no companies retires nothing. A PSA that is not the primary founds nothing.
A client a person created by hand from an account (`Links.create_client`) is adopted like any
other when a PSA company carries its name, and otherwise never retired.
Every step is audited as the `sync` actor; a switch also as the admin who confirmed it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from connectors.base import Role
from reconcile import audit
from reconcile.audit import Actor
from reconcile.context import Context
from reconcile.naming import normalise
from reconcile.tables import (
    AccountRow,
    CheckRow,
    Client,
    Integration,
    Link,
    Tenant,
    VarianceException,
)

SYNC = Actor("sync", "scheduler")

# records a decision on a link, audited: (session, link, status, client id, actor, reason=…)
Decide = Callable[..., None]


def adoptions(clients: Mapping[int, str], companies: Mapping[str, str]) -> dict[int, str]:
    """Which founded client each PSA company adopts: client id → company (account) id.

    Only one-to-one matches of normalised names count; a name two clients or two companies
    share adopts nothing, so no guess is ever made for a person.
    """
    client_names = Counter(normalise(n) for n in clients.values())
    by_name: dict[str, list[str]] = {}
    for account_id, name in companies.items():
        by_name.setdefault(normalise(name), []).append(account_id)
    return {cid: by_name[key][0] for cid, name in clients.items()
            if len(by_name.get(key := normalise(name), ())) == 1 and client_names[key] == 1}


def live_clients(tenant_id: str) -> ColumnElement[bool]:
    """A tenant's clients, less the retired ones kept only for their exceptions' history."""
    return and_(Client.tenant_id == tenant_id, Client.origin_integration_id.is_not(None))


def is_billing(registry: Mapping[str, type], integration: Integration | None) -> bool:
    cls = registry.get(integration.kind) if integration is not None else None
    return cls is not None and getattr(cls, "role", None) is Role.BILLING


def primary_psa(session: Session, registry: Mapping[str, type], tenant_id: str) -> Integration | None:
    """The tenant's primary PSA: the one named (connected or not: a disconnect keeps its clients), else the
    first PSA connected that is still connected; None without a PSA."""
    tenant = session.get(Tenant, tenant_id)
    if tenant is not None and tenant.primary_psa_id is not None:
        named = session.get(Integration, tenant.primary_psa_id)
        if named is not None and named.tenant_id == tenant_id:
            return named
    connected = session.scalars(select(Integration).where(Integration.tenant_id == tenant_id,
                                                          Integration.status == "connected").order_by(Integration.id))
    return next((i for i in connected if is_billing(registry, i)), None)


@dataclass(frozen=True)
class TakeOver:
    """What a PSA's companies do to the clients when it becomes (or syncs as) the primary."""

    adopted: dict[str, Client]  # company id → the client it adopts (keeps its id, links and history)
    retired: list[Client]  # clients no company of the PSA is: their links go back to suggested
    new: list[str]  # companies that become new clients


class Founding:
    def __init__(self, context: Context, decide: Decide) -> None:
        self.context = context
        self.decide = decide

    def found(self, session: Session, integration: Integration) -> None:
        """After `integration` synced: found (or adopt) clients if it is the client source."""
        if self._is_client_source(session, integration):
            self._ensure_clients(session, integration)

    def _is_client_source(self, session: Session, integration: Integration) -> bool:
        primary = primary_psa(session, self.context.registry, integration.tenant_id)
        if self._is_billing(integration):
            if primary is None or primary.id != integration.id:
                return False  # a second PSA: its companies are suggested to the primary's clients
            tenant = session.get(Tenant, integration.tenant_id)
            if tenant is not None and tenant.primary_psa_id is None:
                tenant.primary_psa_id = integration.id  # the first PSA connected, now named
            return True
        existing_origin = session.scalar(select(Client.origin_integration_id).where(
            Client.tenant_id == integration.tenant_id, Client.origin_integration_id.is_not(None),
            Client.created_by.is_(None)).limit(1))
        if existing_origin is not None:
            return existing_origin == integration.id
        # no clients yet and no PSA: the first connected source founds them
        return primary is None

    def _is_billing(self, integration: Integration | None) -> bool:
        return is_billing(self.context.registry, integration)

    def plan(self, session: Session, psa: Integration) -> TakeOver:
        """What `psa` founding the clients would change, from its last good sync; changes nothing."""
        links = {l.account_id: l for l in session.scalars(select(Link).where(Link.integration_id == psa.id))}
        companies = list(session.scalars(select(AccountRow).where(AccountRow.sync_run_id == psa.current_run_id)))
        return self._plan(session, psa, companies, links) if psa.current_run_id else TakeOver({}, [], [])

    def _ensure_clients(self, session: Session, integration: Integration) -> None:
        links = {l.account_id: l for l in session.scalars(select(Link).where(Link.integration_id == integration.id))}
        accounts = list(session.scalars(select(AccountRow).where(AccountRow.sync_run_id == integration.current_run_id)))
        adopted = self._take_over(session, integration, accounts, links) if self._is_billing(integration) else {}
        clients = {c.id: c for c in session.scalars(select(Client).where(Client.tenant_id == integration.tenant_id))}
        for account in accounts:
            link = links.get(account.external_id)
            if account.external_id in adopted:
                client = adopted[account.external_id]
                if link is None:
                    link = Link(tenant_id=integration.tenant_id, integration_id=integration.id,
                                account_id=account.external_id, account_name=account.name, client_id=client.id,
                                score=1.0, created_at=self.context.clock())
                    session.add(link)
                    session.flush()
                self.decide(session, link, "approved", client.id, SYNC, reason="client adopted by this account")
            elif link is None or not self._linked(link, clients):
                # a company of the primary PSA is a client, whatever was suggested for it before
                client = Client(tenant_id=integration.tenant_id, name=account.name, created_at=self.context.clock(),
                                origin_integration_id=integration.id, origin_account_id=account.external_id)
                session.add(client)
                session.flush()
                clients[client.id] = client
                if link is None:
                    session.add(Link(tenant_id=integration.tenant_id, integration_id=integration.id,
                                     account_id=account.external_id, account_name=account.name, client_id=client.id,
                                     status="approved", score=1.0, reason="client created from this account",
                                     decided_by="sync", decided_at=self.context.clock(), decided_via="scheduler",
                                     created_at=self.context.clock()))
                else:
                    link.score = 1.0
                    self.decide(session, link, "approved", client.id, SYNC, reason="client created from this account")
            elif (link.client_id in clients and clients[link.client_id].origin_integration_id == integration.id
                  and clients[link.client_id].origin_account_id == account.external_id):
                clients[link.client_id].name = account.name  # the PSA renamed its company
                link.account_name = account.name

    @staticmethod
    def _linked(link: Link, clients: Mapping[int, Client]) -> bool:
        """The company's link is approved to a live client."""
        client = clients.get(link.client_id) if link.client_id is not None else None
        return link.status == "approved" and client is not None and client.origin_integration_id is not None

    # -- a PSA taking over from the source that founded the clients ------------------------

    def _plan(self, session: Session, psa: Integration, companies: list[AccountRow],
              links: Mapping[str, Link]) -> TakeOver:
        founded = {c.id: c for c in session.scalars(select(Client).where(Client.tenant_id == psa.tenant_id,
                                                                         Client.origin_integration_id.is_not(None),
                                                                         Client.origin_integration_id != psa.id))}
        names = {a.external_id: a.name for a in companies}
        adopted: dict[str, Client] = {}
        for company in names:  # a person already said this company is that client
            link = links.get(company)
            if (link is not None and link.status == "approved" and link.client_id in founded
                    and all(c.id != link.client_id for c in adopted.values())):
                adopted[company] = founded[link.client_id]
        open_clients = {cid: c.name for cid, c in founded.items() if c not in adopted.values()}
        open_companies = {company: name for company, name in names.items()
                          if company not in adopted and (company not in links or links[company].status != "approved")}
        for cid, company in adoptions(open_clients, open_companies).items():
            adopted[company] = founded[cid]
        # one made by hand stays until a person says otherwise
        retired = ([c for c in founded.values() if c not in adopted.values() and c.created_by is None]
                   if companies else [])
        own = {c.id for c in session.scalars(select(Client).where(Client.origin_integration_id == psa.id))}
        new = [company for company in names if company not in adopted
               and not (company in links and links[company].status == "approved"
                        and (links[company].client_id in own or links[company].client_id in founded))]
        return TakeOver(adopted, retired, new)

    def _take_over(self, session: Session, psa: Integration, companies: list[AccountRow],
                   links: Mapping[str, Link]) -> dict[str, Client]:
        """Adopt or retire the clients another source founded; returns company id → adopted client."""
        plan = self._plan(session, psa, companies, links)
        names = {a.external_id: a.name for a in companies}
        companies_of = {client.id: company for company, client in plan.adopted.items()}
        for client in sorted([*plan.adopted.values(), *plan.retired], key=lambda c: c.id):
            company = companies_of.get(client.id)
            if company is None:
                self._retire(session, client, psa)
                continue
            audit.record(session, psa.tenant_id, SYNC, "client.adopt", names[company], client=client.id,
                         was=client.name, integration=psa.name)
            client.name, client.origin_integration_id, client.origin_account_id = names[company], psa.id, company
        return plan.adopted

    def _retire(self, session: Session, client: Client, psa: Integration) -> None:
        now = self.context.clock()
        for link in session.scalars(select(Link).where(Link.client_id == client.id)):
            audit.record(session, link.tenant_id, SYNC, "link.reopen", link.account_name, link=link.id,
                         client=client.name, was=link.status)
            link.status, link.client_id, link.score = "suggested", None, 0.0
            link.reason = f"its client {client.name!r} is not a {psa.name} company"
            link.decided_by = link.decided_at = link.decided_via = None
        for exception in session.scalars(select(VarianceException).where(VarianceException.client_id == client.id,
                                                                          VarianceException.revoked_at.is_(None))):
            exception.revoked_at = now
            check = session.get(CheckRow, exception.check_id)
            audit.record(session, client.tenant_id, SYNC, "exception.revoke", f"{client.name} / {check.name}",
                         reason=f"the client is not a {psa.name} company")
        session.flush()
        # exceptions (revoked ones too) keep their client for history; links no longer point here
        kept = session.scalar(select(VarianceException.id).where(VarianceException.client_id == client.id).limit(1))
        audit.record(session, client.tenant_id, SYNC, "client.retire", client.name, client=client.id,
                     integration=psa.name, kept=kept is not None)
        if kept is None:
            session.delete(client)
        else:
            client.origin_integration_id = client.origin_account_id = None
