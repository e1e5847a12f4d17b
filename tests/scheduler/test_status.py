"""Next sync and next digest, where people look: `billrec integrations`, `billrec settings`, `billrec jobs`."""

from __future__ import annotations

from click.testing import CliRunner

from bot.cli import cli
from bot.views import schedule
from reconcile.schedule import plan
from tests.scheduler.conftest import TENANT


def billrec(database, config, *args: str) -> str:
    env = {"DATABASE_URL": database.url, "BILLREC_ENCRYPTION_KEY": config.encryption_keys[0],
           "BILLREC_HOME": str(config.home)}
    result = CliRunner().invoke(cli, ["--tenant", TENANT, *args], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_integrations_show_their_next_scheduled_sync(services, ticker, database, config):
    output = billrec(database, config, "integrations")
    rmm = services.integrations.get(TENANT, "rmm").id
    expected = ticker.next_runs()[plan.sync_job_id(TENANT, rmm)]
    assert "Next sync" in output and schedule.describe_sync(expected) in output


def test_settings_show_the_next_digest_in_the_tenants_zone(services, tenant, database, config):
    output = billrec(database, config, "settings", "digest_day=2", "digest_time=07:15")
    line = next(line for line in output.splitlines() if line.startswith("next digest: "))
    assert line.startswith("next digest: ") and " 07:15 G" in line and line.endswith("(Europe/London)")  # GMT or BST


def test_jobs_lists_every_job_of_the_tenant(services, ticker, database, config):
    output = billrec(database, config, "jobs")
    assert "sync psa" in output and "sync rmm" in output and "monthly digest" in output
