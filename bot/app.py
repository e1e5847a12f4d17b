"""The Slack face: `create_app(services, settings)` builds the one Bolt `App`.

Install modes and the tenant (one MSP = one tenant):

* Single workspace — `SLACK_BOT_TOKEN` is set. Every request works on `settings.tenant`
  (`BILLREC_TENANT`, else `SLACK_TEAM_ID`, else "local"): exactly the tenant the `billrec` CLI
  uses, so the CLI and the bot see the same integrations, links, checks and snapshots.
* Multi-workspace OAuth — `SLACK_CLIENT_ID` and `SLACK_CLIENT_SECRET` are set. Workspaces
  install through /slack/install; the tenant is the requesting team's id (the enterprise id
  for an org-wide install), so no team ever sees another's data. Installations live in our
  database through slack_sdk's SQLAlchemy stores (see `bot.oauth`); uninstalls and revoked
  tokens delete them; rotating tokens are supported (`SLACK_TOKEN_ROTATION`).

Setting both, or neither, is refused at start with one line saying what to set, as is a
missing signing secret (HTTP mode) or app-level token (Socket Mode).

What every listener can ask for by name, besides Bolt's own arguments: `services` (the
`reconcile` services), `tenant`, `background` (the job runner for slow work) and `pacer` (posts per
channel); one middleware puts them into the context. `@app.error` is the one place unexpected failures are logged and
answered (see `bot.failures`).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import InstallationStore

from bot import commands, failures, home, oauth, posting, redelivery
from bot.background import Background
from bot.settings import Settings
from bot.slackclient import make_web_client
from reconcile.bootstrap import Services
from reconcile.errors import UserError

log = logging.getLogger(__name__)

LISTENER_THREADS = 16  # acks and quick answers; slow work goes to `Background`


class SlackSetupError(UserError):
    """A Slack setting is missing or contradictory; the message says which and where to find it."""


def check_settings(settings: Settings, *, socket_mode: bool = False) -> None:
    """Refuse to start, in one line, without what the chosen mode needs."""
    bot_token = settings.slack_bot_token.get_secret_value()
    client_id, client_secret = settings.slack_client_id, settings.slack_client_secret.get_secret_value()
    if socket_mode and not settings.slack_app_token.get_secret_value():
        raise SlackSetupError("SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token (xapp-…) with "
                              "connections:write, from the app's Basic Information page")
    if not socket_mode and not settings.slack_signing_secret.get_secret_value():
        raise SlackSetupError("SLACK_SIGNING_SECRET is not set: copy it from the app's Basic Information page")
    if bot_token and (client_id or client_secret):
        raise SlackSetupError("set either SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and "
                              "SLACK_CLIENT_SECRET (OAuth install into many workspaces), not both")
    if bool(client_id) != bool(client_secret):
        missing = "SLACK_CLIENT_SECRET" if client_id else "SLACK_CLIENT_ID"
        raise SlackSetupError(f"{missing} is not set: the OAuth install needs both the client id and the secret")
    if not bot_token and not client_id:
        raise SlackSetupError("set SLACK_BOT_TOKEN (the xoxb- token of your one workspace) or SLACK_CLIENT_ID and "
                              "SLACK_CLIENT_SECRET (OAuth install); see docs/slack.md")
    if settings.slack_token_rotation and bot_token:
        raise SlackSetupError("SLACK_TOKEN_ROTATION needs the OAuth install (SLACK_CLIENT_ID/SECRET): a bot token "
                              "from the environment cannot be rotated")


def oauth_mode(settings: Settings) -> bool:
    return not settings.slack_bot_token.get_secret_value()


def create_app(
    services: Services,
    settings: Settings,
    *,
    slack: WebClient | None = None,
    installation_store: InstallationStore | None = None,
    background: Background | None = None,
    listener_executor: Executor | None = None,
    socket_mode: bool = False,
    pacer: posting.Pacer | None = None,
) -> App:
    """The Bolt app for `settings`' install mode, wired to `services`.

    Args:
        services: the `reconcile` services (`bootstrap.build`).
        settings: the process settings; see `check_settings` for what each mode needs.
        slack: the Web API client (default: `bot.slackclient.make_web_client`).
        installation_store: OAuth mode's store (default: slack_sdk's SQLAlchemy store on our database).
        background: the job runner for slow work (default: a new one).
        listener_executor: Bolt's listener pool (default: `LISTENER_THREADS` threads).
        socket_mode: True when served over Socket Mode (no signing secret needed).
        pacer: spaces posts per channel (default: the process-wide `posting.PACER`).
    """
    check_settings(settings, socket_mode=socket_mode)
    background = background or Background()
    executor = listener_executor or ThreadPoolExecutor(LISTENER_THREADS, thread_name_prefix="billrec-listener")
    common: dict[str, Any] = {
        "name": "billrec",
        # Socket Mode has no signing secret; an unguessable stand-in means no HTTP request can
        # ever pass Bolt's check as signed (a fixed word would be a published secret)
        "signing_secret": settings.slack_signing_secret.get_secret_value() or secrets.token_urlsafe(32),
        "listener_executor": executor,
        # we never want Bolt to read SLACK_* itself, nor to call auth.test while constructing
        "token_verification_enabled": False,
    }
    if oauth_mode(settings):
        store = installation_store or oauth.installation_store(settings, services)
        app = App(client=slack or make_web_client(settings), installation_store=store, installation_store_bot_only=True,
                  oauth_settings=oauth.oauth_settings(settings, services, store), **common)
        app.enable_token_revocation_listeners()
        tenant_for: Callable[[BoltContext], str] = lambda context: oauth.tenant_of(
            context.team_id, context.enterprise_id, context.is_enterprise_install)
    else:
        app = App(client=slack or make_web_client(settings, settings.slack_bot_token.get_secret_value()), **common)
        app.event("app_uninstalled")(_uninstalled)
        app.event("tokens_revoked")(_uninstalled)
        tenant_for = lambda context: settings.tenant

    known_tenants: set[str] = set()

    def attach(context: BoltContext, next: Callable[[], None]) -> None:
        tenant = tenant_for(context)
        if tenant not in known_tenants:
            services.tenants.ensure(tenant)
            known_tenants.add(tenant)
        context["services"], context["tenant"], context["background"] = services, tenant, background
        context["pacer"] = pacer or posting.PACER
        next()

    app.use(redelivery.once(services))
    app.use(attach)
    app.error(failures.on_error)
    commands.register(app)
    home.register(app)
    return app


def _uninstalled(event: dict[str, Any]) -> None:
    """Single-workspace mode keeps no tokens to delete; the environment's token just stops working."""
    log.warning("Slack says %s: the bot token in SLACK_BOT_TOKEN no longer works; the tenant's data is kept",
                event.get("type"))
