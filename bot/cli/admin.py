"""`billrec db upgrade | rotate-key | settings | sandbox`."""

from __future__ import annotations

import time

import click

from bot.cli import Env, cli
from reconcile.errors import Invalid
from reconcile import db, keys


@cli.group("db")
def db_group() -> None:
    """The database."""


@db_group.command()
@click.pass_obj
def upgrade(env: Env) -> None:
    """Apply every pending migration (also done automatically on start)."""
    engine = db.make_engine(env.settings.config().url)
    db.upgrade(engine)
    click.echo("Database is up to date.")


@cli.command("rotate-key")
@click.pass_obj
def rotate_key(env: Env) -> None:
    """Re-encrypt every stored credential under a new first key."""
    rotation = keys.rotate(env.services.context, env.actor)
    where = f" The new key is in {rotation.key_file}; back it up." if rotation.key_file else \
        " You may now remove the old key from BILLREC_ENCRYPTION_KEY."
    click.echo(f"Re-encrypted {rotation.credentials} credentials.{where}")


@cli.command("settings")
@click.argument("changes", nargs=-1, metavar="[NAME=VALUE]…")
@click.pass_obj
def settings_command(env: Env, changes: tuple[str, ...]) -> None:
    """Show the tenant's settings, or change some (e.g. digest_day=1 timezone=Europe/London)."""
    services = env.services
    if changes:
        pairs = {}
        for item in changes:
            if "=" not in item:
                raise Invalid(f"use NAME=VALUE, not {item!r}")
            key, value = item.split("=", 1)
            pairs[key.strip().replace("-", "_")] = value.strip()
        services.tenants.update(env.tenant, env.actor, **pairs)
    current = services.tenants.settings(env.tenant)
    for name, value in current.to_json().items():
        shown = ", ".join(value) if isinstance(value, list) else value
        click.echo(f"{name}: {shown if shown != '' else '—'}")
    from bot.schedule import status  # when the digest these settings describe comes next

    click.echo(f"next digest: {status.describe_digest(status.next_digest(services, env.tenant), current.timezone)}")


@cli.command()
@click.option("--clients", default=60, show_default=True, help="How many clients the fake MSP has.")
@click.option("--seed", default=7, show_default=True, help="Seed of the generated world.")
@click.option("--port", default=8099, show_default=True, help="Port on 127.0.0.1 (0 picks a free one).")
def sandbox(clients: int, seed: int, port: int) -> None:
    """Serve the fake vendor APIs for manual trials, until Ctrl-C."""
    import sandbox as fakes  # the sandbox is for trials and tests only

    with fakes.start(clients=clients, seed=seed, port=port) as server:
        click.echo(fakes.describe(server))
        click.echo("\nConnect them from another terminal:")
        for kind in server.vendors:
            sets = " ".join(f"--set {name}={value}" for name, value in server.settings(kind).items())
            click.echo(f"  billrec connect {kind} --name {kind} {sets}")
        click.echo("\nServing until Ctrl-C.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            click.echo("Stopped.")
