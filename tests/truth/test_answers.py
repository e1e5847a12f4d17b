"""The answer key's own evaluator, on a world small enough to read: sums, seen-within, weighted and
fallback prices, unmapped accounts, and a check stated only as a spec."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sandbox.truth import answer_key, build_world, checks
from sandbox.truth.answers import Expected, side_sums
from sandbox.truth.checks import CheckSpec, Side
from sandbox.truth.measures import items
from sandbox.truth.model import (
    ACTIVE,
    DECOMMISSIONED,
    DETECTED,
    INACTIVE,
    Account,
    Agreement,
    BillingLine,
    Customer,
    Device,
    DeviceClass,
    Kind,
    Linking,
    Role,
    SecurityAgent,
    World,
)
from sandbox.truth.names import Name
from tests.truth.conftest import NOW

DAY = timedelta(days=1)
WORKSTATIONS = CheckSpec("Workstations", Side(Role.PSA, ("billed:MW-01",)),
                         Side(Role.RMM, ("devices:workstation", "devices:laptop")), seen_within_days=30)
SECURITY = CheckSpec("Security", Side(Role.PSA, ("billed:SEC-01",)), Side(Role.SECURITY, checks.ENDPOINTS),
                     seen_within_days=30)


def device(n: int, seen_days_ago: float, cls: DeviceClass = DeviceClass.WORKSTATION, rmm: str | None = "approved",
           agent: str | None = ACTIVE) -> Device:
    seen = NOW - seen_days_ago * DAY
    security = (SecurityAgent(n, agent, seen, "advanced", seen - 300 * DAY),) if agent else ()
    return Device(n, f"ACM-WS{n:02d}", "main", cls, "Windows 11 Pro", seen - 400 * DAY, seen, rmm=rmm, security=security)


def line(n: int, product: str, quantity: int, price: str, **changes: object) -> BillingLine:
    return BillingLine(n, "Managed Services", product, quantity, Decimal(price), Decimal(1), NOW - 100 * DAY,
                       **changes)  # type: ignore[arg-type]


def customer(name: str, *, devices: tuple[Device, ...] = (), billing: tuple[BillingLine, ...] = (),
             rmm: Linking = Linking.EASY, rmm_name: str | None = None) -> Customer:
    accounts = (Account(Role.PSA, name, 1), Account(Role.RMM, rmm_name or name.upper(), 1, linking=rmm),
                Account(Role.SECURITY, name, 1))
    return Customer(Name(name), Kind.CLIENT, NOW - 900 * DAY, accounts=accounts, devices=devices,
                    agreements=(Agreement(1, "Managed Services", NOW - 200 * DAY),), billing=billing)


def small_world() -> World:
    acme = customer("Acme", devices=(device(1, 0.1), device(2, 3, DeviceClass.LAPTOP), device(3, 90),
                                     device(4, 1, rmm="pending"), device(5, 1, DeviceClass.SERVER)),
                    billing=(line(1, "MW-01", 2, "45"), line(2, "MW-01", 2, "40"), line(3, "MW-01", 9, "45", kind="do not bill"),
                             line(4, "MW-01", 5, "45", included=5)))
    bluebird = customer("Bluebird", devices=(device(6, 0.2),), billing=(line(5, "MW-01", 1, "50"),))
    cedar = customer("Cedar", devices=(device(7, 0.3, agent=INACTIVE), device(8, 40, agent=INACTIVE),
                                       device(9, 0.1, rmm=None, agent=DECOMMISSIONED),
                                       device(10, 0.1, rmm=None, agent=DETECTED)),
                     billing=(line(6, "SEC-01", 1, "6"),))
    hidden = customer("Dovetail", devices=(device(11, 0.5), device(12, 0.5)), rmm=Linking.HARD, rmm_name="DVT - Dove")
    return World(1, NOW, (acme, bluebird, cedar, hidden), ())


def test_a_side_sums_what_each_owner_counts_and_seen_within_keeps_only_the_fresh() -> None:
    world = small_world()
    usage = side_sums(world, WORKSTATIONS.usage, NOW - 30 * DAY)
    # Acme: a workstation and a laptop seen recently; the 90-day one and the pending one do not count
    assert usage["client", "Acme"][1].value == 2
    assert side_sums(world, WORKSTATIONS.usage)["client", "Acme"][1].value == 3
    assert usage["account", "rmm:DVT - Dove"][1].value == 2


def test_the_key_prices_by_weight_falls_back_to_the_most_common_price_and_keeps_hard_variants_apart() -> None:
    key = {(e.client, e.check): e for e in answer_key(small_world(), (WORKSTATIONS,))}
    # Acme bills 2 at 45 and 2 at 40 (the do-not-bill line and the all-included one bill nothing)
    assert key["Acme", "Workstations"] == Expected("Acme", "Workstations", Decimal(4), Decimal(2), "over",
                                                   Decimal("42.5"), Decimal(-85))
    assert key["Bluebird", "Workstations"].status == "matched"
    # no MW-01 line: Cedar's one fresh workstation, priced by the most common price (a tie: the higher)
    cedar = key["Cedar", "Workstations"]
    assert (cedar.billed, cedar.actual, cedar.status, cedar.unit_price) == (0, 1, "under", Decimal(50))
    assert key["DVT - Dove", "Workstations"].status == "unmapped" and key["DVT - Dove", "Workstations"].impact is None
    assert ("Dovetail", "Workstations") not in key


def test_security_counts_managed_agents_seen_within_the_window_never_decommissioned_or_detected() -> None:
    key = {(e.client, e.check): e for e in answer_key(small_world(), (SECURITY,))}
    # Cedar: an inactive agent seen today counts, one last seen 40 days ago does not; decommissioned and
    # detected never do
    assert (key["Cedar", "Security"].billed, key["Cedar", "Security"].actual) == (1, 1)
    assert key["Acme", "Security"].actual == 4  # the pending device's agent counts; the 90-day one does not


def test_a_check_stated_only_as_a_spec_gets_its_expected_results_from_the_truth() -> None:
    world = build_world(clients=20, seed=11, now=NOW)
    spec = CheckSpec("Server backup", Side(Role.PSA, ("billed:BK-01",)),
                     Side(Role.BACKUP, ("protected:server", "protected:vm")))
    key = answer_key(world, (spec,))
    assert key and {e.check for e in key} == {"Server backup"}
    for result in key:
        if result.status == "unmapped":
            continue
        client = world.client(result.client)
        protected = sum(1 for d in client.devices for a in d.backup if a.kind in ("server", "vm") and not a.previous)
        billed = sum(i.units for a in client.accounts_of(Role.PSA) for i in items(client, a, NOW)
                     if i.metric == "billed:BK-01")
        assert (result.billed, result.actual) == (billed, protected)
