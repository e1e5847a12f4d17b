"""Mistakes that must not be silent (issue 9, item 6), each with its message and exit code, through `billrec`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.e2e.conftest import connect


def sets(world, kind: str) -> list[str]:
    return [x for k, v in world.settings(kind).items() for x in ("--set", f"{k}={v}")]


def test_a_mistyped_tenant_is_an_error_unless_asked_to_create_it(billrec, world):
    connect(billrec, world, "ninjaone")  # tenant local, with one integration
    typo = billrec("--tenant", "lcoal", "integrations", ok=False)
    assert typo.exit_code == 1
    assert "no tenant named 'lcoal' (tenants: local); add --create-tenant to start a new one" in typo.stderr
    assert "ninjaone" in billrec("--tenant", "local", "integrations").stdout
    assert "No integrations yet" in billrec("--tenant", "second", "--create-tenant", "integrations").stdout
    assert billrec("--tenant", "second", "integrations").exit_code == 0  # it exists now


def test_disconnecting_twice_says_it_is_already_disconnected(billrec, world):
    connect(billrec, world, "ninjaone")
    billrec("disconnect", "ninjaone", "--yes")
    again = billrec("disconnect", "ninjaone", "--yes", ok=False)
    assert again.exit_code == 1 and "ninjaone is already disconnected" in again.stderr


def test_disconnect_without_a_terminal_needs_yes_and_says_so(billrec, world, cli_env):
    connect(billrec, world, "ninjaone")
    result = subprocess.run([sys.executable, "-m", "bot.cli", "disconnect", "ninjaone"], env={**os.environ, **cli_env},
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "Aborted" not in result.stderr
    assert "run `billrec disconnect ninjaone --yes` to confirm" in result.stderr
    assert "never synced" in billrec("integrations").stdout  # still connected


def test_an_exception_needs_until_or_forever_and_one_live_per_client_and_check(billrec, world):
    connect(billrec, world, "connectwise", "ninjaone")
    billrec("sync", "--all")
    billrec("links", "approve-above", "0.95")
    billrec("checks", "add", "Workstations", "--billed", "connectwise:billed:MW-01",
            "--usage", "ninjaone:devices:workstation")
    client = json.loads(billrec("reconcile", "--format", "json").stdout)["results"][0]["client"]
    open_ended = billrec("except", "add", client, "Workstations", "--reason", "loaners", ok=False)
    assert open_ended.exit_code == 1 and "--until YYYY-MM-DD, or --forever" in open_ended.stderr
    first = billrec("except", "add", client, "Workstations", "--reason", "loaners", "--forever").stdout
    assert "until revoked" in first
    second = billrec("except", "add", client, "Workstations", "--reason", "again", "--until", "2099-01-31", ok=False)
    assert second.exit_code == 1 and "already has exception #1" in second.stderr and "except revoke 1" in second.stderr
    billrec("except", "revoke", "1")
    assert "until 2099-01-31" in billrec("except", "add", client, "Workstations", "--reason", "again",
                                         "--until", "2099-01-31").stdout


def test_the_kind_is_case_insensitive(billrec, world):
    out = billrec("connect", "NinjaOne", *sets(world, "ninjaone")).stdout
    assert "Connected ninjaone (NinjaOne)" in out
    assert "NinjaOne" in billrec("integrations").stdout


def test_a_bad_name_is_refused_before_any_prompt_or_network_call(billrec, world):
    refused = billrec("connect", "ninjaone", "--name", "my rmm!", *sets(world, "ninjaone"), ok=False)
    assert refused.exit_code == 1 and "integration name 'my rmm!' must be letters, digits" in refused.stderr
    connect(billrec, world, "ninjaone")
    world.requests.clear()
    taken = billrec("connect", "ninjaone", ok=False)  # no secrets given: refused before asking for them
    assert taken.exit_code == 1 and "already connected" in taken.stderr and "--update" in taken.stderr
    assert world.requests.of("ninjaone") == []
