"""Credentials updated in place, reconnecting under the old name, and secrets kept off the command line
(issue 9, items 3 and 5), with `billrec` against the sandbox over HTTP."""

from __future__ import annotations

import json

from sqlalchemy import select

from reconcile.tables import AuditEntry
from tests.e2e.conftest import connect


def linked_and_checked(billrec, world) -> None:
    connect(billrec, world, "connectwise", "ninjaone")
    billrec("sync", "--all")
    billrec("links", "approve-above", "0.95")
    billrec("checks", "add", "Managed workstations", "--billed", "connectwise:billed:MW-01",
            "--usage", "ninjaone:devices:workstation")


def audit(services, action: str) -> list[AuditEntry]:
    with services.context.sessions() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_update_tests_new_credentials_and_refuses_bad_ones_keeping_the_old(billrec, world, services):
    linked_and_checked(billrec, world)
    before = services.integrations.get("local", "ninjaone")
    results = json.loads(billrec("reconcile", "--format", "json").stdout)["results"]
    refused = billrec("connect", "ninjaone", "--update", "--set", "client_secret=not-the-secret", ok=False)
    assert refused.exit_code == 1 and "not-the-secret" not in refused.output + refused.stderr
    assert "synced —" in billrec("sync", "ninjaone").stdout  # the stored credentials still work

    secret = world.settings("ninjaone")["client_secret"]
    localhost = world.base_url("ninjaone").replace("127.0.0.1", "localhost")
    updated = billrec("connect", "ninjaone", "--update", "--set-from-env", "client_secret=NINJA_SECRET",
                      "--set", f"base_url={localhost}", env_extra={"NINJA_SECRET": secret})
    assert "Updated ninjaone (NinjaOne): the connection test passed and base_url, client_secret replaced" \
        in updated.stdout
    assert secret not in updated.output + updated.stderr
    after = services.integrations.get("local", "ninjaone")
    assert (after.id, after.public_settings["base_url"]) == (before.id, localhost)
    [entry] = audit(services, "integration.update")
    assert entry.detail["changed"] == ["base_url", "client_secret"] and secret not in str(entry.detail)
    # the same accounts and links: the report reads as it did
    assert json.loads(billrec("reconcile", "--format", "json").stdout)["results"] == results


def test_update_needs_a_change_and_a_known_field(billrec, world):
    connect(billrec, world, "ninjaone")
    nothing = billrec("connect", "ninjaone", "--update", ok=False)
    assert nothing.exit_code == 1 and "give at least one" in nothing.stderr
    unknown = billrec("connect", "ninjaone", "--update", "--set", "api_key=x", ok=False)
    assert "NinjaOne has no setting api_key" in unknown.stderr
    missing = billrec("connect", "nope", "--update", "--set", "client_secret=x", ok=False)
    assert "no integration named 'nope'" in missing.stderr


def test_reconnecting_under_the_old_name_reattaches_to_its_history(billrec, world, services):
    linked_and_checked(billrec, world)
    before = services.integrations.get("local", "ninjaone").id
    billrec("disconnect", "ninjaone", "--yes")
    again = billrec("connect", "ninjaone", *[x for k, v in world.settings("ninjaone").items()
                                             for x in ("--set", f"{k}={v}")])
    assert "Reconnected ninjaone (NinjaOne): its accounts, links, checks and history are its own again" in again.stdout
    rows = [line for line in billrec("integrations").stdout.splitlines() if line.startswith("ninjaone ")]
    assert len(rows) == 1 and "disconnected" not in rows[0]
    assert services.integrations.get("local", "ninjaone").id == before
    assert "Managed workstations" in billrec("checks", "list").stdout
    assert len(audit(services, "integration.reconnect")) == 1


def test_a_disconnected_name_is_not_taken_by_another_kind(billrec, world):
    connect(billrec, world, "ninjaone")
    billrec("disconnect", "ninjaone", "--yes")
    sets = [x for k, v in world.settings("pax8").items() for x in ("--set", f"{k}={v}")]
    refused = billrec("connect", "pax8", "--name", "ninjaone", *sets, ok=False)
    assert refused.exit_code == 1 and "disconnected NinjaOne integration" in refused.stderr


# -- item 5: secrets without the shell history ------------------------------------------------------

def public(world, kind: str) -> list[str]:
    return [x for k, v in world.settings(kind).items() if k != "client_secret" for x in ("--set", f"{k}={v}")]


def test_a_secret_is_read_from_standard_input_when_it_is_not_a_terminal(billrec, world):
    secret = world.settings("pax8")["client_secret"]
    result = billrec("connect", "pax8", *public(world, "pax8"), input=secret + "\n")
    assert "Connected pax8" in result.stdout and secret not in result.output + result.stderr
    assert "Note:" not in result.stderr


def test_no_secret_on_standard_input_says_every_way_to_give_it(billrec, world):
    result = billrec("connect", "pax8", *public(world, "pax8"), input="", ok=False)
    assert result.exit_code == 1
    assert "Pax8 needs Client secret (client_secret): give it on standard input" in result.stderr
    assert "--set-from-env FIELD=VARIABLE or --secret-file FIELD=PATH" in result.stderr


def test_a_secret_is_read_from_an_environment_variable_or_a_file(billrec, world, tmp_path):
    secret = world.settings("pax8")["client_secret"]
    from_env = billrec("connect", "pax8", *public(world, "pax8"), "--set-from-env", "client_secret=PAX8_SECRET",
                       env_extra={"PAX8_SECRET": secret})
    assert "Connected pax8" in from_env.stdout
    path = tmp_path / "ninja.secret"
    path.write_text(world.settings("ninjaone")["client_secret"] + "\n", encoding="utf-8")
    from_file = billrec("connect", "ninjaone", *public(world, "ninjaone"), "--secret-file", str(path))
    assert "Connected ninjaone" in from_file.stdout


def test_an_unset_variable_or_unreadable_file_is_named_not_guessed(billrec, world, tmp_path):
    unset = billrec("connect", "pax8", *public(world, "pax8"), "--set-from-env", "client_secret=NO_SUCH_VAR",
                    ok=False)
    assert unset.exit_code == 1 and "reads client_secret from the environment variable 'NO_SUCH_VAR', which is not set" in unset.stderr
    missing = billrec("connect", "pax8", *public(world, "pax8"), "--secret-file", f"client_secret={tmp_path}/none",
                      ok=False)
    assert missing.exit_code == 1 and "cannot read" in missing.stderr and "No such file" in missing.stderr
    assert world.requests.of("pax8") == []  # refused before any network call


def test_a_secret_typed_on_the_command_line_is_flagged(billrec, world):
    result = billrec("connect", "ninjaone", *[x for k, v in world.settings("ninjaone").items()
                                              for x in ("--set", f"{k}={v}")])
    assert "Note: client_secret went on the command line" in result.stderr
