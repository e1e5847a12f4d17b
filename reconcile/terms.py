"""When over-bought seats can be reduced: the commitment terms (NCE) of the subscriptions behind them.

A three-way licence check knows how many seats the MSP buys for a client and how many the tenant
assigns. Seats bought beyond those assigned are the MSP's own cost leak, but Microsoft's new-commerce
terms decide when they can go:

    monthly term (or billed monthly with no term)  "reducible now"
    annual, 2-year, triennial with an end date     "annual term, reducible at renewal on 2027-03-14"
      … within 7 days after the term began         "reducible now, cancellation window until 2026-12-09"
    such a term with no end date                   "annual term, reducible at renewal (date not given)"
    no term from the source at all                 "term unknown"

Decisions the references leave open:

- The renewal date is the source's own (`Term.renews`), else the day after the term ends.
- The start of the running term is not given by any source we read; it is the day after the same
  date one term-length before the end (an annual term ending 2027-03-13 began 2026-03-14). Microsoft
  lets a new-commerce subscription be cancelled or reduced within 7 days (168 hours) of its purchase or
  renewal; within that window the seats are reducible now, and the date shown is the day the window
  closes (the term's start + 7 days).
- The length is read from the commitment ("Monthly", "Annual", "1-Year", "Triennial", "3-Year", or an
  ISO 8601 duration such as Partner Center's "P1M", "P1Y", "P3Y"),
  else from the billing cycle ("monthly", "annual"/"yearly" as in Pax8's `billingTerm`).
- Several subscriptions of one product: the over-bought seats are taken first from what can go now
  (monthly terms, then terms in their cancellation window), then by renewal date, the unknown last;
  each part is said with its count ("2 reducible now; 3 annual term, reducible at renewal on …").
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from connectors.records import Term

CANCELLATION_WINDOW = timedelta(days=7)  # Microsoft NCE: 168 hours after purchase or renewal
NOW = "reducible now"
UNKNOWN = "term unknown"
RENEWALS_AHEAD = timedelta(days=30)  # the digest lists renewals due this far ahead that carry unassigned seats

NAMES = {1: "monthly", 12: "annual", 24: "2-year", 36: "triennial"}


@dataclass(frozen=True)
class Commitment:
    """One bought quantity (a subscription) and its term as the source gave it (None: it gave none)."""

    quantity: Decimal
    term: Term | None = None


@dataclass(frozen=True)
class Reducible:
    """What an over-bought result says about when its seats can go, and the soonest renewal that
    would carry unassigned seats (None when every part can go now or no date is known)."""

    words: str = ""
    renews_on: date | None = None


def months(term: Term | None) -> int | None:
    """The term's length in months, from its commitment or else its billing cycle; None when unknown."""
    if term is None:
        return None
    for said in (term.commitment, term.billing_cycle):
        text = (said or "").strip().casefold()
        if not text:
            continue
        iso = re.fullmatch(r"p(\d+)([my])", text)  # Partner Center's ISO 8601 termDuration: P1M, P1Y, P3Y
        if iso:
            return int(iso.group(1)) * (12 if iso.group(2) == "y" else 1)
        if "month" in text:
            return 1
        if "trienn" in text:
            return 36
        counted = re.match(r"(\d+)\s*-?\s*year", text)
        if counted:
            return 12 * int(counted.group(1))
        if "annual" in text or "year" in text:
            return 12
    return None


def _renewal(term: Term) -> date | None:
    if term.renews is not None:
        return term.renews
    return term.ends + timedelta(days=1) if term.ends is not None else None


def _began(ends: date, length: int) -> date:
    """The first day of a term of `length` months ending on `ends`: the same date `length` months
    before the day after it (a month too short for the day ends the term at its last day)."""
    after = ends + timedelta(days=1)
    year, month = divmod(after.year * 12 + after.month - 1 - length, 12)
    return date(year, month + 1, min(after.day, calendar.monthrange(year, month + 1)[1]))


def _part(commitment: Commitment, today: date) -> tuple[tuple[int, date], str, date | None]:
    """(order to take seats from, the words, the renewal date that would carry them)."""
    length = months(commitment.term)
    term = commitment.term
    if length is None or term is None:
        return (3, date.max), UNKNOWN, None
    if length == 1:
        return (0, date.min), NOW, None
    name = NAMES.get(length, f"{length}-month")
    if term.ends is None:
        return (2, date.max), f"{name} term, reducible at renewal (date not given)", None
    start = _began(term.ends, length)
    closes = start + CANCELLATION_WINDOW
    if start <= today < closes:
        return (1, closes), f"{NOW}, cancellation window until {closes.isoformat()}", None
    renews = _renewal(term)
    return (2, renews or date.max), f"{name} term, reducible at renewal on {renews.isoformat()}", renews


def reducible(over: Decimal, commitments: Sequence[Commitment], today: date) -> Reducible:
    """When `over` seats bought beyond those assigned can be reduced, part by part; empty when the
    source gave no subscriptions to say it from."""
    if over <= 0 or not commitments:
        return Reducible()
    parts = sorted((_part(c, today) + (c.quantity,) for c in commitments if c.quantity > 0),
                   key=lambda part: part[0])
    taken: dict[str, Decimal] = {}
    soonest: date | None = None
    left = over
    for _, words, renews, quantity in parts:
        if left <= 0:
            break
        share = min(left, quantity)
        taken[words] = taken.get(words, Decimal(0)) + share
        left -= share
        if renews is not None and (soonest is None or renews < soonest):
            soonest = renews
    if left > 0:  # more over-bought than the subscriptions read hold: say the rest is unknown
        taken[UNKNOWN] = taken.get(UNKNOWN, Decimal(0)) + left
    if len(taken) == 1:
        return Reducible(next(iter(taken)), soonest)
    return Reducible("; ".join(f"{count.normalize():f} {words}" for words, count in taken.items()), soonest)
