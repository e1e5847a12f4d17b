"""The primary PSA: which billing-side integration's companies are the clients, and switching it.

An MSP moving from one PSA to another connects both: the primary's companies are the clients and
the other's companies are suggested to them like any other source's accounts, so a check can
compare what each PSA bills. Switching is an admin's action, shown first (`preview`) in the
words of what changes, then confirmed (`switch`), audited as `psa.primary`, and applied at once
from the new primary's last good sync (see `founding` for adoption and retirement).
"""

from __future__ import annotations

from dataclasses import dataclass

from reconcile import audit
from reconcile.audit import Actor
from reconcile.context import Context
from reconcile.errors import Conflict, Invalid
from reconcile.founding import Founding, is_billing, primary_psa
from reconcile.integrations import Integrations
from reconcile.linking import Links
from reconcile.tables import Integration
from reconcile.tenants import ensure


@dataclass(frozen=True)
class PrimaryChange:
    """What naming `psa` the primary PSA changes (or changed)."""

    psa: str
    display_name: str
    was: str | None
    synced: bool
    kept: int  # clients that keep their id, links and history (the same company in the new primary)
    retired: tuple[str, ...]  # clients that are no company of the new primary
    new: int  # companies that become new clients

    def describe(self) -> str:
        head = (f"{self.psa} ({self.display_name}) becomes the primary PSA"
                + (f" instead of {self.was}" if self.was else "") + ": its companies are the clients.")
        if not self.synced:
            return (f"{head} It has not synced yet, so the clients stay as they are until its first good sync, "
                    "which then adopts, retires and adds clients.")
        retired = ""
        if self.retired:
            more = len(self.retired) - 5
            shown = ", ".join(self.retired[:5]) + (f" and {more} more" if more > 0 else "")
            retired = (f" {_count(len(self.retired), 'client')} that {'is' if len(self.retired) == 1 else 'are'} "
                       f"not a {self.psa} company {'is' if len(self.retired) == 1 else 'are'} retired ({shown}): "
                       "links to them go back to suggested and their exceptions are revoked.")
        others = f" {self.was}'s companies are then suggested to these clients, so both PSAs' billing can be " \
                 "compared." if self.was else ""
        return (f"{head} {_count(self.kept, 'client')} keep{'s' if self.kept == 1 else ''} its id, links and "
                f"history (the same company in {self.psa}).{retired} "
                f"{_count(self.new, 'company', 'companies')} become{'s' if self.new == 1 else ''} new "
                f"client{'' if self.new == 1 else 's'}.{others}")


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


class PrimaryPsa:
    def __init__(self, context: Context, integrations: Integrations, links: Links) -> None:
        self.context = context
        self.integrations = integrations
        self.links = links
        self.founding: Founding = links.founding

    def current(self, tenant_id: str) -> str | None:
        """The primary PSA's name, or None while no PSA is connected."""
        with self.context.sessions() as session:
            primary = primary_psa(session, self.context.registry, tenant_id)
            return primary.name if primary else None

    def preview(self, tenant_id: str, name: str) -> PrimaryChange:
        """What naming `name` the primary would change; changes nothing."""
        with self.context.sessions() as session:
            psa, was = self._candidate(session, tenant_id, name)
            return self._change(session, psa, was)

    def switch(self, tenant_id: str, name: str, actor: Actor) -> PrimaryChange:
        """Name `name` the primary PSA and found the clients from its last good sync; audited."""
        with self.context.sessions.begin() as session:
            psa, was = self._candidate(session, tenant_id, name)
            change = self._change(session, psa, was)
            ensure(session, tenant_id).primary_psa_id = psa.id
            audit.record(session, tenant_id, actor, "psa.primary", psa.name, was=was, kept=change.kept,
                         retired=len(change.retired), new=change.new)
            session.flush()
            if psa.current_run_id is not None:
                self.founding.found(session, psa)
        self.links.suggest(tenant_id, actor)  # the old primary's companies, and reopened links, get suggestions
        return change

    def _candidate(self, session, tenant_id: str, name: str) -> tuple[Integration, str | None]:  # noqa: ANN001
        psa = self.integrations.require(session, tenant_id, name)
        if not is_billing(self.context.registry, psa):
            raise Invalid(f"{psa.name} is not a PSA; the primary PSA is a billing-side integration "
                          "(ConnectWise, Autotask, HaloPSA, Syncro)")
        if psa.status != "connected":
            raise Conflict(f"{psa.name} is disconnected; connect it again before making it the primary PSA")
        current = primary_psa(session, self.context.registry, tenant_id)
        if current is not None and current.id == psa.id:
            raise Conflict(f"{psa.name} is already the primary PSA; nothing changed")
        return psa, current.name if current else None

    def _change(self, session, psa: Integration, was: str | None) -> PrimaryChange:  # noqa: ANN001
        plan = self.founding.plan(session, psa)
        display = self.context.registry[psa.kind].display_name
        return PrimaryChange(psa.name, display, was, psa.current_run_id is not None, len(plan.adopted),
                             tuple(sorted(c.name for c in plan.retired)), len(plan.new))
