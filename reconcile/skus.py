"""Microsoft's SKU names: `skuPartNumber` / `skuId` → display name, as data, with its refresh.

Microsoft publishes "Product names and service plan identifiers for licensing" as a CSV, one row per
service plan of each SKU (`SOURCE_URL`). We keep it reduced to one row per SKU in
`reconcile/data/microsoft_skus.json`, with where it came from and when:

    {"source": "https://download.microsoft.com/…licensing.csv", "retrieved": "2026-12-02",
     "skus": [{"sku_id": "cbdc14ab-…", "part_number": "SPB", "name": "Microsoft 365 Business Premium"}, …]}

`refresh(source, target)` downloads (or reads) the CSV, validates its columns and rows, reduces it and
replaces the file atomically (a temporary file in the same directory, then one rename): a malformed,
truncated or partial download raises `Invalid` naming why, and the file it would have replaced is left
as it was.

Free, trial and viral SKUs (`is_free`) are decided by rule from Microsoft's own words, so a refreshed
table needs no hand edits: a part number or name with the word FREE, TRIAL, VTRIAL, VIRAL or
EXPLORATORY in it (`FLOW_FREE`, `POWERAPPS_VIRAL`, "Microsoft Fabric (Free)", Teams Exploratory), plus
`FREE_SKUS`, the few no-cost SKUs whose names do not say so (a Teams Phone resource account, the
developer programme's E5).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
import uuid
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import httpx

from reconcile.errors import Invalid

SOURCE_URL = ("https://download.microsoft.com/download/e/3/e/e3e9faf2-f28b-490a-9ada-c6089a1fc5b0/"
              "Product%20names%20and%20service%20plan%20identifiers%20for%20licensing.csv")
TABLE = Path(__file__).parent / "data" / "microsoft_skus.json"
COLUMNS = ("Product_Display_Name", "String_Id", "GUID", "Service_Plan_Name", "Service_Plan_Id",
           "Service_Plans_Included_Friendly_Names")
# Microsoft's table has some 700 SKUs; far fewer is a truncated download or another file, not a new catalogue
MIN_SKUS = 200
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
MAX_BYTES = 20_000_000  # the CSV is about 1 MB; anything this large is not it
FREE_WORDS = frozenset({"FREE", "TRIAL", "VTRIAL", "VIRAL", "EXPLORATORY"})
FREE_SKUS = frozenset({
    "PHONESYSTEM_VIRTUALUSER",  # Teams Phone resource account: no charge
    "DEVELOPERPACK_E5",  # Microsoft 365 developer programme
    "DEVELOPERPACK",
    "MICROSOFT_BUSINESS_CENTER",
    "WINDOWS_STORE",
    "RIGHTSMANAGEMENT_ADHOC",
    "POWERAPPS_DEV",
    "SMB_APPS",  # "Business Apps (free)"
})
# Microsoft's file has stray tabs and non-breaking spaces around part numbers
SPACES = re.compile(r"^[\s\u00a0\ufeff]+|[\s\u00a0\ufeff]+$")


@dataclass(frozen=True)
class Sku:
    """One Microsoft SKU as Graph's `subscribedSkus` names it."""

    sku_id: str  # GUID, lower case
    part_number: str  # `skuPartNumber`, as Microsoft spells it (SPB, Microsoft_365_Copilot)
    name: str  # Microsoft's display name

    @property
    def free(self) -> bool:
        return is_free(self.part_number, self.name)


def is_free(part_number: str, name: str = "") -> bool:
    """A free, trial or viral SKU: never a paid seat (see the module docstring for the rule)."""
    if part_number.upper() in FREE_SKUS:
        return True
    words = set(re.split(r"[^A-Z0-9]+", f"{part_number} {name}".upper()))
    return bool(words & FREE_WORDS) or any(w.endswith("TRIAL") for w in words if w)


@dataclass(frozen=True)
class Table:
    """The reduced table and where it came from."""

    source: str
    retrieved: str
    skus: tuple[Sku, ...]
    read_from: str = ""

    def find(self, word: str) -> Sku | None:
        """The SKU a part number (any case) or a skuId names."""
        key = clean(word).lower()
        return self._index.get(key)

    @property
    def _index(self) -> dict[str, Sku]:
        return _index(self.skus)


@lru_cache(maxsize=8)
def _index(skus: tuple[Sku, ...]) -> dict[str, Sku]:
    index: dict[str, Sku] = {}
    for sku in skus:
        index.setdefault(sku.part_number.lower(), sku)
        index.setdefault(sku.sku_id, sku)
    return index


def clean(text: str) -> str:
    return SPACES.sub("", text or "")


def load(path: Path = TABLE) -> Table:
    """The table at `path`, read again only when the file changes (a refresh reaches running processes)."""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as error:
        raise Invalid(f"the Microsoft SKU table {path} cannot be read: {error.strerror}") from None
    return _load(path, stamp)


@lru_cache(maxsize=4)
def _load(path: Path, stamp: int) -> Table:
    data = json.loads(path.read_text(encoding="utf-8"))
    skus = tuple(Sku(s["sku_id"], s["part_number"], s["name"]) for s in data["skus"])
    return Table(data["source"], data["retrieved"], skus, data.get("read_from", ""))


def parse(text: str, *, minimum: int = MIN_SKUS) -> list[Sku]:
    """Microsoft's CSV reduced to one SKU per GUID, sorted by name; `Invalid` says what is wrong with it."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [clean(h).replace(" ", "") for h in reader.fieldnames or []]  # older copies say "String_ Id"
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise Invalid(f"this is not Microsoft's licensing CSV: it has no {', '.join(missing)} column "
                      f"(its header: {', '.join(header[:6]) or 'empty'})")
    reader.fieldnames = header
    found: dict[str, Sku] = {}
    for line, row in enumerate(reader, start=2):
        if None in row or any(row.get(c) is None for c in COLUMNS):
            raise Invalid(f"line {line} of the CSV has {len(row) - (None in row)} columns, not {len(COLUMNS)}: "
                          "the file is cut short or malformed")
        guid, part, name = clean(row["GUID"]).lower(), clean(row["String_Id"]), clean(row["Product_Display_Name"])
        try:
            uuid.UUID(guid)
        except ValueError:
            raise Invalid(f"line {line} of the CSV has {guid[:40]!r} as its GUID, which is not a GUID") from None
        if not part or not name:
            raise Invalid(f"line {line} of the CSV has no {'String_Id' if not part else 'Product_Display_Name'}")
        found.setdefault(guid, Sku(guid, part, name))  # one row per service plan: the first names the SKU
    if len(found) < minimum:
        raise Invalid(f"the CSV names only {len(found)} SKUs where Microsoft's has hundreds: a partial "
                      "download or another file, so nothing was changed")
    return sorted(found.values(), key=lambda s: (s.name.lower(), s.part_number.lower()))


def fetch(source: str) -> str:
    """The CSV's text from an http(s) URL (a GET) or a local file."""
    if source.startswith(("http://", "https://")):
        try:
            with httpx.stream("GET", source, timeout=TIMEOUT, follow_redirects=True) as response:
                if response.status_code != 200:
                    raise Invalid(f"{source} answered {response.status_code} {response.reason_phrase}; nothing "
                                  "was changed")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_BYTES:
                        raise Invalid(f"{source} sent more than {MAX_BYTES // 1_000_000} MB: not the licensing CSV")
        except httpx.HTTPError as error:
            raise Invalid(f"could not download {source}: {error.__class__.__name__}: {error}; nothing was "
                          "changed") from None
        data = bytes(body)
    else:
        try:
            data = Path(source).expanduser().read_bytes()
        except OSError as error:
            raise Invalid(f"cannot read {source}: {error.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(f"{source} is not UTF-8 text: not the licensing CSV; nothing was changed") from None


@dataclass(frozen=True)
class Refreshed:
    """What a refresh changed."""

    path: Path
    skus: int
    added: tuple[str, ...]  # part numbers new to the table
    removed: tuple[str, ...]
    renamed: tuple[str, ...]


def refresh(source: str = SOURCE_URL, target: Path = TABLE, *, today: date | None = None,
            minimum: int = MIN_SKUS) -> Refreshed:
    """Download or read Microsoft's CSV, validate and reduce it, and replace `target` in one rename."""
    skus = parse(fetch(source), minimum=minimum)
    before = {s.sku_id: s for s in load(target).skus} if target.exists() else {}
    after = {s.sku_id: s for s in skus}
    table = Table(source if source.startswith(("http://", "https://")) else SOURCE_URL,
                  (today or date.today()).isoformat(), tuple(skus),
                  "" if source.startswith(("http://", "https://")) else f"a copy of it read from {Path(source).name}")
    write(table, target)
    return Refreshed(target, len(skus),
                     added=tuple(sorted(after[i].part_number for i in after.keys() - before.keys())),
                     removed=tuple(sorted(before[i].part_number for i in before.keys() - after.keys())),
                     renamed=tuple(sorted(after[i].part_number for i in after.keys() & before.keys()
                                          if after[i].name != before[i].name)))


def write(table: Table, target: Path) -> None:
    """The table as JSON, one SKU a line (readable diffs), written aside then renamed over `target`."""
    lines = [json.dumps({"sku_id": s.sku_id, "part_number": s.part_number, "name": s.name}, ensure_ascii=False)
             for s in table.skus]
    head = {"source": table.source, "read_from": table.read_from, "retrieved": table.retrieved}
    text = json.dumps(head, indent=2, ensure_ascii=False)[:-2] + ',\n  "skus": [\n' + ",\n".join(lines) + "\n  ]\n}\n"
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

