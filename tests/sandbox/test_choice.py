"""Picking a fake vendor per role, and the demo's checks in the chosen vendors' metric keys."""

from __future__ import annotations

import pytest

import sandbox
from bot import demo
from bot.cli import demo as demo_command
from sandbox.choice import choose, connector_metrics, demo_checks, specs
from sandbox.truth.checks import Side
from sandbox.truth.model import Role


def test_the_default_demo_checks_are_plain_data_for_the_three_planted_checks() -> None:
    checks = demo_checks(choose(demo.DEFAULT_VENDORS))
    assert [c["name"] for c in checks] == ["Managed workstations", "Devices vs licenses", "Microsoft 365"]
    assert checks[0] == {
        "name": "Managed workstations",
        "billed": {"integration": "connectwise", "metrics": ["billed:MW-01"]},
        "usage": {"integration": "ninjaone", "metrics": ["devices:workstation"]},
        "seen_within_days": 30, "ratio": "1", "tolerance_units": "0", "tolerance_percent": "0",
    }
    assert checks[1]["billed"] == {"integration": "pax8", "metrics": ["licenses:BDF-GZ-BS"]}
    assert checks[1]["usage"] == {"integration": "ninjaone", "metrics": ["devices:workstation", "devices:server"]}
    assert checks[2]["usage"] == {"integration": "pax8", "metrics": ["licenses:MST-M365-BP"]}


def test_with_a_security_vendor_the_coverage_check_is_made_in_both_vendors_metrics() -> None:
    checks = demo_checks(choose(demo.DEFAULT_VENDORS | {"security": "sentinelone"}))
    coverage = next(c for c in checks if c["name"] == "EDR coverage")
    assert coverage["kind"] == "coverage" and coverage["seen_within_days"] == 30
    assert coverage["billed"] == {"integration": "ninjaone", "metrics": ["devices:workstation", "devices:server"]}
    assert coverage["usage"]["integration"] == "sentinelone"
    assert set(coverage["usage"]["metrics"]) == {"endpoints:core", "endpoints:control", "endpoints:complete"}
    assert "EDR coverage" not in [c["name"] for c in demo_checks(choose(demo.DEFAULT_VENDORS))]


def test_only_checks_whose_roles_all_have_a_vendor_are_made() -> None:
    assert [c.name for c in specs(choose({"psa": "connectwise", "rmm": "ninjaone"}))] == ["Managed workstations"]


def test_a_vendor_that_does_not_play_the_role_is_refused_by_name() -> None:
    rmms = ", ".join(sandbox.kinds_for(Role.RMM))
    with pytest.raises(ValueError, match=f"'pax8' is no rmm; the sandbox's rmm vendors are {rmms}$"):
        choose({"rmm": "pax8"})


def test_a_vendor_whose_metric_also_counts_what_a_side_leaves_out_cannot_serve_it() -> None:
    with pytest.raises(ValueError, match="counts devices:workstation under devices:workstation too"):
        connector_metrics(sandbox.VENDORS["ninjaone"], Side(Role.RMM, ("devices:laptop",)))
    with pytest.raises(ValueError, match="reports no licences:GZ-BS"):
        connector_metrics(sandbox.VENDORS["ninjaone"], Side(Role.RMM, ("licences:GZ-BS",)))


def test_the_demo_command_has_an_option_for_every_role() -> None:
    assert list(demo_command.ROLES) == [role.value for role in Role]
    assert set(demo.DEFAULT_VENDORS) <= set(demo_command.ROLES)


def test_the_demo_command_refuses_a_vendor_that_does_not_play_the_role_and_lists_those_that_do(tmp_path) -> None:
    from click.testing import CliRunner

    from bot.cli import cli

    result = CliRunner().invoke(cli, ["demo", "--rmm", "pax8", "--home", str(tmp_path / "demo")],
                                env={"BILLREC_HOME": str(tmp_path)}, prog_name="billrec")
    rmms = sandbox.kinds_for(Role.RMM)
    assert result.exit_code == 2 and f"'pax8' is no rmm the sandbox serves; choose from {', '.join(rmms)}" in result.output
    shown = " ".join(CliRunner().invoke(cli, ["demo", "--help"], prog_name="billrec").output.split())
    for role in Role:
        kinds = sandbox.kinds_for(role)
        assert f"--{role.value} " + ("[" + "|".join(kinds) + "]" if kinds else "KIND") in shown
