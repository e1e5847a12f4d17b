"""Storage: migrations match the tables, credentials are sealed, keys rotate, snapshots never change."""

from __future__ import annotations

import os
import stat
from datetime import datetime
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from reconcile import bootstrap, db, keys
from reconcile.audit import Actor
from reconcile.config import Config
from reconcile.errors import Invalid
from reconcile.tables import AuditEntry, Base, Integration, SnapshotImmutable
from reconcile.vault import Vault, VaultError, load_keys
from tests.fakes import Scripted, fleet

ADMIN = Actor("U_ADMIN", "cli")
SECRET = "k-very-secret-123"


def test_migrations_build_exactly_the_declared_tables(services, database):
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    assert differences == []


def test_the_migration_to_exclusive_syncs_keeps_one_running_run_per_integration(database):
    """A database that met the race has two `running` runs of one integration; 0005 must still apply."""
    from alembic import command
    from sqlalchemy.exc import IntegrityError

    command.upgrade(db.alembic_config(database.engine), "0004")
    with database.engine.begin() as connection:
        connection.execute(text("INSERT INTO tenants (id, name, created_at, settings) VALUES ('t', '', :at, '{}')"),
                           {"at": datetime(2026, 11, 1)})
        connection.execute(text("INSERT INTO integrations (id, tenant_id, kind, name, public_settings, status, "
                                "created_at, created_by) VALUES (1, 't', 'pax8', 'pax8', '{}', 'connected', :at, '')"),
                           {"at": datetime(2026, 11, 1)})
        for run_id in (1, 2):
            connection.execute(text("INSERT INTO sync_runs (id, tenant_id, integration_id, started_at, status, "
                                    "trigger, accounts, quantities, assets, totals) "
                                    "VALUES (:id, 't', 1, :at, 'running', 'cli', 0, 0, 0, '{}')"),
                               {"id": run_id, "at": datetime(2026, 11, 1)})
    db.upgrade(database.engine)
    with database.engine.begin() as connection:
        statuses = connection.execute(text("SELECT id, status FROM sync_runs ORDER BY id")).all()
    assert [tuple(row) for row in statuses] == [(1, "interrupted"), (2, "running")]
    with pytest.raises(IntegrityError), database.engine.begin() as connection:
        connection.execute(text("INSERT INTO sync_runs (id, tenant_id, integration_id, started_at, status, trigger, "
                                "accounts, quantities, assets, totals) "
                                "VALUES (3, 't', 1, :at, 'running', 'cli', 0, 0, 0, '{}')"),
                           {"at": datetime(2026, 11, 1)})


def test_credentials_are_stored_encrypted_and_never_in_the_audit_log(services):
    services.context.registry["scripted"] = Scripted
    services.integrations.connect("local", "scripted", "rmm", {"api_key": SECRET}, ADMIN)
    with services.context.sessions() as session:
        stored = session.scalar(select(Integration.credentials))
        audit_text = " ".join(str(e.detail) + e.subject for e in session.scalars(select(AuditEntry)))
        raw = " ".join(str(row) for row in session.execute(text("select * from integrations")))
    assert SECRET not in stored and SECRET not in raw and SECRET not in audit_text
    assert services.context.vault.open(stored)["api_key"] == SECRET


def test_a_failed_connection_test_stores_nothing(services):
    services.context.registry["scripted"] = Scripted
    with pytest.raises(Exception, match="refused the credentials"):
        services.integrations.connect("local", "scripted", "rmm", {"api_key": "wrong"}, ADMIN)
    assert services.integrations.list("local") == []


def test_disconnect_deletes_credentials_and_keeps_data(services):
    services.context.registry["scripted"] = Scripted
    Scripted.script = fleet({"1": 4})
    services.integrations.connect("local", "scripted", "rmm", {"api_key": SECRET}, ADMIN)
    services.syncs.run("local", "rmm", ADMIN)
    info = services.integrations.disconnect("local", "rmm", ADMIN)
    with services.context.sessions() as session:
        integration = session.get(Integration, info.id)
        assert integration.credentials is None and integration.current_run_id is not None
    assert info.health == "disconnected"
    # the name is free again for a new connection
    services.integrations.connect("local", "scripted", "rmm", {"api_key": SECRET}, ADMIN)


def test_without_a_key_the_embedded_default_generates_one_readable_only_by_its_owner(tmp_path):
    said = []
    found = load_keys((), tmp_path, embedded=True, announce=said.append)
    key_file = tmp_path / "secret.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert len(said) == 1 and str(key_file) in said[0]
    assert load_keys((), tmp_path, embedded=True, announce=said.append) == found
    assert len(said) == 1  # said once


def test_a_server_database_refuses_to_invent_a_key(tmp_path):
    with pytest.raises(VaultError, match="BILLREC_ENCRYPTION_KEY is not set"):
        load_keys((), tmp_path, embedded=False)


def test_the_first_key_encrypts_and_every_key_decrypts():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed_by_old = Vault([old]).seal({"api_key": SECRET})
    both = Vault([new, old])
    assert both.open(sealed_by_old) == {"api_key": SECRET}
    assert Vault([new]).open(both.seal({"api_key": SECRET})) == {"api_key": SECRET}
    with pytest.raises(VaultError, match="cannot be decrypted"):
        Vault([new]).open(sealed_by_old)


def test_rotate_key_reencrypts_every_credential_under_a_new_generated_key(tmp_path):
    services = bootstrap.build(Config(home=tmp_path))  # the generated key belongs to the embedded default
    services.context.registry["scripted"] = Scripted
    services.integrations.connect("local", "scripted", "rmm", {"api_key": SECRET}, ADMIN)
    old_key = (tmp_path / "secret.key").read_text().split()
    rotation = keys.rotate(services.context, ADMIN)
    new_key, *kept = (tmp_path / "secret.key").read_text().split()
    assert rotation.credentials == 1 and kept == old_key  # the old key stays, to decrypt, until --drop-old
    with services.context.sessions() as session:
        stored = session.scalar(select(Integration.credentials))
    assert Vault([new_key]).open(stored)["api_key"] == SECRET
    with pytest.raises(VaultError):
        Vault(old_key).open(stored)


def test_rotating_configured_keys_needs_the_new_key_first(services):
    with pytest.raises(Invalid, match="put a new key first"):
        keys.rotate(services.context, ADMIN)


def test_a_snapshot_cannot_be_changed_or_deleted(services):
    taken = services.snapshots.take("local", ADMIN)
    with services.context.sessions() as session:
        from reconcile.tables import Snapshot
        snapshot = session.get(Snapshot, taken.id)
        snapshot.period = "1999-01"
        with pytest.raises(SnapshotImmutable):
            session.flush()
        session.rollback()
        session.delete(session.get(Snapshot, taken.id))
        with pytest.raises(SnapshotImmutable):
            session.flush()


def test_tenant_settings_validate_what_an_admin_types(services):
    updated = services.tenants.update("local", ADMIN, digest_day="5", digest_time="7:30", timezone="Europe/London",
                                      alert_threshold="$250")
    assert (updated.digest_day, updated.digest_time, updated.timezone, updated.alert_threshold) == (
        5, "07:30", "Europe/London", Decimal(250))
    for bad, message in [({"digest_day": "31"}, "between 1 and 28"), ({"timezone": "Mars/Base"}, "unknown time zone"),
                         ({"digest_time": "25:00"}, "HH:MM"), ({"colour": "red"}, "unknown setting"),
                         ({"billing_channel": "#billing"}, "billing channel takes the channel's id")]:
        with pytest.raises(Invalid, match=message):
            services.tenants.update("local", ADMIN, **bad)
    assert services.tenants.settings("local").digest_day == 5


