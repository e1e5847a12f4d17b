"""Every list command speaks JSON with `--format json`, so a script never parses a table."""

from __future__ import annotations

import json

from tests.e2e.conftest import connect


def listed(billrec, *args: str) -> dict:
    return json.loads(billrec(*args, "--format", "json").stdout)


def test_each_list_holds_the_rows_its_table_shows_and_no_secret(billrec, world):
    empty = listed(billrec, "integrations")
    assert empty == {"integrations": []}  # nothing yet is an empty list, not the table's sentence

    connect(billrec, world, "connectwise", "ninjaone")
    billrec("sync", "--all")
    billrec("links", "approve-above", "0.95")
    billrec("checks", "add", "Managed workstations", "--billed", "connectwise:billed:MW-01",
            "--usage", "ninjaone:devices:workstation", "--seen-within", "30", "--tolerance", "1")
    billrec("snapshot")
    report = json.loads(billrec("reconcile", "--format", "json").stdout)
    client = next(r["client"] for r in report["results"] if r["client"])
    billrec("except", "add", client, "Managed workstations", "--reason", "new site onboarding", "--until", "2027-01-31")

    integrations = listed(billrec, "integrations")["integrations"]
    assert [(i["name"], i["health"], i["primary"]) for i in integrations] == [("connectwise", "ok", True),
                                                                              ("ninjaone", "ok", False)]
    assert all(i["next_sync"] and i["last_success_at"] for i in integrations)
    secrets = [v for kind in ("connectwise", "ninjaone") for k, v in world.settings(kind).items()
               if "secret" in k or "private" in k or "password" in k]
    assert secrets and not any(s in json.dumps(integrations) for s in secrets)

    [check] = listed(billrec, "checks", "list")["checks"]
    assert (check["name"], check["billed"]["metrics"], check["usage"]["integration"], check["seen_within_days"],
            check["tolerance_units"]) == ("Managed workstations", ["billed:MW-01"], "ninjaone", 30, "1")

    links = listed(billrec, "links", "list", "--status", "approved")["links"]
    table = billrec("links", "list", "--status", "approved").stdout
    assert links and all(l["status"] == "approved" and l["account_name"] in table for l in links)

    [snapshot] = listed(billrec, "snapshots")["snapshots"]
    assert snapshot["id"] == 1 and snapshot["summary"]

    [exception] = listed(billrec, "except", "list")["exceptions"]
    assert (exception["client"], exception["until"], exception["active"]) == (client, "2027-01-31", True)
