"""The multi-workspace install: OAuth settings, our database as the installation store, rotation.

Installations (bot tokens, refresh tokens, scopes) and OAuth states live in slack_sdk's own
tables, created in our database by migration 0002, so every web process shares them. A
successful install also creates the team's tenant. Uninstalls and revoked tokens delete the
stored tokens (`App.enable_token_revocation_listeners`); the tenant's synced data and
snapshots stay, like a disconnected integration's.

Enterprise Grid: a workspace inside an org is its own tenant (its team id), an org-wide
install is one tenant (its enterprise id). The install records where the tenant is
(`Tenants.remember_workspace`), so work that starts without a request (the digest, alerts)
finds its bot exactly as Bolt's authorize does, by enterprise id, team id and
`is_enterprise_install` (`web_client`).

Token rotation: with `SLACK_TOKEN_ROTATION` on (and "token rotation" enabled in the app's
configuration), Slack issues 12-hour bot tokens with single-use refresh tokens. Bolt rotates
them while handling requests; work that starts without a request calls `web_client`, which
rotates first, saves, and only then hands out a WebClient.
"""

from __future__ import annotations

import threading
from collections import defaultdict

from slack_bolt.oauth.callback_options import CallbackOptions, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.settings import Settings
from bot.slackclient import make_web_client
from reconcile.bootstrap import Services
from reconcile.errors import NotFound
from reconcile.tenants import Workspace

# What the bot asks for at install; manifest.yml's oauth_config.scopes.bot must say the same.
# The history scopes let a digest rerun look for a post whose answer was lost before reposting it;
# users:read.email lets `settings admins=dana@example.com` find the person (users.lookupByEmail).
BOT_SCOPES = ("commands", "chat:write", "chat:write.public", "files:write", "channels:read", "groups:read",
              "users:read", "users:read.email", "channels:history", "groups:history")
STATE_SECONDS = 600
ROTATE_BEFORE_MINUTES = 120  # rotate a token this long before it expires
INSTALL_PATH, REDIRECT_PATH = "/slack/install", "/slack/oauth_redirect"


def installation_store(settings: Settings, services: Services) -> SQLAlchemyInstallationStore:
    return SQLAlchemyInstallationStore(client_id=settings.slack_client_id, engine=services.engine)


def oauth_settings(settings: Settings, services: Services, store: SQLAlchemyInstallationStore) -> OAuthSettings:
    def installed(args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        workspace = Workspace(installation.team_id, installation.enterprise_id,
                              bool(installation.is_enterprise_install))
        tenant = tenant_of(workspace.team_id, workspace.enterprise_id, workspace.is_enterprise_install)
        services.tenants.ensure(tenant, installation.team_name or installation.enterprise_name or tenant)
        services.tenants.remember_workspace(tenant, workspace)
        return args.default.success(args)

    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        scopes=list(BOT_SCOPES),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        authorization_url=settings.slack_authorize_url,
        installation_store=store,
        installation_store_bot_only=True,
        token_rotation_expiration_minutes=ROTATE_BEFORE_MINUTES,
        state_store=SQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=services.engine),
        callback_options=CallbackOptions(success=installed, failure=lambda args: args.default.failure(args)),
    )


def tenant_of(team_id: str | None, enterprise_id: str | None, is_enterprise_install: bool | None) -> str:
    """A workspace's tenant is its team id; an org-wide (Enterprise Grid) install is one tenant."""
    tenant = Workspace(team_id, enterprise_id, bool(is_enterprise_install)).tenant_id
    if not tenant:
        raise NotFound("this request names no Slack workspace")
    return tenant


_rotation_locks: dict[str, threading.Lock] = defaultdict(threading.Lock)


def web_client(settings: Settings, store: SQLAlchemyInstallationStore, workspace: Workspace) -> WebClient:
    """A WebClient with the tenant's bot token, found as Bolt's authorize finds it, and rotated
    first when it is about to expire (one tenant at a time)."""
    with _rotation_locks[workspace.tenant_id or ""]:
        bot = store.find_bot(enterprise_id=workspace.enterprise_id, team_id=workspace.team_id,
                             is_enterprise_install=workspace.is_enterprise_install)
        if bot is None:
            raise NotFound(f"BillingReconcile is not installed in {_where(workspace)}")
        if bot.bot_refresh_token:
            rotator = TokenRotator(client_id=settings.slack_client_id,
                                   client_secret=settings.slack_client_secret.get_secret_value(),
                                   client=make_web_client(settings))
            rotated = rotator.perform_bot_token_rotation(bot=bot, minutes_before_expiration=ROTATE_BEFORE_MINUTES)
            if rotated is not None:
                store.save_bot(rotated)
                bot = rotated
        return make_web_client(settings, bot.bot_token)


def _where(workspace: Workspace) -> str:
    if workspace.is_enterprise_install:
        return f"Enterprise Grid org {workspace.enterprise_id} (org-wide)"
    inside = f" of Enterprise Grid org {workspace.enterprise_id}" if workspace.enterprise_id else ""
    return f"workspace {workspace.team_id}{inside}"
