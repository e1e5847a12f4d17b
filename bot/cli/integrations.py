"""`billrec connect | disconnect | purge | integrations | sync`."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Sequence

import click
from tabulate import tabulate
from tqdm import tqdm

import connectors
from bot.cli import Env, cli, given
from bot.cli.listing import emit, format_option
from connectors.base import Connector
from connectors.redact import excerpt
from reconcile import purge as purging
from reconcile.errors import Conflict, Invalid, Refused
from reconcile.integrations import IntegrationInfo
from bot.text import when
from reconcile.sync import SyncOutcome, SyncStatus


@cli.command()
@click.argument("kind", metavar="KIND|NAME")
@click.option("--name", help="A name for this integration (default: the kind).")
@click.option("--update", is_flag=True,
              help="Change the settings of the integration NAME: tested, then replaced; its accounts, links, checks "
                   "and history stay.")
@click.option("--set", "values", multiple=True, metavar="FIELD=VALUE", help="A setting; repeat for each field.")
@click.option("--set-from-env", "from_env", multiple=True, metavar="FIELD=VARIABLE",
              help="A setting read from an environment variable (keeps a secret off the command line).")
@click.option("--secret-file", "from_files", multiple=True, metavar="[FIELD=]PATH",
              help="A setting read from the first line of a file (a bare PATH: the kind's one secret).")
@click.pass_obj
def connect(env: Env, kind: str, name: str | None, update: bool, values: tuple[str, ...], from_env: tuple[str, ...],
            from_files: tuple[str, ...]) -> None:
    """Connect an integration (or --update one); the connection is tested before anything is stored.

    Secrets left out are read from standard input when it is not a terminal (one line per
    secret, in the order `billrec kinds` lists them), or asked for without echo. Run
    `billrec kinds` to see every kind's fields. Connecting under the name of a disconnected
    integration of the same kind reattaches it to its accounts, links, checks and history.
    """
    services = env.services
    if update:
        _update(env, name or kind, values, from_env, from_files)
        return
    cls = services.integrations.connector_class(kind)
    kind = kind.strip().lower()
    # the name is refused before any prompt or network call
    name = services.integrations.check_new_name(env.tenant, kind, name or kind)
    settings = given.settings(cls, values, from_env, from_files)
    given.fill_missing(cls, settings)
    cls.clean_settings(settings)  # refuse a malformed field before saying we are testing
    reattached = any(i.name == name and i.status != "connected" for i in services.integrations.list(env.tenant))
    click.echo(f"Testing the connection to {cls.display_name}…", err=True)
    info = services.integrations.connect(env.tenant, kind, name, settings, env.actor)
    _warn_if_typed(cls, values)
    if reattached:
        click.echo(f"Reconnected {info.name} ({info.display_name}): its accounts, links, checks and history are its "
                   f"own again. Credentials are stored encrypted. Next: billrec sync {info.name}")
        return
    click.echo(f"Connected {info.name} ({info.display_name}). Credentials are stored encrypted. "
               f"Next: billrec sync {info.name}")


def _update(env: Env, name: str, values: tuple[str, ...], from_env: tuple[str, ...],
            from_files: tuple[str, ...]) -> None:
    services = env.services
    current = services.integrations.get(env.tenant, name)
    cls = services.integrations.connector_class(current.kind)
    changes = given.settings(cls, values, from_env, from_files)
    if not changes:
        raise Invalid(f"--update changes settings: give at least one with --set, --set-from-env or --secret-file "
                      f"(the fields of {cls.display_name}: {', '.join(f.name for f in cls.fields)})")
    click.echo(f"Testing the new settings of {current.name} ({cls.display_name})…", err=True)
    info = services.integrations.update(env.tenant, current.name, changes, env.actor)
    _warn_if_typed(cls, values)
    again = "Reconnected" if current.status != "connected" else "Updated"
    fields = ", ".join(sorted(changes))
    click.echo(f"{again} {info.name} ({info.display_name}): the connection test passed and {fields} replaced; "
               "its accounts, links, checks and history are kept.")


def _warn_if_typed(cls: type[Connector], values: tuple[str, ...]) -> None:
    typed = given.on_the_command_line(cls, values)
    if typed:
        click.echo(f"Note: {', '.join(typed)} went on the command line, so your shell history keeps it; next time "
                   "use --set-from-env, --secret-file or standard input.", err=True)


@cli.command()
@click.pass_obj
def kinds(env: Env) -> None:
    """List the integration kinds, their fields, what each reads and its metric catalog."""
    for kind, cls in sorted(connectors.REGISTRY.items()):  # read-only: no database, no key is created
        click.echo(f"{kind} — {cls.display_name} ({cls.role.value})")
        for field in cls.fields:
            extra = " [secret]" if field.secret else (f" [default {field.default}]" if field.default else "")
            click.echo(f"    {field.name}: {field.label}{extra}")
        for label, _, text in cls.guidance.facts():
            # never split a hyphenated word or a URL across lines
            click.echo(textwrap.fill(f"{label.lower()}: {text}", width=100, initial_indent="    ",
                                     subsequent_indent="        ", break_on_hyphens=False, break_long_words=False))
        # a pattern (billed:*) stands for one metric per product: the synced ones are named by `billrec metrics`
        patterned = any("*" in metric for metric in cls.metrics)
        hint = " (after a sync, `billrec metrics` lists each product by name)" if patterned else ""
        click.echo(f"    metrics:{hint}")
        for metric, text in cls.metrics.items():
            click.echo(textwrap.fill(f"{metric} — {text}", width=100, initial_indent="        ",
                                     subsequent_indent="            ", break_on_hyphens=False,
                                     break_long_words=False))
        click.echo()


@cli.command()
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def disconnect(env: Env, name: str, yes: bool) -> None:
    """Delete an integration's credentials and stop its syncs. Synced data and snapshots are kept."""
    current = env.services.integrations.get(env.tenant, name)
    if current.status != "connected":
        raise Conflict(f"{current.name} is already disconnected; its synced data and snapshots are kept")
    if not yes and not sys.stdin.isatty():
        raise Invalid(f"disconnect asks before deleting credentials, and there is no terminal to ask at: "
                      f"run `billrec disconnect {current.name} --yes` to confirm")
    if not yes:
        click.confirm(f"Disconnect {name}? Its credentials are deleted and syncs stop; "
                      "synced data and snapshots are kept.", abort=True)
    env.services.integrations.disconnect(env.tenant, name, env.actor)
    click.echo(f"Disconnected {name}. Its synced data and snapshots are kept. "
               "Also revoke the API key in the vendor's console if it is no longer needed.")


@cli.command()
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (needed without a terminal).")
@click.pass_obj
def purge(env: Env, name: str, yes: bool) -> None:
    """Delete a disconnected integration's synced accounts, quantities, assets and links (a deletion request).

    Snapshots keep their frozen results (client names and figures); clients, checks and the audit log stay.
    """
    planned = purging.preview(env.services.integrations, env.tenant, name)
    what = (f"{planned.accounts} accounts, {planned.quantities} quantities, {planned.assets} assets "
            f"and {planned.links} links")
    if not yes:
        if not sys.stdin.isatty():
            raise Refused(f"purge deletes {name}'s synced data for good: run it at a terminal to confirm, "
                          "or pass --yes")
        click.confirm(f"Delete {what} synced from {name}, for good?", abort=True)
    done = purging.purge(env.services.integrations, env.tenant, name, env.actor)
    click.echo(f"Purged {name}: deleted {done.accounts} accounts, {done.quantities} quantities, {done.assets} assets "
               f"and {done.links} links. {snapshots_kept(done.snapshots_kept)} Clients, checks and the audit log "
               "stay; checks that read it now report stale.")


def snapshots_kept(count: int) -> str:
    if not count:
        return "No snapshot used it."
    return (f"{count} snapshot{'s' if count != 1 else ''} that used it keep{'s' if count == 1 else ''} "
            "its frozen results (client names and figures, no accounts or assets): snapshots are immutable.")


@cli.command()
@format_option
@click.pass_obj
def integrations(env: Env, format_: str) -> None:
    """Integrations and their sync health; a last error in words, then the vendor's (redacted) own."""
    from bot.views import schedule
    from reconcile.schedule import timetable  # the next scheduled sync of each connected integration

    upcoming = timetable.next_syncs(env.services, env.tenant)

    def table(found: Sequence[IntegrationInfo]) -> str:
        # whoever runs the CLI holds the database and its key: an admin, shown the vendor's words too
        rows = [[i.name, i.display_name + (" (primary PSA)" if i.primary else ""),
                 i.health + (f" {when(i.disconnected_at)}" if i.status != "connected" else ""),
                 when(i.last_success_at),
                 schedule.describe_sync(upcoming[i.id]) if i.id in upcoming else "—",
                 f"{i.problem}: {excerpt(i.last_error, 100)}" if i.last_error else ""]
                for i in found]
        return tabulate(rows, headers=["Name", "Kind", "Health", "Last good sync", "Next sync", "Last error"])

    emit(format_, "integrations", env.services.integrations.list(env.tenant), table,
         "No integrations yet. Connect one: billrec connect KIND --name NAME --set field=value …",
         extra=lambda i: {"health": i.health, "problem": i.problem,
                          "next_sync": upcoming.get(i.id)})


@cli.command()
@click.argument("name", required=False)
@click.option("--all", "all_", is_flag=True, help="Sync every connected integration.")
@click.option("--confirm", "confirm_name", metavar="NAME", help="Accept a sync held for a sharp drop.")
@click.option("--discard", "discard_name", metavar="NAME", help="Throw away a held sync; keep the previous data.")
@click.pass_obj
def sync(env: Env, name: str | None, all_: bool, confirm_name: str | None, discard_name: str | None) -> None:
    """Sync one integration (or --all); all or nothing, the last good data stays on failure."""
    services = env.services
    if confirm_name:
        report([services.syncs.confirm(env.tenant, confirm_name, env.actor)])
        return
    if discard_name:
        report([services.syncs.discard(env.tenant, discard_name, env.actor)])
        return
    if bool(name) == all_:
        raise Invalid("name one integration, or use --all")
    with tqdm(unit=" records", desc="syncing", file=sys.stderr, disable=None, leave=False) as bar:
        def progress(integration: str, count: int) -> None:
            bar.set_description_str(integration)  # set_description would add a second ": "
            bar.update(count)
        if all_:
            outcomes = services.syncs.run_all(env.tenant, env.actor, progress=progress)
        else:
            outcomes = [services.syncs.run(env.tenant, name, env.actor, progress=lambda n: progress(name, n))]
    report(outcomes)
    if not outcomes:
        click.echo("No connected integrations to sync.")
    if any(not o.ok for o in outcomes):
        sys.exit(1)


def report(outcomes: list[SyncOutcome]) -> None:
    for o in outcomes:
        if o.status is SyncStatus.SUCCEEDED:
            click.echo(f"{o.integration}: {o.message} — {o.accounts} accounts, {o.quantities} quantities, {o.assets} assets")
        elif o.status is SyncStatus.HELD:
            click.echo(f"{o.integration}: {o.message}\n  Accept it with `billrec sync --confirm {o.integration}` "
                       f"or drop it with `billrec sync --discard {o.integration}`.")
        else:
            click.echo(f"{o.integration}: {o.status}: {o.message}", err=o.status is SyncStatus.FAILED)


@cli.group()
def psa() -> None:
    """The primary PSA: the billing-side integration whose companies are the clients."""


@psa.command("primary")
@click.argument("name", required=False)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def psa_primary(env: Env, name: str | None, yes: bool) -> None:
    """Show the primary PSA, or make NAME the primary (says what changes, then asks).

    The other PSAs' companies are suggested to the primary's clients, so during a move between
    PSAs a check can compare what each one bills.
    """
    services = env.services
    if name is None:
        current = services.primary.current(env.tenant)
        click.echo(f"Primary PSA: {current}" if current else
                   "No PSA connected yet: the first one connected founds the clients.")
        return
    change = services.primary.preview(env.tenant, name)
    if not yes and not sys.stdin.isatty():
        raise Invalid(f"changing the primary PSA asks first, and there is no terminal to ask at: "
                      f"run `billrec psa primary {change.psa} --yes` to confirm. {change.describe()}")
    if not yes:
        click.confirm(f"{change.describe()} Make {change.psa} the primary PSA?", abort=True)
    done = services.primary.switch(env.tenant, name, env.actor)
    click.echo(f"{done.psa} is now the primary PSA. Review the suggested links: "
               "billrec links list --status suggested")
