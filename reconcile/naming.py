"""Company names: normalising them, and finding the one a person meant.

    normalise("ACME Corporation") == normalise("Acme Corp.") == "acme"
    pick("acme", ["Acme Corp", "Acme Dental"], what="client")  → "Acme Corp"? no: two partial
    hits, so `Conflict` asks the person to be more specific; "acme corp" finds "Acme Corp".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import TypeVar

from reconcile.errors import Conflict, NotFound

LEGAL_SUFFIXES = frozenset(
    "inc incorporated llc ltd limited corp corporation co company plc gmbh pty llp".split()
)

T = TypeVar("T")


def normalise(name: str) -> str:
    """Lowercase, `&` → and, no punctuation, no legal suffixes, single spaces."""
    text = unicodedata.normalize("NFKC", name).casefold().replace("&", " and ")
    text = re.sub(r"[^\w\s]", " ", text)
    words = [w for w in text.split() if w not in LEGAL_SUFFIXES]
    return " ".join(words) or " ".join(text.split())


def pick(text: str, candidates: Iterable[T], *, what: str, name: Callable[[T], str] = str,
         partial: bool = True) -> T:
    """The one candidate `text` means: an exact name, else the same normalised name, else (when
    `partial`) a unique partial match. Several hits at the first level that has any raise
    `Conflict`; none, `NotFound`."""
    wanted = text.strip()
    options = list(candidates)
    levels = [lambda n: n == wanted, lambda n: normalise(n) == normalise(wanted)]
    if partial:
        levels.append(lambda n: wanted.casefold() in n.casefold())
    for matches in levels:
        hits = [c for c in options if matches(name(c))]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            names = ", ".join(sorted({name(c) for c in hits})[:8])
            raise Conflict(f"{wanted!r} matches {len(hits)} {what}s ({names}); be more specific")
    raise NotFound(f"no {what} matches {wanted!r}")
