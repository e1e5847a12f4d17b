"""`billrec skus` and `billrec metrics` against the sandbox's Microsoft 365 tenants, whose people hold
Business Premium and free SKUs (FLOW_FREE, POWER_BI_STANDARD, POWERAPPS_VIRAL)."""

from __future__ import annotations

from reconcile import skus
from tests.e2e.conftest import connect


def test_metrics_name_microsoft_skus_and_leave_free_ones_out_until_included(billrec, world):
    connect(billrec, world, "connectwise", "m365")
    billrec("sync", "--all")
    listed = billrec("metrics", "m365").stdout
    assert "Microsoft 365 Business Premium (assigned)" in listed
    assert "FLOW_FREE" not in listed and "POWER_BI_STANDARD" not in listed

    free = billrec("skus", "list", "--free").stdout
    assert "FLOW_FREE" in free and "excluded by default" in free and "SPB " not in free
    said = billrec("skus", "include", "flow_free").stdout
    assert "Microsoft Power Automate Free (FLOW_FREE) now counts in checks" in said
    listed = billrec("metrics", "m365").stdout
    assert "Microsoft Power Automate Free (assigned)" in listed and "POWER_BI_STANDARD" not in listed

    refused = billrec("checks", "add", "Power BI", "--billed", "connectwise:billed:M365-BP",
                      "--usage", "m365:assigned:POWER_BI_STANDARD", ok=False)
    assert refused.exit_code == 1 and "skus include POWER_BI_STANDARD" in refused.stderr


def test_a_refresh_from_a_bad_file_says_why_and_keeps_the_table(billrec, tmp_path):
    target = tmp_path / "table.json"
    target.write_bytes(skus.TABLE.read_bytes())
    bad = tmp_path / "licensing.csv"
    bad.write_text("Product_Display_Name,String_Id\nMicrosoft 365 Business Premium,SPB\n", encoding="utf-8")
    result = billrec("skus", "refresh", "--from", str(bad), "--to", str(target), ok=False)
    assert result.exit_code == 1 and "it has no GUID, Service_Plan_Name" in result.stderr
    assert target.read_bytes() == skus.TABLE.read_bytes()
