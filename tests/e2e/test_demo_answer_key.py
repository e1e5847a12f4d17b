"""The demo pipeline end to end — fake vendors over HTTP, real connectors, sync, links, checks,
snapshot, CSV — reports exactly the world's answer key: every discrepancy with the right status,
variance and impact, and nothing else, whichever fake vendor plays each role."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

import sandbox
from bot import demo
from reconcile import csvexport
from reconcile.checks import GAP_STATUSES, Status
from sandbox.truth.checks import BACKUP_STORAGE, EDR_COVERAGE, SAAS_BACKUP, SERVER_BACKUP


def choices() -> list[dict[str, str]]:
    """The default vendors, and each other vendor of a role in their place (or beside them)."""
    found = [demo.DEFAULT_VENDORS]
    for role in sandbox.Role:
        for kind in sandbox.kinds_for(role):
            picked = demo.DEFAULT_VENDORS | {role.value: kind}
            if picked not in found:
                found.append(picked)
    return found


def key(results) -> set[tuple[str, str, Decimal, Decimal, str, Decimal | None, str]]:
    def impact(value: Decimal | None) -> Decimal | None:
        return None if value is None else value.quantize(Decimal("0.01"))
    return {(r.client, r.check, r.billed.normalize(), r.actual.normalize(),
             r.status.value if isinstance(r.status, Status) else r.status, impact(r.impact), r.device)
            for r in results}


@pytest.fixture
def world_server():
    with sandbox.start(clients=60, seed=7) as server:
        yield server


@pytest.fixture
def demo_run(world_server, tmp_path, config):
    run = demo.run(world_server, tmp_path, say=lambda line: None, config=config)
    yield run
    run.services.close()


def test_the_default_demo_answers_the_planted_checks(demo_run, world_server):
    assert [c.name for c in demo_run.checks] == [c.name for c in sandbox.truth.checks.PLANTED]
    assert sandbox.answer_key(world_server.world, demo_run.checks) == world_server.world.answer_key


@pytest.mark.parametrize("vendors", choices(), ids=lambda picked: "+".join(picked.values()))
def test_every_planted_discrepancy_is_reported_and_nothing_else(world_server, tmp_path, config, vendors):
    demo_run = demo.run(world_server, tmp_path, say=lambda line: None, config=config, vendors=vendors)
    expected = key(sandbox.answer_key(world_server.world, demo_run.checks))
    reported = key(demo_run.report.results)
    demo_run.services.close()
    assert reported - expected == set(), "reported but not planted"
    assert expected - reported == set(), "planted but not reported"
    statuses = {r.status for r in demo_run.report.results}
    assert {Status.UNDER, Status.OVER, Status.MATCHED, Status.UNMAPPED} <= statuses


def test_the_snapshot_holds_exactly_what_was_reported(demo_run):
    frozen = demo_run.services.snapshots.results("local", demo_run.snapshot.id)
    assert key(frozen) == key(demo_run.report.results)
    assert [r.client for r in frozen] == [r.client for r in demo_run.report.results]


def test_the_csv_has_one_line_per_result_with_the_planted_numbers(demo_run, world_server):
    with demo_run.csv_path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(world_server.world.answer_key)
    under = [r for r in rows if r["Status"] == "under-licensed"]
    # clients by their total unbilled money (a cost is not in it), each client's lines together
    unbilled: dict[str, Decimal] = {}
    for r in under:
        if not r["Note"].startswith("at cost"):
            unbilled[r["Client"]] = unbilled.get(r["Client"], Decimal(0)) + Decimal(r["Monthly impact"])
    clients = list(dict.fromkeys(r["Client"] for r in rows if r["Client"] in unbilled))
    assert clients == sorted(unbilled, key=lambda c: -unbilled[c])
    assert sum(Decimal(r["Monthly impact"]) for r in under) == sum(
        (e.impact for e in world_server.world.answer_key if e.status == "under"), Decimal(0))
    assert csvexport.to_text(demo_run.report.results).encode() == demo_run.csv_path.read_bytes()


def test_approving_a_hard_variant_by_hand_turns_its_unmapped_rows_into_a_client_result(demo_run, world_server):
    services = demo_run.services
    hard = next(a for a in world_server.world.unlinked if a.reason == "hard variant")
    link = next(l for l in services.links.list("local", "suggested") if l.account_name == hard.name)
    services.links.choose("local", link.id, hard.client, demo.DEMO_ACTOR)
    results = services.reconciler.run("local").results
    assert not [r for r in results if r.client == hard.name]
    assert [r for r in results if r.client == hard.client]



@pytest.mark.parametrize("kind", sandbox.kinds_for(sandbox.Role.BACKUP))
def test_each_backup_kind_reconciles_devices_seats_and_storage_by_started_tb_beyond_the_free_one(
        world_server, tmp_path, config, kind):
    run = demo.run(world_server, tmp_path, say=lambda line: None, config=config,
                   vendors=demo.DEFAULT_VENDORS | {"backup": kind})
    world, tb = world_server.world, Decimal(10**12)
    try:
        backup = (SERVER_BACKUP, SAAS_BACKUP, BACKUP_STORAGE)
        assert set(backup) <= {c.name for c in run.checks}
        reported = {k for k in key(run.report.results) if k[1] in backup}
        assert reported == {k for k in key(sandbox.answer_key(world, run.checks)) if k[1] in backup}
        assert {status for *_, status, _, _ in reported} >= {"under", "over", "matched"}
        stored = {c.canonical: Decimal(c.storage[-1].bytes) for c in world.clients if c.storage}
        storage = [r for r in run.report.results if r.check == BACKUP_STORAGE and r.client in stored]
        # 2.3 TB beyond the free TB is 3 started TB: a line billing the 2 whole ones is under by one, at its price
        rounded = [r for r in storage if r.status is Status.UNDER and r.variance == 1
                   and (stored[r.client] / tb - 1) % 1 and r.billed == int(stored[r.client] / tb - 1)]
        assert rounded and rounded[0].impact == rounded[0].unit_price
        # the first TB is included: a client storing less owes no TB at all
        small = [r for r in storage if stored[r.client] <= tb]
        assert small and all(r.actual == 0 for r in small)
        assert all(r.unit == "TB" and "first 1 TB included" in r.note and "10^12 bytes" in r.note for r in storage)
    finally:
        run.services.close()


def pairs() -> list[dict[str, str]]:
    """Every RMM with every security tool: the coverage check is theirs together."""
    return [{"rmm": rmm, "security": security} for rmm in sandbox.kinds_for(sandbox.Role.RMM)
            for security in sandbox.kinds_for(sandbox.Role.SECURITY)]


@pytest.mark.parametrize("pair", pairs(), ids=lambda pair: "+".join(pair.values()))
def test_with_a_security_source_every_planted_coverage_gap_is_reported_by_name_and_nothing_else(
        world_server, tmp_path, config, pair):
    run = demo.run(world_server, tmp_path, say=lambda line: None, config=config, vendors=demo.DEFAULT_VENDORS | pair)
    world = world_server.world
    try:
        assert EDR_COVERAGE in [c.name for c in run.checks]
        gaps = {(r.client, r.status, r.device) for r in run.report.results if r.status in GAP_STATUSES}
        expected = {(e.client, Status(e.status), e.device) for e in sandbox.answer_key(world, run.checks)
                    if e.check == EDR_COVERAGE and e.device}
        assert gaps == expected
        # the planted server without an agent is there by its host name; the retired and merely detected are not
        unprotected = {(c.canonical, d.hostname) for c in world.customers for d in c.devices
                       if "server without security agent" in d.tags}
        assert unprotected and unprotected <= {(c, d) for c, s, d in gaps if s is Status.UNPROTECTED}
        never = {d.hostname for c in world.customers for d in c.devices
                 if {"decommissioned agent", "unmanaged detected endpoint"} & set(d.tags)}
        assert never and not never & {d for _, _, d in gaps}
        assert run.report.summary.gaps == len([r for r in run.report.results if r.status in GAP_STATUSES]) > 0
        # the snapshot (what the digest posts from) keeps each gap's device and class, for the servers call-out
        frozen = run.services.snapshots.results("local", run.snapshot.id)
        assert {(r.client, r.status, r.device, r.device_class) for r in frozen if r.status in GAP_STATUSES} == {
            (r.client, r.status, r.device, r.device_class) for r in run.report.results if r.status in GAP_STATUSES}
        assert {r.device_class for r in frozen if r.status is Status.UNPROTECTED} == {"server"}
        with run.csv_path.open(encoding="utf-8") as handle:
            lines = [r for r in csv.DictReader(handle) if r["Check"] == EDR_COVERAGE and r["Status"] == "no security agent"]
        assert {line["Note"].split(" ", 1)[0] for line in lines} == {d for _, d in unprotected} | {
            d for _, s, d in gaps if s is Status.UNPROTECTED}
    finally:
        run.services.close()
