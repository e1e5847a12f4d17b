"""Numbers as people type them: ASCII digits only, and bounded before they reach storage or arithmetic.

Both faces read their numbers here and every service bounds what it keeps here, so a mistake
reads the same in Slack and on the command line:

    >>> whole("30", "seen-within", low=1, high=3650, unit=" days")
    30
    >>> whole("800000", "seen-within", low=1, high=3650, unit=" days")
    Traceback (most recent call last):
    reconcile.errors.Invalid: seen-within must be between 1 and 3650 days, not 800000

Python reads more than a person means: `int("٣")` and `int("３")` are 3, `int("1_000")` is 1000,
and `"²".isdigit()` is true although `int("²")` fails. An id past 2**63 - 1 overflows SQLite's
driver (PostgreSQL's bigint ends there too), and a day count past a few thousand overflows the
date arithmetic of every later reconcile.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal

from reconcile.errors import Invalid

DIGITS = re.compile(r"[0-9]+")
REAL = re.compile(r"[0-9]+(\.[0-9]*)?|\.[0-9]+")  # 0.95, 2, .5: no signs, exponents, nan or inf
ID_MAX = 2**63 - 1  # a signed 64-bit integer: what SQLite and PostgreSQL's bigint keep
MAX_TYPED_DIGITS = 100  # past this a number is only ever a mistake; int() itself stops at 4300
SEEN_WITHIN_DAYS = (1, 3650)  # ten years: `now - days` stays a date, and no fleet is older
PLACES = Decimal("0.0001")  # what the database keeps of an amount (Numeric(20, 4))


def short(text: str) -> str:
    """What was typed, short enough for a one-line message."""
    return text if len(text) <= 40 else text[:39] + "…"


def shown(text: str) -> str:
    return repr(short(text))


def digits(value: int | str, what: str) -> int:
    """A whole number written with the digits 0-9 (surrounding spaces aside), of any size."""
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not DIGITS.fullmatch(text) or len(text) > MAX_TYPED_DIGITS:
        raise Invalid(f"{what} must be a whole number written with the digits 0-9, not {shown(text)}")
    return int(text)


def whole(value: int | str, what: str, *, low: int, high: int, unit: str = "") -> int:
    """`value` as a whole number in [low, high]; `Invalid` in words otherwise."""
    number = digits(value, what)
    if not low <= number <= high:
        raise Invalid(f"{what} must be between {low} and {high}{unit}, not {short(str(number))}")
    return number


def record_id(value: int | str, what: str) -> int:
    """The number of a stored record (`3` or `#3`): exception, link, sync run, snapshot, client."""
    text = value if isinstance(value, int) else str(value).strip().removeprefix("#")
    return whole(text, f"{what} number", low=1, high=ID_MAX)


def real(value: float | str, what: str, *, low: float, high: float, unit: str = "") -> float:
    """A plain decimal number (`0.95`, `2`, `.5`) in [low, high]: no sign, exponent, nan or infinity."""
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip()
        if not REAL.fullmatch(text) or len(text) > MAX_TYPED_DIGITS:
            raise Invalid(f"{what} must be a number written with the digits 0-9 and a point, not {shown(text)}")
        number = float(text)
    if not (math.isfinite(number) and low <= number <= high):
        raise Invalid(f"{what} must be between {low:g} and {high:g}{unit}, not {short(str(value).strip())}")
    return number


def amount(value: str | Decimal, label: str, *, low: Decimal, high: Decimal) -> Decimal:
    """A number as it will be stored (4 decimal places), within [low, high].

    Ratios may be written as a fraction: "1/3" is one licence per three devices.
    """
    text = str(value).strip()
    try:
        if not text.isascii():  # Decimal reads '٣' and '３' as 3 too
            raise ValueError(text)
        if "/" in text:
            numerator, denominator = (Decimal(part) for part in text.split("/", 1))
            result = numerator / denominator
        else:
            result = Decimal(text)
        stored = result.quantize(PLACES, rounding=ROUND_HALF_UP) if result.is_finite() and abs(result) <= high else None
    except (ArithmeticError, ValueError):  # InvalidOperation, Overflow, division by zero
        raise Invalid(f"{label} must be a number, not {shown(text)}") from None
    if stored is None or not low <= stored <= high:
        raise Invalid(f"{label} must be between {low.normalize():f} and {high.normalize():f} "
                      f"(the database keeps 4 decimal places), not {shown(text)}")
    return stored
