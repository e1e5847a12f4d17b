"""Property: every number option of the CLI, over any text, is a clear answer, never a traceback (issue 7 item 15).

Commands quick to run are run whole, in-process, against a small synced tenant: the answer is
exit 0, or one `billrec:` line with exit 1, or click's usage line with exit 2; never an internal
error. Commands that serve until stopped (`serve`, `scheduler`, `sandbox`, `digest`, `demo`) are
only parsed: the text is refused, or it becomes a finite number within what the command runs with.
"""

from __future__ import annotations

import math

import click
import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet
from hypothesis import example, given

import connectors
from bot.cli import admin, cli, demo, scheduler, serve
from reconcile.errors import Invalid
from tests.fakes import Scripted, ScriptedBilling
from tests.fuzz import FUZZ, TYPED
from tests.slack.conftest import build_world

CHECK = ["checks", "add", "x", "--billed", "psa:billed:MW-01", "--usage", "rmm:devices:workstation"]
RUN_WHOLE = [  # `{}` is where the text goes; `--` keeps text that starts with `-` an argument
    [*CHECK, "--seen-within={}"], [*CHECK, "--ratio={}"], [*CHECK, "--tolerance={}"],
    [*CHECK, "--tolerance-percent={}"],
    ["except", "revoke", "--", "{}"], ["except", "add", "Acme", "Managed workstations", "--reason=r", "--until={}"],
    ["links", "approve", "--", "{}"], ["links", "reject", "--", "{}"], ["links", "choose", "--", "{}", "Acme"],
    ["links", "choose", "--", "1", "{}"], ["links", "approve-above", "--", "{}"],
    ["links", "suggest", "--approve-above={}"],
    ["settings", "digest_day={}"], ["settings", "sync_interval_hours={}"], ["settings", "stale_after_hours={}"],
    ["settings", "alert_threshold={}"], ["export", "--period={}"], ["reconcile", "--client={}"],
]
PARSE_ONLY = [  # (command, option, the lowest and highest value it may run with)
    (serve.serve, "--port", 0, 65535), (serve.serve, "--workers", 1, 64), (serve.serve, "--threads", 1, 256),
    (scheduler.scheduler, "--poll", 0.1, 3600), (scheduler.scheduler, "--resync", 1, 86_400),
    (scheduler.scheduler, "--in-flight", 0, 3600), (scheduler.digest, "--in-flight", 0, 3600),
    (demo.demo, "--clients", 1, 10_000), (demo.demo, "--seed", 0, 2**63 - 1),
    (admin.sandbox, "--port", 0, 65535), (admin.sandbox, "--clients", 1, 10_000),
    (admin.sandbox, "--seed", 0, 2**63 - 1),
]


@pytest.fixture
def billrec(services, database, tmp_path, monkeypatch):
    """`billrec …` in-process on a tenant with a PSA, an RMM, approved links and a check."""
    monkeypatch.setitem(connectors.REGISTRY, "scripted", Scripted)  # the CLI builds its own registry
    monkeypatch.setitem(connectors.REGISTRY, "scripted_psa", ScriptedBilling)
    build_world(services)
    env = {"BILLREC_HOME": str(tmp_path / "home"), "DATABASE_URL": database.url,
           "BILLREC_ENCRYPTION_KEY": Fernet.generate_key().decode()}
    runner = CliRunner()
    return lambda args: runner.invoke(cli, args, env=env, prog_name="billrec")


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)  # the parsing is under test, not the backend
@pytest.mark.parametrize("args", RUN_WHOLE, ids=" ".join)
@FUZZ
@given(typed=TYPED)
@example(typed="²").via("issue 7: passes isdigit(), fails int()")
@example(typed="99999999999999999999").via("issue 7: overflows SQLite's integer")
@example(typed="800000").via("issue 7: a seen-within that breaks every later reconcile")
def test_a_number_option_over_any_text_is_answered_in_one_clear_line(billrec, args, typed):
    result = billrec([a.replace("{}", typed) for a in args])
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "internal error" not in result.stderr
    if result.exit_code == 1:
        assert result.stderr.strip().splitlines()[-1].startswith("billrec: ")
    if result.exit_code == 0:  # nothing accepted breaks the tenant's next reconcile
        after = billrec(["reconcile", "--format=json"])
        assert after.exit_code == 0, after.stderr


@pytest.mark.parametrize(("command", "option", "low", "high"), PARSE_ONLY, ids=lambda v: getattr(v, "name", str(v)))
@FUZZ
@given(typed=TYPED)
@example(typed="nan").via("click's float takes it, and sleep(nan) raises")
@example(typed="٣").via("click's int takes it")
def test_an_option_of_a_long_running_command_is_refused_or_within_what_it_runs_with(command, option, low, high,
                                                                                     typed):
    try:
        parsed = command.make_context(command.name, [f"{option}={typed}"])
    except (click.UsageError, Invalid):  # click's usage line, or the usual one `billrec:` line
        return
    value = parsed.params[next(p.name for p in command.params if option in p.opts)]
    assert isinstance(value, (int, float)) and math.isfinite(value) and low <= value <= high, value
