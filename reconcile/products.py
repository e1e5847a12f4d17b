"""Products across sources: what a check names once and counts in every source's variant.

A product is a Microsoft SKU, keyed by its Graph `skuPartNumber` ("SPB" is Microsoft 365 Business
Premium), named as Microsoft's table names it (`reconcile.skus`). Each source spells it its own way:

    kind            metric                                 the product's key found from
    m365            assigned:SPB, purchased:SPB, …         the part number itself (any SKU in the table, or not)
    partnercenter   any metric holding an NCE offer id      `{productId}:{skuId}` of `CFQ7TTC0LCHC:0002:CFQ7TTC0X6RN`
    sherweb         licenses:CFQ7TTC0LCHC:0002              the same NCE id (Sherweb's sku for Microsoft offers)
    pax8            licenses:MST-NCE-103-C100               Pax8's product SKU

Microsoft's table carries neither NCE ids nor Pax8 SKUs: those come from the maintained mapping
`reconcile/data/products.csv` (one row per product: `sku`, `nce`, `pax8` — several ids space-separated
— and whether a public source confirms them, `keys` = confirmed | UNCONFIRMED, with the evidence). The
availability part of an NCE offer id (the third segment) is the term and billing plan, so it is
ignored: a product's monthly and annual subscriptions are one product. A Pax8 SKU or NCE id the
mapping lacks is no product (None): its metric counts as it always did, under the source's own name.

Interface for checks (the whole of it):

    product_of("pax8", "licenses:MST-NCE-103-C100")      → Product("SPB", "Microsoft 365 Business Premium", free=False)
    metrics_of(product, "m365", synced_metric_keys)      → ("assigned:SPB", "purchased:SPB", "suspended:SPB")

A caller picks the reading it wants by the metric's prefix (`assigned:` for usage).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reconcile import skus

MAPPING = Path(__file__).parent / "data" / "products.csv"
NCE_ID = re.compile(r"\b([A-Z0-9]{12}):(\d{4})\b")  # productId:skuId, the availability after it dropped
NCE_KINDS = frozenset({"partnercenter", "sherweb"})
# Graph's readings of a SKU, in the words `billrec metrics` shows after the product's name
READINGS = {"assigned": "assigned", "purchased": "purchased", "suspended": "suspended"}
MICROSOFT_KINDS = frozenset({"m365", "partnercenter"})  # whose metrics are named by the product


@dataclass(frozen=True)
class Product:
    """A Microsoft product as a check names it."""

    key: str  # Graph skuPartNumber, as Microsoft spells it: stable across terms and sources
    name: str  # Microsoft's display name
    free: bool  # free, trial or viral: excluded from checks unless a tenant includes it


@dataclass(frozen=True)
class Mapping:
    """The maintained table: NCE ids and Pax8 SKUs to part numbers."""

    nce: dict[str, str]
    pax8: dict[str, str]  # upper-cased Pax8 SKU → part number


@lru_cache(maxsize=2)
def mapping(path: Path = MAPPING) -> Mapping:
    nce: dict[str, str] = {}
    pax8: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as rows:
        for row in csv.DictReader(rows):
            for key in row["nce"].split():
                nce[key.upper()] = row["sku"]
            for key in row["pax8"].split():
                pax8[key.upper()] = row["sku"]
    return Mapping(nce, pax8)


def product(part_number: str) -> Product:
    """The product a Graph part number names: Microsoft's name where the table has it."""
    sku = skus.load().find(part_number)
    if sku is None:
        return Product(part_number, part_number, skus.is_free(part_number))
    return Product(sku.part_number, sku.name, sku.free)


def product_of(kind: str, metric: str) -> Product | None:
    """The product a source's metric counts, or None when it is no Microsoft product we can name."""
    _, sep, rest = metric.partition(":")
    if not sep or not rest:
        return None
    if kind == "m365":
        return product(rest)
    if kind in NCE_KINDS:
        found = NCE_ID.search(rest.upper())
        part = mapping().nce.get(f"{found[1]}:{found[2]}") if found else None
        return product(part) if part else None
    if kind == "pax8":
        part = mapping().pax8.get(rest.upper())
        return product(part) if part else None
    return None


def metrics_of(product: Product, kind: str, known_metrics: Iterable[str]) -> tuple[str, ...]:
    """Those of `known_metrics` (one source of `kind`) that count `product`, in their given order."""
    return tuple(m for m in known_metrics if (found := product_of(kind, m)) is not None and found.key == product.key)


def describe(kind: str, metric: str) -> str:
    """A Microsoft metric in words, "Microsoft 365 Business Premium (assigned)"; "" for any other."""
    if kind not in MICROSOFT_KINDS:
        return ""
    found = product_of(kind, metric)
    if found is None or found.name == found.key:
        return ""
    reading = READINGS.get(metric.partition(":")[0])
    return f"{found.name} ({reading})" if reading else found.name
