"""Who may change things: billing admins. Anyone in the workspace may read.

Billing admins are the Slack user ids in the tenant's `admins` setting. While none are set,
the workspace's admins and owners (per `users.info`) are billing admins, so a fresh install
can be set up by whoever installed it, and `/billrec settings admins=@dana @sam` narrows it.

    permissions.require_admin(services, tenant, user_id, client, "approve client links")

raises `NotAdmin` (a `Refused`, so a `UserError`, so the handler's `explained` turns it into an ephemeral
sentence) before anything changes.
"""

from __future__ import annotations

from slack_sdk import WebClient

from bot.views.format import user
from reconcile.bootstrap import Services
from reconcile.errors import Refused


class NotAdmin(Refused):
    """A refusal whose message is mrkdwn we wrote (it mentions the admins), shown unescaped."""

    mrkdwn = True


def is_admin(services: Services, tenant: str, user_id: str, slack: WebClient) -> bool:
    admins = services.tenants.settings(tenant).admins
    if admins:
        return user_id in admins
    profile = slack.users_info(user=user_id)["user"]
    return bool(profile.get("is_admin") or profile.get("is_owner") or profile.get("is_primary_owner"))


def require_admin(services: Services, tenant: str, user_id: str, slack: WebClient, doing: str) -> None:
    """Raise `Refused`, saying who may, unless `user_id` is a billing admin."""
    if is_admin(services, tenant, user_id, slack):
        return
    admins = services.tenants.settings(tenant).admins
    who = (f"the billing admins ({', '.join(user(a) for a in admins)})" if admins else
           "workspace admins and owners, until billing admins are set with `/billrec settings admins=@someone`")
    raise NotAdmin(f"Only billing admins may {doing}; nothing was changed. That is {who}.")
