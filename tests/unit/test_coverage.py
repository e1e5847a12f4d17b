"""The coverage check's matching: devices with no agent, agents on no device, ambiguity — no database, no HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reconcile.checks import COVERAGE, Check, Side, Source, Status, evaluate, summarise
from reconcile.coverage import Machine, match, recent, selects, stem

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
RMM, EDR = 2, 3
EDR_COVERAGE = Check(7, "EDR coverage", Side(RMM, "ninja", ("devices:*",)), Side(EDR, "s1", ("endpoints:*",)),
                     seen_within_days=30, kind=COVERAGE)
FRESH = {RMM: Source(RMM, "ninja", "ninjaone", NOW, False), EDR: Source(EDR, "s1", "sentinelone", NOW, False)}
CLIENTS = {10: "Acme Corp", 11: "Bluebird Logistics"}
LINKS = {(RMM, "1"): 10, (RMM, "2"): 11, (EDR, "s-1"): 10, (EDR, "s-2"): 11}


def device(name: str, cls: str = "workstation", account: str = "1", days: float = 0) -> Machine:
    return Machine(account, name, f"devices:{cls}", NOW - timedelta(days=days))


def agent(name: str, account: str = "s-1", days: float = 0) -> Machine:
    return Machine(account, name, "endpoints:complete", NOW - timedelta(days=days))


def gaps(devices: list[Machine], agents: list[Machine]) -> list[tuple[str, str]]:
    return [(g.kind, g.machine.name) for g in match(devices, agents).gaps]


def test_names_match_whatever_the_case_domain_or_local_suffix():
    found = match([device("ACME-WS01"), device("acme-srv01", "server")],
                  [agent("acme-ws01.acme.local"), agent("ACME\\ACME-SRV01")])
    assert (found.devices, found.covered, found.gaps) == (2, 2, ())


def test_a_server_without_an_agent_and_an_agent_on_no_device_are_both_gaps():
    assert gaps([device("ACME-WS01"), device("ACME-SRV01", "server")], [agent("ACME-WS01"), agent("DESKTOP-7QK2ZT")]) \
        == [("unmanaged", "DESKTOP-7QK2ZT"), ("unprotected", "ACME-SRV01")]


def test_a_reinstall_leaving_two_agents_of_one_name_is_no_gap():
    assert gaps([device("ACME-WS01")], [agent("ACME-WS01"), agent("acme-ws01")]) == []


def test_a_reimaged_name_matches_its_one_candidate_but_digits_of_the_name_are_kept():
    assert gaps([device("ACME-WS01")], [agent("ACME-WS01-2")]) == []
    assert gaps([device("ACME-WS01")], [agent("ACME-WS02")]) == [("unmanaged", "ACME-WS02"), ("unprotected", "ACME-WS01")]
    assert stem("ACME-WS01 (1)") == "acme-ws01" and stem("WS01") == "ws01"


def test_two_candidates_are_shown_as_ambiguous_never_guessed():
    found = match([device("FRONT-1"), device("FRONT-2")], [agent("FRONT-3")])
    assert sorted((g.kind, g.machine.name) for g in found.gaps) == [
        ("ambiguous", "FRONT-1"), ("ambiguous", "FRONT-2"), ("ambiguous", "FRONT-3")]
    assert found.covered == 0
    assert "FRONT-1, FRONT-2" in next(g for g in found.gaps if g.machine.name == "FRONT-3").describe()


def test_two_devices_of_one_name_and_one_agent_are_ambiguous():
    assert gaps([device("ACME-WS01"), device("acme-ws01")], [agent("ACME-WS01")]) == [
        ("ambiguous", "ACME-WS01"), ("ambiguous", "acme-ws01")]


def test_retired_machines_are_left_out_and_a_wildcard_skips_agentless_classes():
    assert [m.name for m in recent([device("OLD", days=90), device("NEW", days=2)], NOW - timedelta(days=30))] \
        == ["NEW"]
    assert selects(("devices:*",), "devices:server", agentless_too=False)
    assert not selects(("devices:*",), "devices:network", agentless_too=False)
    assert selects(("devices:network",), "devices:network", agentless_too=False)
    assert selects(("endpoints:*",), "endpoints:other", agentless_too=True)


def run(devices: list[Machine], agents: list[Machine], sources=FRESH, links=LINKS):
    machines = {(EDR_COVERAGE.id, "billed"): devices, (EDR_COVERAGE.id, "usage"): agents}
    return evaluate([EDR_COVERAGE], clients=CLIENTS, links=links, account_names={(RMM, "9"): "Lab"}, readings={},
                    sources=sources, machines=machines)


def test_evaluation_reports_one_result_per_gap_per_client_and_counts_them_in_the_summary():
    results = run([device("ACME-SRV01", "server"), device("ACME-WS01"), device("BLU-WS01", account="2")],
                  [agent("ACME-WS01"), agent("BLU-WS01", "s-2"), agent("BLU-LT07", "s-2")])
    assert [(r.client, r.status, r.device, r.device_class) for r in results] == [
        ("Acme Corp", Status.UNPROTECTED, "ACME-SRV01", "server"),
        ("Bluebird Logistics", Status.UNMANAGED, "BLU-LT07", "complete")]
    assert results[0].note == "ACME-SRV01 (server): no security agent" and results[0].impact is None
    assert summarise(results).gaps == 2


def test_a_fully_covered_client_is_matched_and_an_unlinked_account_unmapped():
    results = run([device("ACME-WS01"), device("LAB-01", account="9")], [agent("ACME-WS01")])
    assert [(r.client, r.status, r.billed, r.actual) for r in results] == [
        ("Lab", Status.UNMAPPED, 1, 0), ("Acme Corp", Status.MATCHED, 1, 1)]


def test_a_stale_source_reports_no_gaps():
    stale = {**FRESH, EDR: Source(EDR, "s1", "sentinelone", NOW, True, "last sync failed")}
    results = run([device("ACME-SRV01", "server")], [], sources=stale)
    assert [(r.client, r.status) for r in results] == [("Acme Corp", Status.STALE)]
