"""Microsoft's SKU table as data and its refresh; products across Graph, NCE and Pax8 ids.

The refresh reads a local file or a loopback HTTP server; a bad or partial CSV must leave the
table it would have replaced byte for byte as it was.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from reconcile import products, skus
from reconcile.errors import Invalid

HEADER = ",".join(skus.COLUMNS)
NBSP = "\u00a0"


def csv_of(count: int, *, extra: str = "") -> str:
    """Microsoft's shape: one row per service plan, so each SKU repeats; stray spaces as in the real file."""
    lines = [HEADER]
    for n in range(count):
        guid = f"{n:08x}-0000-4000-8000-000000000000"
        for plan in ("EXCHANGE_S_FOUNDATION", "TEAMS1"):
            lines.append(f"Product {n:03d},PART_{n:03d}{NBSP},{guid}\t,{plan},113feb6c-3fe4-4440-bddc-54d774bf0318,"
                         f"{plan.title()}")
    return "\n".join(lines) + "\n" + extra


@pytest.fixture
def table(tmp_path: Path) -> Path:
    target = tmp_path / "microsoft_skus.json"
    target.write_bytes(skus.TABLE.read_bytes())
    return target


@pytest.mark.parametrize(("kind", "metric", "key"), [
    ("m365", "assigned:SPB", "SPB"),
    ("m365", "purchased:spb", "SPB"),
    ("sherweb", "licenses:CFQ7TTC0LCHC:0002", "SPB"),
    ("partnercenter", "bought:CFQ7TTC0LCHC:0002:CFQ7TTC0X6RN", "SPB"),  # a monthly availability
    ("partnercenter", "bought:CFQ7TTC0LCHC:0002:CFQ7TTC0QJ2F", "SPB"),  # an annual one: the same product
    ("pax8", "licenses:MST-NCE-103-C100", "SPB"),
    ("pax8", "licenses:MST-OFC-EE3-C100", "ENTERPRISEPACK"),
    ("sherweb", "licenses:CFQ7TTC0LH18:0001", "O365_BUSINESS_ESSENTIALS"),
])
def test_every_sources_spelling_of_a_product_is_one_product(kind, metric, key):
    found = products.product_of(kind, metric)
    assert found is not None and found.key == key
    assert found.name == skus.load().find(key).name


@pytest.mark.parametrize(("kind", "metric"), [
    ("pax8", "licenses:MST-M365-BP"),  # a Pax8 SKU the mapping does not know
    ("sherweb", "licenses:GZ-BS-1Y"),  # another maker's product
    ("ninjaone", "devices:workstation"),
    ("m365", "assigned"),
])
def test_what_is_no_known_microsoft_product_is_none(kind, metric):
    assert products.product_of(kind, metric) is None


def test_a_products_metrics_are_picked_from_what_a_source_synced():
    spb = products.product("SPB")
    known = ["assigned:FLOW_FREE", "assigned:SPB", "purchased:SPB", "suspended:EXCHANGESTANDARD"]
    assert products.metrics_of(spb, "m365", known) == ("assigned:SPB", "purchased:SPB")
    assert products.metrics_of(spb, "sherweb", ["licenses:CFQ7TTC0LCHC:0002", "licenses:GZ-BS-1Y"]) == (
        "licenses:CFQ7TTC0LCHC:0002",)


@pytest.mark.parametrize(("part", "free"), [
    ("FLOW_FREE", True), ("POWER_BI_STANDARD", True), ("POWERAPPS_VIRAL", True), ("TEAMS_EXPLORATORY", True),
    ("Dynamics_365_Guides_vTrial", True), ("PHONESYSTEM_VIRTUALUSER", True), ("SOME_NEW_SKU_TRIAL", True),
    ("SPB", False), ("ENTERPRISEPACK", False), ("POWER_BI_PRO", False), ("EXCHANGESTANDARD", False),
])
def test_free_trial_and_viral_skus_are_told_apart_from_paid_ones(part, free):
    assert products.product(part).free is free


def test_a_graph_metric_is_named_by_its_product_and_reading():
    assert products.describe("m365", "assigned:SPB") == "Microsoft 365 Business Premium (assigned)"
    assert products.describe("m365", "purchased:EXCHANGESTANDARD") == "Exchange Online (Plan 1) (purchased)"
    assert products.describe("m365", "assigned:NOT_IN_THE_TABLE") == ""
    assert products.describe("pax8", "licenses:MST-NCE-103-C100") == ""  # Pax8 keeps its own product name


def test_every_mapped_product_is_in_the_shipped_table():
    table = skus.load()
    rows = products.mapping()
    assert {part for part in [*rows.nce.values(), *rows.pax8.values()] if table.find(part) is None} == set()


def test_the_csv_is_reduced_to_one_sku_per_guid_without_stray_spaces():
    found = skus.parse(csv_of(3), minimum=1)
    assert [(s.part_number, s.name) for s in found] == [("PART_000", "Product 000"), ("PART_001", "Product 001"),
                                                       ("PART_002", "Product 002")]
    assert found[0].sku_id == "00000000-0000-4000-8000-000000000000"


def test_a_refresh_from_a_file_rewrites_the_table_and_says_what_changed(table, tmp_path):
    source = tmp_path / "licensing.csv"
    source.write_text(csv_of(5), encoding="utf-8")
    done = skus.refresh(str(source), table, minimum=5)
    assert done.skus == 5 and "PART_004" in done.added and "SPB" in done.removed
    reread = skus.load(table)
    assert reread.find("part_003").name == "Product 003" and reread.find("SPB") is None
    assert reread.source == skus.SOURCE_URL and "licensing.csv" in reread.read_from


@pytest.mark.parametrize(("text", "says"), [
    ("Name,Id\nA,B\n", "no Product_Display_Name"),
    (csv_of(5, extra="Product 9,PART_9,not-a-guid,X,Y,Z\n"), "not a GUID"),
    (csv_of(5, extra="Product 9,PART_9,09000000-0000-4000-8000-000000000000,X\n"), "cut short or malformed"),
    (csv_of(2), "only 2 SKUs"),
    ("", "no Product_Display_Name"),
])
def test_a_malformed_or_partial_csv_changes_nothing_and_says_why(table, tmp_path, text, says):
    before = table.read_bytes()
    source = tmp_path / "licensing.csv"
    source.write_text(text, encoding="utf-8")
    with pytest.raises(Invalid, match=says):
        skus.refresh(str(source), table, minimum=5)
    assert table.read_bytes() == before
    assert [p.name for p in table.parent.iterdir() if p.name.startswith(".")] == []  # no temporary left


class Csv(BaseHTTPRequestHandler):
    body = b""
    status = 200
    promised = 0  # a Content-Length larger than the body: the connection drops mid-download

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_response(self.status)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Length", str(self.promised or len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Csv)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/Product%20names.csv"
    httpd.shutdown()
    httpd.server_close()
    Csv.body, Csv.status, Csv.promised = b"", 200, 0


def test_a_refresh_downloads_the_csv_over_http(table, server):
    Csv.body = ("\ufeff" + csv_of(6)).encode("utf-8")
    done = skus.refresh(server, table, minimum=5)
    assert done.skus == 6 and skus.load(table).source == server


@pytest.mark.parametrize(("status", "promised", "says"), [(404, 0, "answered 404"), (200, 10_000_000, "could not download")])
def test_a_failed_or_cut_download_changes_nothing(table, server, status, promised, says):
    before = table.read_bytes()
    Csv.body, Csv.status, Csv.promised = csv_of(6).encode("utf-8"), status, promised
    with pytest.raises(Invalid, match=says):
        skus.refresh(server, table, minimum=5)
    assert table.read_bytes() == before
