"""`billrec`: the command-line face. Every Slack subcommand has a twin here, over the same services.

Errors are one clear line on stderr and a non-zero exit, never a traceback. Exit codes, one scheme
for every command (documented in the README):

    0   done                              2   a usage error (click's: unknown option, missing argument)
    1   a known failure the message names 70  an internal error (EX_SOFTWARE); traceback in BILLREC_HOME/billrec.log
    130 Ctrl-C                            143 SIGTERM

SIGTERM stops a command the way Ctrl-C does, by an exception in the main thread (`Terminated`),
so a sync in progress marks its run interrupted before the process exits (143, as for SIGTERM).
"""

from __future__ import annotations

import getpass
import logging
import os
import shutil
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

import click

from bot import settings as settings_module
from reconcile import bootstrap, errors, owner_only
from reconcile.audit import Actor

log = logging.getLogger("billrec")

FAILED = 1  # a known failure: the message says what to do
USAGE = 2  # click's own for usage errors; never reused for anything else
INTERNAL = 70  # a bug (sysexits' EX_SOFTWARE), distinct from both


def program() -> str:
    """How to run `billrec` again from here: `billrec` when it is on PATH, else the path this run used
    (`.venv/bin/billrec` in a fresh shell where the venv is not active)."""
    used = Path(sys.argv[0])
    found = shutil.which("billrec")
    if used.name != "billrec" or (found is not None and Path(found).resolve() == used.resolve()):
        return "billrec"
    try:
        return str(used.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(used.resolve())


class Env:
    """What every command needs, built on first use so `--help` never touches the database."""

    def __init__(self, tenant: str | None, create_tenant: bool = False) -> None:
        self.settings = settings_module.load()
        self.tenant = tenant or self.settings.tenant
        # a tenant named with --tenant must exist: a typo would otherwise start an empty tenant silently
        self.named_tenant = bool(tenant) and not create_tenant
        self.actor = Actor(f"{getpass.getuser()}@cli", "cli")

    @cached_property
    def services(self) -> bootstrap.Services:
        config = self.settings.config()
        services = bootstrap.build(config, announce=lambda message: click.echo(message, err=True))
        known = services.tenants.all()
        if self.named_tenant and self.tenant not in known:
            raise errors.NotFound(f"no tenant named {self.tenant!r} (tenants: {', '.join(known) or 'none yet'}); "
                                  "add --create-tenant to start a new one")
        services.tenants.ensure(self.tenant)
        from bot.schedule import service  # connects and settings changes reach a running clock at once

        service.announce_changes(services, who=self.actor.name)
        return services


class Terminated(SystemExit):
    """SIGTERM, raised in the main thread: `finally` and `except BaseException` blocks run on the way out."""

    def __init__(self) -> None:
        super().__init__(128 + signal.SIGTERM)

    def __str__(self) -> str:
        return "SIGTERM"


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    """While a command runs, SIGTERM raises `Terminated` instead of ending the process on the spot."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return

    def terminated(signum: int, frame: object) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


class BillrecGroup(click.Group):
    """Turns known failures into one line; logs anything else and says where."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with _sigterm_raises():
                return super().invoke(ctx)
        except errors.KNOWN as error:
            click.echo(f"billrec: {errors.shown(error)}", err=True)
            sys.exit(FAILED)
        except BrokenPipeError:
            # `billrec reconcile | head`: the reader left; stop quietly, as other tools do
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(FAILED)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as error:
            path = _log_to_file(ctx)
            log.exception("internal error")
            click.echo(f"billrec: internal error ({type(error).__name__}); details in {path}", err=True)
            sys.exit(INTERNAL)


def _log_to_file(ctx: click.Context) -> str:
    env = ctx.find_object(Env)
    home = env.settings.billrec_home.expanduser() if env else settings_module.load().billrec_home.expanduser()
    path = owner_only.file(owner_only.directory(home) / "billrec.log")  # tracebacks may quote vendor data
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    return str(path)


@click.group(cls=BillrecGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--tenant", help="Tenant to work on (default: local, or the Slack team in single-workspace mode).")
@click.option("--create-tenant", is_flag=True, help="Start the tenant named by --tenant if it does not exist yet.")
@click.option("-v", "--verbose", is_flag=True, help="Log HTTP calls and steps to stderr (secrets are redacted).")
@click.pass_context
def cli(ctx: click.Context, tenant: str | None, create_tenant: bool, verbose: bool) -> None:
    """BillingReconcile: where billing and real usage disagree."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = Env(tenant, create_tenant)


def main() -> None:
    cli(prog_name="billrec")


from bot.cli import (admin, checks, demo, evidence, integrations, links, reports, review,  # noqa: E402
                     scheduler, serve, skus)  # (commands register on `cli`)

__all__ = ["admin", "checks", "cli", "demo", "evidence", "integrations", "links", "main", "reports", "review",
           "scheduler", "serve", "skus"]
