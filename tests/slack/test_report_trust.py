"""Trusting the report in Slack (issue 9, items 9–12), driven by signed /billrec requests."""

from __future__ import annotations

import re

import pytest

from reconcile.audit import Actor
from sandbox.slack_seed import ADMIN_ID, BILLING
from tests.fakes import OUTAGE, Scripted
from tests.slack.mrkdwn import visible

ADMIN = Actor(ADMIN_ID, "slack")


def parent_of_report(slack) -> tuple[str, str]:
    """The last reconciliation's parent message: its notification text and its blocks as text."""
    slack.run("reconcile", replies=0)
    parent = [m for m in slack.fake.messages(BILLING) if m.thread_ts is None][-1]
    return parent.text, visible(str(parent.blocks))


# -- item 9: one failed sync is not an outage ------------------------------------------------------

def test_a_failed_sync_within_the_window_keeps_the_variances_and_says_so_once_at_the_top(slack, world, services,
                                                                                          clock):
    Scripted.script = [OUTAGE]
    clock.advance(hours=2)
    assert services.syncs.run("local", world.rmm, ADMIN).status == "failed"
    text, blocks = parent_of_report(slack)
    assert "1 under-licensed ($150.00/mo unbilled), 1 over-licensed, 1 matched" in text
    warning = re.findall(r":warning: rmm's last sync failed at [^;]*; figures as of [^'\"]*UTC", blocks)
    assert len(warning) == 1, blocks
    assert "(vendor error 503)" in warning[0]
    assert blocks.index("last sync failed") < blocks.index("Under-licensed")  # at the top, above the cards


def test_only_data_older_than_the_window_is_stale(slack, world, services, clock):
    Scripted.script = [OUTAGE]
    clock.advance(hours=49)  # past the default 48 h window
    services.syncs.run("local", world.rmm, ADMIN)
    text, blocks = parent_of_report(slack)
    assert "0 under-licensed" in text and "Stale 3" in blocks
    assert "last good sync 49 h ago; last sync failed: Scripted RMM: GET /devices answered 503" in blocks
    assert "figures as of" not in blocks  # stale results say so themselves; no "still reporting" line


# -- item 11: order and totals mean what they say -------------------------------------------------

# client: (MW-01 billed, workstations used, SRV-01 billed, servers used), all at $50 a unit
MONEY_WORLD = {
    "xylo": ("Xylo Ltd", 10, 12, 1, 3),      # two lines of +$100: $200 unbilled, its largest line only $100
    "yarrow": ("Yarrow Inc", 10, 13, 2, 2),  # one line of +$150
    "wren": ("Wren Co", 10, 11, 5, 3),       # +$50 and -$100: both totals and a net of -$50
    "zed": ("Zed Corp", 10, 8, 2, 2),        # over-licensed only: -$100
}


def build_money_world(services) -> None:
    from decimal import Decimal

    from connectors.records import Account, Quantity
    from reconcile.check_catalog import SideSpec
    from tests.fakes import ScriptedBilling
    from tests.slack.conftest import PRICE, SETUP

    billing, usage = [], []
    for key, (name, mw, used, srv, servers) in MONEY_WORLD.items():
        billing += [Account(key, name), Quantity(key, "billed:MW-01", Decimal(mw), PRICE),
                    Quantity(key, "billed:SRV-01", Decimal(srv), PRICE)]
        usage += [Account(key, name), Quantity(key, "devices:workstation", Decimal(used)),
                  Quantity(key, "devices:server", Decimal(servers))]
    usage += [Account("lab", "MSP Internal Lab"), Quantity("lab", "devices:workstation", Decimal(4))]
    services.context.registry.update(scripted=Scripted, scripted_psa=ScriptedBilling)
    ScriptedBilling.script, Scripted.script = billing, usage
    services.integrations.connect("local", "scripted_psa", "psa", {"api_key": "k-psa"}, SETUP)
    services.integrations.connect("local", "scripted", "rmm", {"api_key": "k-rmm"}, SETUP)
    assert services.syncs.run("local", "psa", SETUP).ok and services.syncs.run("local", "rmm", SETUP).ok
    services.links.approve_above("local", 0.95, SETUP)
    for check, billed, used in (("Managed workstations", "billed:MW-01", "devices:workstation"),
                                ("Managed servers", "billed:SRV-01", "devices:server")):
        services.checks.add("local", check, SideSpec("psa", [billed]), SideSpec("rmm", [used]), SETUP)


@pytest.fixture
def money_world(services):
    build_money_world(services)


def thread_headings(slack) -> list[str]:
    slack.run("reconcile", replies=0)
    parent, *replies = slack.fake.messages(BILLING)
    texts = [visible(b["text"]["text"]) for m in replies for b in m.blocks if b["type"] == "section"]
    return [t.split("\n", 1)[0] for t in texts if not t.startswith("*Matched")]


def test_the_thread_orders_clients_by_total_unbilled_money_and_heads_each_with_its_totals(slack, money_world):
    assert thread_headings(slack) == [
        "*Xylo Ltd* — $200.00/mo unbilled",
        "*Yarrow Inc* — $150.00/mo unbilled",
        "*Wren Co* — $50.00/mo unbilled · $100.00/mo overbilled · net -$50.00/mo",
        "*Zed Corp* — $100.00/mo overbilled",
        "*MSP Internal Lab* (not linked to a client)",
    ]
    [details] = [m for m in slack.fake.messages(BILLING) if m.thread_ts][:1]
    assert visible(str(details.blocks)).count("clients by money unbilled per month, then by money overbilled") == 1


def test_every_unmapped_line_says_how_to_link_it(slack, money_world):
    slack.run("reconcile", replies=0)
    lines = [line for m in slack.fake.messages(BILLING) if m.thread_ts for b in m.blocks if b["type"] == "section"
             for line in visible(b["text"]["text"]).splitlines()]
    [lab] = [line for line in lines if "not linked to a client:" in line]
    assert lab.endswith("not linked to a client: rmm account lab; link it with /billrec map in Slack, "
                        "or billrec links suggest")


def test_slack_thread_cli_report_csv_and_json_agree_on_order_and_totals(slack, money_world, cli_env):
    import csv
    import io
    import json

    from click.testing import CliRunner

    from bot.cli import cli

    slack_order = [h.split("*")[1] for h in thread_headings(slack)]
    [shared] = slack.fake.files(BILLING)
    csv_order = list(dict.fromkeys(row[0] for row in csv.reader(io.StringIO(shared.content.decode()))))[1:]
    runner = CliRunner()
    table = runner.invoke(cli, ["reconcile"], env=cli_env).stdout
    totals = table[table.index("Money at stake per client"):].splitlines()
    assert [line.rsplit(maxsplit=3) for line in totals[3:]] == [
        ["Xylo Ltd", "$200.00", "$0.00", "+$200.00"],
        ["Yarrow Inc", "$150.00", "$0.00", "+$150.00"],
        ["Wren Co", "$50.00", "$100.00", "-$50.00"],
        ["Zed Corp", "$0.00", "$100.00", "-$100.00"],
    ]
    report = json.loads(runner.invoke(cli, ["reconcile", "--format", "json"], env=cli_env).stdout)
    json_order = list(dict.fromkeys(r["client"] for r in report["results"]))
    assert slack_order == csv_order == json_order == ["Xylo Ltd", "Yarrow Inc", "Wren Co", "Zed Corp",
                                                      "MSP Internal Lab"]
    assert report["summary"]["under_money"] == "400.00" and report["summary"]["over_money"] == "-200.00"
    wren = next(c for c in report["clients"] if c["client"] == "Wren Co")
    assert wren == {"client": "Wren Co", "unbilled": "50.00", "overbilled": "-100.00", "net": "-50.00",
                    "unbilled_at_cost": "0.00", "overbilled_at_cost": "0.00"}
    over_rows = [r for r in report["results"] if r["status"] == "over"]
    assert all(r["impact"].startswith("-") for r in over_rows)  # the same sign as over_money


# -- item 12: cost is not price --------------------------------------------------------------------

def test_a_distributors_cost_is_labelled_at_cost_beside_the_unbilled_card_never_in_it(slack, world, services):
    from decimal import Decimal

    from connectors.base import PriceBasis, Role
    from connectors.records import Account, Quantity
    from reconcile.check_catalog import SideSpec

    class ScriptedDistributor(Scripted):
        kind, display_name, role, price_basis = "scripted_dist", "Scripted distributor", Role.BOTH, PriceBasis.COST
        metrics = {"licenses:*": "Licences bought"}
        script = [record for key, (name, bought) in {"acme": ("Acme Corp", 10), "blue": ("Bluebird Logistics", 21),
                                                      "cedar": ("Cedar Dental", 8)}.items()
                  for record in (Account(key, name), Quantity(key, "licenses:AV", Decimal(bought), Decimal("1.90")))]

    services.context.registry["scripted_dist"] = ScriptedDistributor
    services.integrations.connect("local", "scripted_dist", "dist", {"api_key": "k"}, ADMIN)
    services.syncs.run("local", "dist", ADMIN)
    services.links.approve_above("local", 0.95, ADMIN)
    services.checks.add("local", "Antivirus", SideSpec("dist", ["licenses:AV"]), SideSpec(world.rmm,
                        ["devices:workstation"]), ADMIN)  # Acme: 10 bought, 13 in use → +3 at $1.90 cost
    text, blocks = parent_of_report(slack)
    assert "2 under-licensed ($150.00/mo unbilled)" in text  # the $5.70 at cost is not in it
    assert "*2* · $150.00/mo unbilled\\n+ $5.70/mo at cost" in blocks
    thread = visible(str([m.blocks for m in slack.fake.messages(BILLING) if m.thread_ts]))
    assert "*Acme Corp* — $150.00/mo unbilled · $5.70/mo under at cost" in thread
    assert "Antivirus: billed 10, actual 13 → *+3* under-licensed · $5.70/mo at cost" in thread
    taken = services.snapshots.take("local", ADMIN)  # a digest posts from the snapshot: it keeps the label
    frozen = services.snapshots.report("local", taken.id)
    def money_at_cost(results):
        return [(r.client, r.check, r.at_cost) for r in results if r.impact]
    assert money_at_cost(frozen.results) == money_at_cost(services.reconciler.run("local").results)
    assert ("Acme Corp", "Antivirus", True) in money_at_cost(frozen.results)
    assert frozen.summary.under_at_cost == Decimal("5.70") and frozen.summary.under_money == Decimal(150)
