"""Alerts between digests: which under-billing is news, and what was already announced (`alerts_sent`).

The rules are pure:

    worth_alerting(result, threshold)   under-licensed, with a monthly impact (at a sale price) above the threshold
    news(announced, under)              what to announce now, and which announcements lapse

An alert is remembered per client and check until its variance changes: the same +3 is never
announced twice, a +5 later is, and a result that stops being under-licensed clears its alert,
so a relapse is announced again.

`Alerts` keeps them. `claim` clears what lapsed and records what is about to be announced,
before the post, because alerts are at most once: a missed alert is repeated by the digest
anyway, a duplicate one is noise. `posted` keeps Slack's ts; `forget` drops a claim that
Slack clearly refused, so the next sync tries again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, select, update

from reconcile.checks import CheckResult, Status
from reconcile.context import Context
from reconcile.schedule_tables import AlertSent

Key = tuple[str, str]  # (client, check)
PLACES = Decimal("0.0001")  # what the table keeps: variances equal to this many places are the same


def worth_alerting(result: CheckResult, threshold: Decimal) -> bool:
    # money priced at a distributor's cost is no under-billing (a cost is not a price); the digest shows it
    return (result.status is Status.UNDER and not result.at_cost and result.impact is not None
            and result.impact > threshold)


def same_variance(one: Decimal, other: Decimal) -> bool:
    return one.quantize(PLACES) == other.quantize(PLACES)


@dataclass(frozen=True)
class News:
    fresh: tuple[CheckResult, ...]  # to announce, the largest monthly impact first
    lapsed: frozenset[Key]  # announced before, now gone or changed: cleared


def news(announced: Mapping[Key, Decimal], under: Mapping[Key, CheckResult]) -> News:
    """Compare what was announced (variance per client and check) with what is under-billed now."""
    lapsed = frozenset(key for key, variance in announced.items()
                       if key not in under or not same_variance(under[key].variance, variance))
    fresh = [result for key, result in under.items() if key not in announced or key in lapsed]
    fresh.sort(key=lambda r: r.impact or Decimal(0), reverse=True)
    return News(tuple(fresh), lapsed)


@dataclass(frozen=True)
class Claim:
    """Alerts recorded as about to be posted."""

    ids: tuple[int, ...]
    results: tuple[CheckResult, ...]


class Alerts:
    def __init__(self, context: Context) -> None:
        self.context = context

    def claim(self, tenant_id: str, results: Iterable[CheckResult], threshold: Decimal, channel: str, *,
              announce: bool = True) -> Claim:
        """Clear lapsed alerts; record the fresh ones (unless `announce` is off: nobody can post them)."""
        under = {(r.client, r.check): r for r in results if worth_alerting(r, threshold)}
        now = self.context.clock()
        with self.context.sessions.begin() as session:
            open_alerts = {(a.client, a.check_name): a for a in session.scalars(
                select(AlertSent).where(AlertSent.tenant_id == tenant_id, AlertSent.cleared_at.is_(None)))}
            found = news({key: Decimal(a.variance) for key, a in open_alerts.items()}, under)
            for key in found.lapsed:
                open_alerts[key].cleared_at = now
            if not found.fresh or not announce:
                return Claim((), ())
            rows = [AlertSent(tenant_id=tenant_id, client=r.client[:300], check_name=r.check[:200],
                              variance=r.variance, impact=r.impact, channel=channel, at=now) for r in found.fresh]
            session.add_all(rows)
            session.flush()
            return Claim(tuple(row.id for row in rows), found.fresh)

    def posted(self, claim: Claim, ts: str) -> None:
        with self.context.sessions.begin() as session:
            session.execute(update(AlertSent).where(AlertSent.id.in_(claim.ids)).values(ts=ts))

    def forget(self, claim: Claim) -> None:
        with self.context.sessions.begin() as session:
            session.execute(delete(AlertSent).where(AlertSent.id.in_(claim.ids)))
