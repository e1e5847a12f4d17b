"""Answer-key entries, written down as the generator plants each discrepancy.

The generator decides a status first ("this client is under-billed by 3 workstations"), then the
numbers; `planted()` refuses numbers that do not say what the generator meant, so a slip in the
generator fails loudly instead of producing a wrong key.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sandbox.model import MATCHED, OVER, UNDER, UNMAPPED, Expected


@dataclass(frozen=True)
class Line:
    """One planted billing line: a ConnectWise addition or a Pax8 subscription.

    `quantity` is what the line bills; a ConnectWise addition with `less_included` carries
    `quantity + less_included` in its `quantity` field.
    """

    quantity: int
    price: Decimal
    less_included: int = 0
    cancels_in_days: int | None = None  # a cancelledDate in the future: still billing today
    term: str = "Monthly"
    agreement: str = "Managed Services"


def unit_price(lines: Sequence[Line]) -> Decimal | None:
    """The quantity-weighted price of some lines, or None when there are none."""
    total = sum(line.quantity for line in lines)
    if not lines or not total:
        return None
    if len({line.price for line in lines}) == 1:
        return lines[0].price
    return sum(line.quantity * line.price for line in lines) / total


def most_common_price(per_client: Iterable[Sequence[Line]]) -> Decimal:
    """The unit price most clients pay for a metric (the fallback when a result has no price)."""
    prices = Counter(unit_price(lines) for lines in per_client if lines)
    return prices.most_common(1)[0][0]


def planted(client: str, check: str, status: str, billed: int, actual: int, price: Decimal,
            note: str = "") -> Expected:
    """A linked client's result; raises when the numbers contradict the planted status."""
    variance = actual - billed
    meant = MATCHED if variance == 0 else UNDER if variance > 0 else OVER
    if meant != status:
        raise AssertionError(f"planted {status} for {client} / {check} but billed {billed}, actual {actual}")
    return Expected(client, check, Decimal(billed), Decimal(actual), status, price,
                    Decimal(variance) * price, note)


def unmapped(account: str, check: str, billed: int, actual: int, price: Decimal | None,
             note: str = "") -> Expected:
    """An unlinked account's result: its own numbers on its side, 0 on the other, no impact."""
    return Expected(account, check, Decimal(billed), Decimal(actual), UNMAPPED, price, None, note)
