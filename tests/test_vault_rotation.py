"""Rotating the key file while web and clock processes run: no credential is ever left without its key.

Each "process" is its own `bootstrap.build()` (own engine, own vault in memory) over one
BILLREC_HOME and one database, as the web and clock processes and the CLI are in production.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet
from sqlalchemy import select, update

from bot.cli import cli
from reconcile import bootstrap, keys
from reconcile.audit import Actor
from reconcile.config import Config
from reconcile.errors import Invalid
from reconcile.tables import Integration
from reconcile.vault import Vault, VaultError, read_key_file, write_key_file
from tests.conftest import FAST_POLICY
from tests.fakes import Scripted

ADMIN = Actor("U_ADMIN", "cli")
SECRET = "k-very-secret-123"
Process = Callable[[], bootstrap.Services]


@pytest.fixture
def process(database, tmp_path) -> Iterator[Process]:
    """Starts a process on the shared home with no BILLREC_ENCRYPTION_KEY: the key file is the key."""
    home = tmp_path / "home"
    if database.backend == "postgresql":  # a server database never generates a key; give it the file
        home.mkdir()
        write_key_file(home / "secret.key", [Fernet.generate_key().decode()])
    started: list[bootstrap.Services] = []

    def start() -> bootstrap.Services:
        services = bootstrap.build(Config(home=home, database_url=database.url, http_policy=FAST_POLICY))
        services.context.registry["scripted"] = Scripted
        started.append(services)
        return services

    yield start
    for services in started:
        services.close()


def stored(services: bootstrap.Services, name: str) -> str:
    with services.context.sessions() as session:
        return session.scalar(select(Integration.credentials).where(Integration.name == name))


def key_file(services: bootstrap.Services) -> list[str]:
    return read_key_file(services.config.home / "secret.key")


def connect(services: bootstrap.Services, name: str) -> None:
    services.integrations.connect("local", "scripted", name, {"api_key": SECRET}, ADMIN)


def test_rotation_keeps_the_old_key_after_the_new_one_for_decrypting_only(process):
    cli_process = process()
    connect(cli_process, "rmm")
    [old] = key_file(cli_process)
    rotation = keys.rotate(cli_process.context, ADMIN)
    new, kept = key_file(cli_process)
    assert (rotation.credentials, rotation.keys, kept) == (1, 2, old)
    assert Vault([new]).open(stored(cli_process, "rmm")) == {"api_key": SECRET, "base_url": "http://127.0.0.1:9"}


def test_a_running_process_still_decrypts_after_another_rotated_the_key(process):
    web, cli_process = process(), process()
    connect(web, "rmm")
    keys.rotate(cli_process.context, ADMIN)
    assert web.syncs.run("local", "rmm", ADMIN).status == "succeeded"
    assert web.integrations.open("local", "rmm").settings["api_key"] == SECRET


def test_a_running_process_seals_new_connections_with_the_new_key(process):
    web, cli_process = process(), process()
    connect(web, "rmm")
    keys.rotate(cli_process.context, ADMIN)
    connect(web, "psa")  # web never restarted: it must not seal with the key about to be dropped
    new = key_file(web)[0]
    assert Vault([new]).open(stored(web, "psa"))["api_key"] == SECRET
    dropped = keys.drop_old(cli_process.context, ADMIN)
    assert (dropped.credentials, key_file(web)) == (0, [new])
    fresh = process()
    assert [fresh.integrations.open("local", n).settings["api_key"] for n in ("rmm", "psa")] == [SECRET, SECRET]
    assert web.integrations.open("local", "psa").settings["api_key"] == SECRET


def test_a_credential_sealed_with_the_old_key_during_rotation_stays_readable_and_drop_old_reseals_it(
        process, monkeypatch):
    stale, cli_process = process(), process()
    [old] = key_file(stale)
    keys.rotate(cli_process.context, ADMIN)
    new = key_file(cli_process)[0]
    # the race: the stale process sealed just before it could see the new key file
    monkeypatch.setattr(stale.context.vault, "refresh", lambda: False)
    connect(stale, "late")
    assert Vault([old]).open(stored(stale, "late"))["api_key"] == SECRET
    assert cli_process.integrations.open("local", "late").settings["api_key"] == SECRET
    dropped = keys.drop_old(cli_process.context, ADMIN)
    assert (dropped.credentials, key_file(cli_process)) == (1, [new])
    assert process().integrations.open("local", "late").settings["api_key"] == SECRET


def test_drop_old_refuses_and_keeps_every_key_when_a_credential_opens_with_none_of_them(process):
    cli_process = process()
    connect(cli_process, "rmm")
    connect(cli_process, "lost")
    keys.rotate(cli_process.context, ADMIN)
    before = key_file(cli_process)
    foreign = Vault([Fernet.generate_key().decode()]).seal({"api_key": "x"})
    with cli_process.context.sessions.begin() as session:
        session.execute(update(Integration).where(Integration.name == "lost").values(credentials=foreign))
    sealed = stored(cli_process, "rmm")
    with pytest.raises(VaultError, match="kept every key: 1 stored credentials open with none of them"):
        keys.drop_old(cli_process.context, ADMIN)
    assert key_file(cli_process) == before and stored(cli_process, "rmm") == sealed


def test_drop_old_with_configured_keys_reseals_under_the_first_and_leaves_the_variable_to_the_operator(
        database, tmp_path):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    home = tmp_path / "home"
    before = bootstrap.build(Config(home=home, database_url=database.url, encryption_keys=(old,)))
    before.context.registry["scripted"] = Scripted
    connect(before, "rmm")
    after = bootstrap.build(Config(home=home, database_url=database.url, encryption_keys=(new, old)))
    try:
        dropped = keys.drop_old(after.context, ADMIN)
        assert (dropped.credentials, dropped.key_file, dropped.keys) == (1, None, 2)
        assert Vault([new]).open(stored(after, "rmm"))["api_key"] == SECRET
        assert not (home / "secret.key").exists()
        with pytest.raises(Invalid, match="put a new key first"):
            keys.rotate(before.context, ADMIN)
    finally:
        before.close()
        after.close()


def test_the_command_says_running_processes_pick_up_the_key_and_when_to_drop_the_old_one(process, database):
    home = process().config.home  # the key file exists (on PostgreSQL too)
    env = {"BILLREC_HOME": str(home), "DATABASE_URL": database.url}
    runner = CliRunner()
    rotated = runner.invoke(cli, ["rotate-key"], env=env, prog_name="billrec")
    dropped = runner.invoke(cli, ["rotate-key", "--drop-old"], env=env, prog_name="billrec")
    assert rotated.exit_code == 0 and dropped.exit_code == 0, rotated.output + dropped.output
    assert "pick up the new key on their next use" in rotated.output and "--drop-old" in rotated.output
    assert "now holds only that key" in dropped.output
