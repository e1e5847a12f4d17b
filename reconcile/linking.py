"""Links: which vendor account is which client.

Every account that did not found a client (see `founding`) gets a *suggested* link to the
client whose name matches best, with a score and the reason in words; nothing is approved
unless a person says so (or asks for `approve_above`). Many accounts may link to one client.

Matching normalises names first, so legal suffixes and punctuation do not count:

    "ACME Corporation"  → "acme"      "Acme Corp."  → "acme"        score 1.00
    "Smith & Sons Ltd"  → "smith and sons"
    "Bluebird Log. - Denver" vs "Bluebird Logistics" → 0.7x, suggested, never auto-approved
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from reconcile import audit, naming
from reconcile.audit import Actor
from reconcile.bounds import real, record_id
from reconcile.context import Context
from reconcile.errors import Conflict, Invalid, NotFound
from reconcile.founding import SYNC, Founding, live_clients
from reconcile.integrations import Integrations
from reconcile.naming import normalise
from reconcile.tables import AccountRow, Client, Integration, Link, VarianceException

SUGGEST_FLOOR = 0.6  # below this a "suggestion" would be noise
AMBIGUOUS_SCORE = 0.9  # two clients share the normalised name: never auto-approvable


def match(account_name: str, clients: dict[int, str], normalised: dict[int, str] | None = None) -> tuple[int | None, float, str]:
    """The best client for an account name: (client id, score 0–1, reason)."""
    normalised = normalised if normalised is not None else {cid: normalise(n) for cid, n in clients.items()}
    target = normalise(account_name)
    exact = [cid for cid, n in normalised.items() if n == target]
    if len(exact) == 1:
        return exact[0], 1.0, "same name once case, punctuation and legal suffixes are ignored"
    if len(exact) > 1:
        names = " / ".join(sorted(clients[c] for c in exact))
        return exact[0], AMBIGUOUS_SCORE, f"ambiguous: {len(exact)} clients share this name ({names})"
    best = process.extractOne(target, normalised, scorer=fuzz.token_sort_ratio)
    if best is None:
        return None, 0.0, "no clients yet"
    _, score, client_id = best
    score = round(score / 100, 2)
    if score < SUGGEST_FLOOR:
        return None, score, "no client name is similar enough"
    return client_id, score, f"similar names ({score:.0%} alike)"


@dataclass(frozen=True)
class LinkInfo:
    id: int
    integration: str
    account_id: str
    account_name: str
    client_id: int | None
    client_name: str | None
    status: str
    score: float
    reason: str
    decided_by: str | None
    decided_at: datetime | None


class Links:
    def __init__(self, context: Context, integrations: Integrations) -> None:
        self.context = context
        self.integrations = integrations
        self.founding = Founding(context, self._decide)

    # -- after each sync -------------------------------------------------------------------

    def after_sync(self, tenant_id: str, integration_id: int) -> None:
        """Found or adopt clients from the client source's accounts, then suggest links for the rest."""
        with self.context.sessions.begin() as session:
            self.founding.found(session, session.get(Integration, integration_id))
        self.suggest(tenant_id, SYNC)

    # -- suggestions ------------------------------------------------------------------------

    def suggest(self, tenant_id: str, actor: Actor, *, approve_above: float | str | None = None) -> list[LinkInfo]:
        """Suggest a client for every account without a decided link; returns the open suggestions."""
        if approve_above is not None:
            approve_above = approval_score(approve_above)
        with self.context.sessions.begin() as session:
            clients = dict(session.execute(select(Client.id, Client.name).where(live_clients(tenant_id))).all())
            normalised = {cid: normalise(n) for cid, n in clients.items()}
            links = {(l.integration_id, l.account_id): l
                     for l in session.scalars(select(Link).where(Link.tenant_id == tenant_id))}
            integrations = session.scalars(select(Integration).where(Integration.tenant_id == tenant_id,
                                                                     Integration.current_run_id.is_not(None)))
            for integration in integrations:
                accounts = session.execute(select(AccountRow.external_id, AccountRow.name).where(
                    AccountRow.sync_run_id == integration.current_run_id))
                for account_id, name in accounts:
                    link = links.get((integration.id, account_id))
                    if link is not None and link.status != "suggested":
                        continue
                    client_id, score, reason = match(name, clients, normalised)
                    if link is None:
                        link = Link(tenant_id=tenant_id, integration_id=integration.id, account_id=account_id,
                                    created_at=self.context.clock())
                        session.add(link)
                        links[(integration.id, account_id)] = link
                    link.account_name, link.client_id, link.score, link.reason = name, client_id, score, reason
                    link.status = "suggested"
                    if approve_above is not None and client_id is not None and score >= approve_above:
                        self._decide(session, link, "approved", client_id, actor, reason=f"auto-approved at ≥ {approve_above:.2f}")
        return self.list(tenant_id, status="suggested")

    # -- decisions --------------------------------------------------------------------------

    def approve(self, tenant_id: str, link_id: int | str, actor: Actor) -> LinkInfo:
        with self.context.sessions.begin() as session:
            link = self._require(session, tenant_id, link_id)
            if link.client_id is None:
                raise Invalid(f"{link.account_name!r} has no suggested client; choose one instead")
            self._decide(session, link, "approved", link.client_id, actor)
        return self.get(tenant_id, link_id)

    def reject(self, tenant_id: str, link_id: int | str, actor: Actor) -> LinkInfo:
        with self.context.sessions.begin() as session:
            link = self._require(session, tenant_id, link_id)
            self._decide(session, link, "rejected", link.client_id, actor)
        return self.get(tenant_id, link_id)

    def choose(self, tenant_id: str, link_id: int | str, client: str | int, actor: Actor) -> LinkInfo:
        """Point the account at another client (by id or exact name) and approve it."""
        with self.context.sessions.begin() as session:
            link = self._require(session, tenant_id, link_id)
            target = self.find_client(session, tenant_id, client)
            self._decide(session, link, "approved", target.id, actor, reason="chosen by hand")
        return self.get(tenant_id, link_id)

    # -- accounts that are no client, or a client the PSA does not know yet -----------------

    def ignore(self, tenant_id: str, link_id: int | str, actor: Actor) -> LinkInfo:
        """Set an account aside (the MSP's own lab, a vendor's demo tenant): it leaves every report and
        suggestion until `reopen`."""
        with self.context.sessions.begin() as session:
            link = self._require(session, tenant_id, link_id)
            if link.status == "ignored":
                raise Conflict(f"#{link.id} {link.account_name} is already ignored; `reopen` it to count it again")
            self._undo_hand_made(session, link, actor)
            self._decide(session, link, "ignored", None, actor, reason="ignored: belongs to no client")
        return self.get(tenant_id, link_id)

    def create_client(self, tenant_id: str, link_id: int | str, actor: Actor, name: str | None = None) -> LinkInfo:
        """A new client from an account no PSA company matches (a Pax8-only or RMM-only customer), linked to it.

        A PSA company of the same name adopts the client later (see `founding`); until then it is
        the MSP's word that this customer exists.
        """
        with self.context.sessions.begin() as session:
            link = self._require(session, tenant_id, link_id)
            if link.status == "approved" and link.client_id is not None:
                raise Conflict(f"#{link.id} {link.account_name} is already linked to "
                               f"{session.get(Client, link.client_id).name}; `reopen` it first")
            wanted = (name if name is not None else link.account_name).strip()
            if not wanted:
                raise Invalid("a client needs a name, e.g. --name 'Dunmore Dental'")
            if len(wanted) > 300:
                raise Invalid(f"a client name is at most 300 characters, not {len(wanted)}")
            taken = [n for n in session.scalars(select(Client.name).where(live_clients(tenant_id)))
                     if normalise(n) == normalise(wanted)]
            if taken:
                raise Conflict(f"a client named {taken[0]!r} already exists; choose it instead "
                               f"(`billrec links choose {link.id} {taken[0]!r}`)")
            client = Client(tenant_id=tenant_id, name=wanted, created_at=self.context.clock(), created_by=actor.name,
                            origin_integration_id=link.integration_id, origin_account_id=link.account_id)
            session.add(client)
            session.flush()
            audit.record(session, tenant_id, actor, "client.create", wanted, client=client.id, link=link.id,
                         account=link.account_name)
            self._decide(session, link, "approved", client.id, actor, reason="client created from this account")
        return self.get(tenant_id, link_id)

    def reopen(self, tenant_id: str, link_id: int | str, actor: Actor) -> tuple[LinkInfo, str]:
        """Undo a decision: the account is suggested a client again. Returns the link and what else changed
        (a client made by hand from this account and nothing else goes with it)."""
        with self.context.sessions.begin() as session:
            link = self._require(session, tenant_id, link_id)
            if link.status == "suggested":
                raise Conflict(f"#{link.id} {link.account_name} is not decided yet; nothing to reopen")
            was = link.status
            removed = self._undo_hand_made(session, link, actor)
            clients = dict(session.execute(select(Client.id, Client.name).where(live_clients(tenant_id))).all())
            client_id, score, reason = match(link.account_name, clients)
            link.status, link.client_id, link.score, link.reason = "suggested", client_id, score, reason
            link.decided_by = link.decided_at = link.decided_via = None  # the audit log keeps who reopened it
            audit.record(session, tenant_id, actor, "link.reopen", link.account_name, link=link.id, was=was,
                         removed_client=removed)
        return self.get(tenant_id, link_id), (f"client {removed!r} made from this account was removed"
                                              if removed else "")

    def _undo_hand_made(self, session: Session, link: Link, actor: Actor) -> str | None:
        """Remove the client made by hand from this link's account, if nothing else refers to it; its name."""
        client = session.get(Client, link.client_id) if link.client_id else None
        if (client is None or client.created_by is None or client.origin_integration_id != link.integration_id
                or client.origin_account_id != link.account_id):
            return None
        others = session.scalar(select(Link.id).where(Link.client_id == client.id, Link.id != link.id).limit(1))
        kept = session.scalar(select(VarianceException.id).where(VarianceException.client_id == client.id).limit(1))
        if others is not None or kept is not None:
            return None  # other accounts or exceptions still name it: it stays a client
        link.client_id = None
        session.flush()
        audit.record(session, link.tenant_id, actor, "client.remove", client.name, client=client.id, link=link.id)
        session.delete(client)
        return client.name

    def approve_above(self, tenant_id: str, threshold: float | str, actor: Actor) -> list[LinkInfo]:
        """Approve every open suggestion scoring at least `threshold`."""
        threshold = approval_score(threshold)
        approved = []
        with self.context.sessions.begin() as session:
            query = select(Link).where(Link.tenant_id == tenant_id, Link.status == "suggested",
                                       Link.client_id.is_not(None), Link.score >= threshold)
            for link in session.scalars(query):
                self._decide(session, link, "approved", link.client_id, actor, reason=f"approved at ≥ {threshold:.2f}")
                approved.append(link.id)
        return [self.get(tenant_id, i) for i in approved]

    def _decide(self, session: Session, link: Link, status: str, client_id: int | None, actor: Actor,
                reason: str | None = None) -> None:
        if link.status == "approved" and status == "approved" and link.client_id == client_id:
            return
        link.status, link.client_id = status, client_id
        link.decided_by, link.decided_at, link.decided_via = actor.name, self.context.clock(), actor.via
        if reason:
            link.reason = reason
        client_name = session.get(Client, client_id).name if client_id else None
        audit.record(session, link.tenant_id, actor, f"link.{status}", link.account_name,
                     link=link.id, client=client_name, score=link.score)

    # -- reading ----------------------------------------------------------------------------

    def list(self, tenant_id: str, status: str | None = None) -> list[LinkInfo]:
        with self.context.sessions() as session:
            query = (select(Link, Integration.name, Client.name)
                     .join(Integration, Integration.id == Link.integration_id)
                     .outerjoin(Client, Client.id == Link.client_id)
                     .where(Link.tenant_id == tenant_id)
                     .order_by(Link.status.desc(), Link.score.desc(), Link.account_name))
            if status:
                query = query.where(Link.status == status)
            return [self._info(link, integration, client) for link, integration, client in session.execute(query)]

    def get(self, tenant_id: str, link_id: int | str) -> LinkInfo:
        with self.context.sessions() as session:
            link = self._require(session, tenant_id, link_id)
            integration = session.get(Integration, link.integration_id)
            client = session.get(Client, link.client_id) if link.client_id else None
            return self._info(link, integration.name, client.name if client else None)

    def clients(self, tenant_id: str, search: str = "") -> list[tuple[int, str]]:
        """Clients whose name contains `search` (case-insensitive), by name."""
        with self.context.sessions() as session:
            rows = session.execute(select(Client.id, Client.name).where(live_clients(tenant_id))
                                   .order_by(Client.name)).all()
        needle = search.casefold().strip()
        return [(cid, name) for cid, name in rows if needle in name.casefold()]

    def find_client(self, session: Session, tenant_id: str, client: str | int) -> Client:
        """A client by id or by name: exact, then normalised, then a unique partial match."""
        client_id = as_id(client)
        found = session.get(Client, client_id) if client_id is not None else None
        if found is not None and found.tenant_id == tenant_id and found.origin_integration_id is not None:
            return found
        rows = session.scalars(select(Client).where(live_clients(tenant_id)))
        return naming.pick(str(client), rows, what="client", name=lambda c: c.name)

    def _require(self, session: Session, tenant_id: str, link_id: int | str) -> Link:
        link_id = record_id(link_id, "link")
        link = session.get(Link, link_id)
        if link is None or link.tenant_id != tenant_id:
            raise NotFound(f"no link #{link_id}; see the list of links")
        return link

    @staticmethod
    def _info(link: Link, integration: str, client: str | None) -> LinkInfo:
        return LinkInfo(link.id, integration, link.account_id, link.account_name, link.client_id, client,
                        link.status, link.score, link.reason, link.decided_by, link.decided_at)


def approval_score(value: float | str) -> float:
    """A match score to approve at or above: more than 0, at most 1 (0.95 is 95 %)."""
    found = real(value, "approve-above score", low=0, high=1)
    if found == 0:
        raise Invalid("approve-above score must be more than 0, e.g. 0.95: at 0 every suggestion would be approved")
    return found


def as_id(client: str | int) -> int | None:
    """`client` as a client's number when it is one; a name made of digits is still a name."""
    try:
        return record_id(client, "client")
    except Invalid:
        return None
