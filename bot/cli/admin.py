"""`billrec db upgrade | rotate-key | settings | sandbox`."""

from __future__ import annotations

import time

import click
from slack_sdk import WebClient

from bot import people
from bot.cli import Env, cli, program
from bot.cli.numbers import CLIENTS, PORT, SEED
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
@click.option("--drop-old", is_flag=True,
              help="After a rotation: keep only the first key, once every credential opens with it alone.")
@click.pass_obj
def rotate_key(env: Env, drop_old: bool) -> None:
    """Re-encrypt every stored credential under a new first key (then, later, --drop-old)."""
    if drop_old:
        rotation = keys.drop_old(env.services.context, env.actor)
        click.echo(f"Every stored credential opens with the first key alone ({rotation.credentials} re-encrypted).")
        if rotation.key_file:
            click.echo(f"{rotation.key_file} now holds only that key; back it up.")
        else:
            click.echo("You may now remove every key but the first from BILLREC_ENCRYPTION_KEY and restart "
                       "the web and clock processes.")
        return
    rotation = keys.rotate(env.services.context, env.actor)
    click.echo(f"Re-encrypted {rotation.credentials} credentials under the new first key.")
    if rotation.key_file:
        click.echo(f"The new key is first in {rotation.key_file}; back the file up. Running web and clock "
                   "processes pick up the new key on their next use, no restart needed. The old key stays in the "
                   "file for decrypting only; once every process has used the new key (after their next sync, "
                   "say), run `billrec rotate-key --drop-old` to remove it.")
    else:
        click.echo("Running web and clock processes keep the keys they started with: restart them with this "
                   "BILLREC_ENCRYPTION_KEY (new key first, old after it). Then run `billrec rotate-key --drop-old` "
                   "to check that the new key alone opens everything, remove the old key from "
                   "BILLREC_ENCRYPTION_KEY and restart them again.")


@cli.command("settings")
@click.argument("changes", nargs=-1, metavar="[NAME=VALUE]…")
@click.pass_obj
def settings_command(env: Env, changes: tuple[str, ...]) -> None:
    """Show the tenant's settings, or change some (e.g. digest_day=1 timezone=Europe/London).

    admins= takes Slack member ids, or, with Slack configured (SLACK_BOT_TOKEN or an OAuth
    install), @names and e-mail addresses, which are looked up in the workspace.
    """
    services = env.services
    if changes:
        pairs = {}
        for item in changes:
            if "=" not in item:
                raise Invalid(f"use NAME=VALUE, not {item!r}")
            key, value = item.split("=", 1)
            pairs[key.strip().replace("-", "_")] = value.strip()
        if pairs.get("admins"):
            pairs["admins"] = " ".join(people.user_ids(slack_of(env), pairs["admins"]))
        services.tenants.update(env.tenant, env.actor, **pairs)
    current = services.tenants.settings(env.tenant)
    for name, value in current.to_json().items():
        shown = ", ".join(value) if isinstance(value, list) else value
        click.echo(f"{name}: {shown if shown != '' else '—'}")
    from bot.views import schedule
    from reconcile.schedule import timetable  # when the digest these settings describe comes next

    click.echo(f"next digest: {schedule.describe_digest(timetable.next_digest(services, env.tenant), current.timezone)}")


def slack_of(env: Env) -> WebClient | None:
    """The tenant's Slack Web API client (its bot token, or its OAuth install), or None without Slack."""
    from bot.schedule import runtime  # the clock's own way to reach a tenant's workspace

    return runtime.slack_factory(env.settings, env.services)(env.tenant)


@cli.command()
@click.option("--clients", type=CLIENTS, default=60, show_default=True, help="How many clients the fake MSP has.")
@click.option("--seed", type=SEED, default=7, show_default=True, help="Seed of the generated world.")
@click.option("--port", type=PORT, default=8099, show_default=True, help="Port on 127.0.0.1 (0 picks a free one).")
def sandbox(clients: int, seed: int, port: int) -> None:
    """Serve the fake vendor APIs for manual trials, until Ctrl-C."""
    import sandbox as fakes  # the sandbox is for trials and tests only

    with fakes.start(clients=clients, seed=seed, port=port) as server:
        click.echo(fakes.describe(server))
        click.echo("\nConnect them from another terminal:")
        for kind in server.vendors:
            sets = " ".join(f"--set {name}={value}" for name, value in server.settings(kind).items())
            click.echo(f"  {program()} connect {kind} --name {kind} {sets}")
        click.echo("\nServing until Ctrl-C.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            click.echo("Stopped.")
