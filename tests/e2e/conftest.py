"""The command line against the sandbox: a world served over HTTP, and `billrec` run as a user would."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet

import sandbox
from bot.cli import cli


@pytest.fixture
def world():
    with sandbox.start(clients=20, seed=11) as server:
        yield server


@pytest.fixture
def cli_env(tmp_path, database) -> dict[str, str]:
    """What `billrec` reads, for this test's home and database (in-process or in a subprocess alike)."""
    return {"BILLREC_HOME": str(tmp_path / "home"), "DATABASE_URL": database.url,
            "BILLREC_ENCRYPTION_KEY": Fernet.generate_key().decode()}


@pytest.fixture
def billrec(cli_env):
    runner = CliRunner()

    def run(*args: str, input: str | None = None, ok: bool = True):
        result = runner.invoke(cli, list(args), env=cli_env, input=input, prog_name="billrec")
        if ok:
            assert result.exit_code == 0, result.output + result.stderr
        return result
    return run


def connect(billrec, world, *kinds: str) -> None:
    for kind in kinds:
        sets = [x for name, value in world.settings(kind).items() for x in ("--set", f"{name}={value}")]
        out = billrec("connect", kind, "--name", kind, *sets).stdout
        assert f"Connected {kind}" in out
