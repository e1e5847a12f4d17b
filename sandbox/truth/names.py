"""Client names for the sandbox world: canonical names, the variants other vendors use, and the rule
that says when two of them are "the same client".

The link matcher (in `reconcile/`) normalises names before it compares them; `normalise` is the
sandbox's own statement of that rule, so the generator can promise that every *easy* variant
lands on the same string as its canonical name and every *hard* variant does not:

    normalise("Acme, Inc.") == normalise("ACME Corporation") == "acme"
    normalise("Smith & Sons Ltd") == "smith and sons"
    normalise("Bluebird Log. - Denver") == "bluebird log denver"   # not "bluebird logistics"
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

LEGAL_SUFFIXES = frozenset({
    "inc", "incorporated", "llc", "ltd", "limited", "corp", "corporation", "co", "company",
    "plc", "gmbh", "pty", "llp",
})

FIRST_WORDS = (
    "Alder", "Aspen", "Bayside", "Birchwood", "Bluebird", "Canyon", "Cedar", "Clearwater",
    "Copper", "Dovetail", "Driftwood", "Eastgate", "Elmwood", "Evergreen", "Fairview", "Falcon",
    "Foxglove", "Glacier", "Granite", "Harbor", "Hawthorne", "Heron", "Highland", "Indigo",
    "Ironwood", "Jasper", "Juniper", "Keystone", "Kingfisher", "Lakeside", "Larkspur",
    "Lighthouse", "Magnolia", "Maple", "Meridian", "Mesa", "Newport", "Northstar", "Oakmont",
    "Oakridge", "Orchard", "Pinecrest", "Pioneer", "Prairie", "Redwood", "Ridgeline",
    "Riverbend", "Rosewood", "Sagebrush", "Sapphire", "Sierra", "Silverline", "Stonegate",
    "Summit", "Sunrise", "Tidewater", "Timberline", "Trailhead", "Upland", "Valley", "Vista",
    "Westfield", "Wildflower", "Willow", "Yarrow", "Zephyr",
)

TRADES = (
    "Accounting", "Animal Hospital", "Architects", "Auto Group", "Brewing", "Capital",
    "Charter School", "Chiropractic", "Construction", "Consulting", "Credit Union",
    "Dental Partners", "Dermatology", "Design Studio", "Electric", "Engineering", "Eye Care",
    "Family Medicine", "Foods", "Home Health", "Hospitality", "Insurance Agency", "Landscaping",
    "Law Group", "Logistics", "Manufacturing", "Marine Supply", "Mechanical", "Orthodontics",
    "Pediatrics", "Physical Therapy", "Printing", "Property Management", "Realty", "Staffing",
    "Surveying", "Tax Advisors", "Title Services", "Veterinary Clinic", "Wealth Advisors",
)

CITIES = (
    "Denver", "Boulder", "Austin", "Tucson", "Spokane", "Fresno", "Omaha", "Tulsa", "Reno",
    "Boise", "Madison", "Raleigh", "Savannah", "Duluth", "Provo",
)

# Names a test suite should meet at least once: "&", an apostrophe, and non-ASCII letters.
HOSTILE = (("Smith & Sons", "Ltd"), ("O'Brien Family Dental", ""), ("Café Müller", "GmbH"))

# How a canonical suffix may be written elsewhere: every spelling normalises away.
SUFFIX_SPELLINGS = {
    "LLC": ("LLC", "llc", ", LLC"),
    "Inc": ("Inc.", ", Inc.", "Incorporated", "INC"),
    "Corp": ("Corp.", "Corporation", "Corp"),
    "Ltd": ("Ltd.", "Limited", "Ltd"),
    "GmbH": ("GmbH", "GMBH"),
    "": ("", "Inc.", "LLC"),
}
CANONICAL_SUFFIXES = ("LLC", "LLC", "Inc", "Inc", "Corp", "Ltd", "", "", "", "")


def normalise(name: str) -> str:
    """The link matcher's comparison key: lowercase, "&" → "and", no punctuation, no legal suffixes."""
    text = name.lower().replace("&", " and ")
    text = "".join(ch for ch in text if ch.isalnum() or ch.isspace())
    return " ".join(word for word in text.split() if word not in LEGAL_SUFFIXES)


@dataclass(frozen=True)
class Name:
    """A client's name: the base words and the legal suffix the PSA writes after them."""

    base: str
    suffix: str = ""

    @property
    def canonical(self) -> str:
        return f"{self.base} {self.suffix}".strip()

    @property
    def key(self) -> str:
        return normalise(self.base)


def distinct_names(rng: random.Random, count: int) -> list[Name]:
    """`count` names whose normalised forms are all different; the hostile ones come first.

    Up to about 65 names use each first word once, which keeps a demo easy to read; larger worlds
    (benchmarks) reuse first words, then add a city ("Aspen Dental Partners Reno").
    """
    names = [Name(base, suffix) for base, suffix in HOSTILE]
    seen = {n.key for n in names}
    pairs = [(first, trade) for first in FIRST_WORDS for trade in TRADES]
    rng.shuffle(pairs)
    used_first: set[str] = set()
    bases = [f"{first} {trade}" for first, trade in pairs if not (first in used_first or used_first.add(first))]
    once = set(bases)
    bases += [f"{first} {trade}" for first, trade in pairs if f"{first} {trade}" not in once]
    bases += [f"{first} {trade} {city}" for city in CITIES for first, trade in pairs]
    for base in bases:
        if len(names) >= count:
            break
        if normalise(base) in seen:
            continue
        name = Name(base, rng.choice(CANONICAL_SUFFIXES))
        seen.add(name.key)
        names.append(name)
    if len(names) < count:
        raise ValueError(f"the sandbox can name at most {len(names)} companies, not {count}")
    return names


def easy_variant(rng: random.Random, name: Name) -> str:
    """How another vendor might write the same client: case, suffix and spacing differ, the key does not."""
    suffix = rng.choice(SUFFIX_SPELLINGS.get(name.suffix, SUFFIX_SPELLINGS[""]))
    base = name.base
    style = rng.choice(("as-is", "upper", "lower", "spaced", "and", "as-is"))
    if style == "upper":
        base, suffix = base.upper(), suffix.upper()
    elif style == "lower":
        base = base.lower()
    elif style == "spaced":
        base = base.replace(" ", "  ", 1)
    elif style == "and" and "&" in base:
        base = base.replace("&", "and")
    return f"{base}{suffix}" if suffix.startswith(",") else f"{base} {suffix}".strip()


def hard_variant(rng: random.Random, name: Name, *, branch: bool) -> str:
    """A genuine name for the same client that no normalisation rescues: abbreviated, with a site.

    `branch=True` names a second site ("Bluebird Log. - Denver"); otherwise the whole client is
    filed under its initials ("SDP - Summit (Austin)" for Summit Dental Partners).
    """
    first, *rest = name.base.split()
    city = rng.choice(CITIES)
    if branch:
        short = f"{rest[0][:3]}." if len(rest[0]) >= 6 else "".join(word[0] for word in rest).upper()
        return f"{first} {short} - {city}"
    initials = "".join(word[0] for word in name.base.split()).upper()
    if initials.lower() in LEGAL_SUFFIXES:  # "CO" would vanish in normalisation
        initials = first[:2].upper() + initials[1:]
    return f"{initials} - {first} ({city})"


def compact(text: str) -> str:
    """`"Café Müller"` → `"cafemuller"`: lowercase ASCII letters and digits, for domains and slugs."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum())
