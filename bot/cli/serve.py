"""`billrec serve`: the Slack app over HTTP (gunicorn, threads) or Socket Mode."""

from __future__ import annotations

import click

from bot.cli import Env, cli
from bot.cli.numbers import PORT, Whole


@cli.command()
@click.option("--host", default="0.0.0.0", show_default=True, help="Address to listen on.")
@click.option("--port", type=PORT, default=3000, show_default=True, envvar="PORT", help="Port to listen on ($PORT).")
@click.option("--workers", type=Whole("workers", 1, 64), default=2, show_default=True,
              help="gunicorn worker processes.")
@click.option("--threads", type=Whole("threads", 1, 256), default=8, show_default=True,
              help="Threads per worker (gthread).")
@click.option("--socket-mode", is_flag=True, help="Connect to Slack over Socket Mode (SLACK_APP_TOKEN) instead.")
@click.option("--with-scheduler/--without-scheduler", default=None,
              help="Also run the clock (scheduled syncs, monthly digest) in this process. "
                   "Default: on with SQLite, off with PostgreSQL (run `billrec scheduler` there).")
@click.pass_obj
def serve(env: Env, host: str, port: int, workers: int, threads: int, socket_mode: bool,
          with_scheduler: bool | None) -> None:
    """Serve the Slack app: /slack/events (+ /slack/install and /slack/oauth_redirect in OAuth mode)."""
    from bot import serving
    from bot.app import check_settings
    from bot.schedule import service

    check_settings(env.settings, socket_mode=socket_mode)  # one clear line, before anything starts
    clock = service.default_with_scheduler(env.settings) if with_scheduler is None else with_scheduler
    also = " and the clock (scheduled syncs, digest)" if clock else ""
    if socket_mode:
        click.echo(f"Connecting to Slack over Socket Mode{also}; Ctrl-C stops.", err=True)
        serving.socket_mode(env.settings, with_scheduler=clock)
    else:
        click.echo(f"Serving /slack/events on {host}:{port} ({workers} workers × {threads} threads){also}.", err=True)
        serving.http(env.settings, host=host, port=port, workers=workers, threads=threads, with_scheduler=clock)
