"""The App Home tab (`app_home_opened` → `views.publish`) and its three buttons.

Publishing reconciles the tenant, so it runs on the job runner, never in a listener thread.
Sync all, Take snapshot and Export run there too, and the tab is republished with a line
saying what happened; snapshots and exports go to the tenant's billing channel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import posting
from bot.commands.reconcile import NO_RESULTS, filename
from bot.background import Background
from bot.views import home as views
from bot.views.format import user
from reconcile import csvexport
from reconcile.audit import Actor
from reconcile.bootstrap import Services
from reconcile.errors import NotFound, UserError
from reconcile.sync import SyncStatus


def register(app: App) -> None:
    app.event("app_home_opened")(opened)
    app.action(views.SYNC_ALL)(_button(sync_all, "syncing"))
    app.action(views.SNAPSHOT)(_button(take_snapshot, "taking a snapshot"))
    app.action(views.EXPORT)(_button(export, "exporting"))


def opened(event: dict[str, Any], client: WebClient, services: Services, tenant: str, background: Background) -> None:
    if event.get("tab", "home") != "home":
        return
    user_id, slack = str(event["user"]), client
    background.submit(lambda: publish(slack, services, tenant, user_id),
                reply=lambda text: publish(slack, services, tenant, user_id, text, reconcile=False),
                name="showing the App Home")


def publish(slack: WebClient, services: Services, tenant: str, user_id: str, notice: str = "", *,
            reconcile: bool = True) -> None:
    report = None
    if reconcile:
        try:
            report = services.reconciler.run(tenant)
        except UserError:
            report = None
    try:
        latest = services.snapshots.latest(tenant)
    except NotFound:
        latest = None
    settings = services.tenants.settings(tenant)
    slack.views_publish(user_id=user_id, view=views.home_view(
        report, services.integrations.list(tenant), latest, billing_channel=settings.billing_channel, notice=notice))


@dataclass(frozen=True)
class Press:
    """A Home button press: who pressed it and what the work needs."""

    slack: WebClient
    services: Services
    tenant: str
    user_id: str
    pacer: posting.Pacer

    @property
    def actor(self) -> Actor:
        return Actor(self.user_id, "slack")


def _button(work: Callable[[Press], str], what: str) -> Callable[..., None]:
    """A Home button: ack, do `work` on the job runner, republish the tab with what it said."""

    def listener(ack: Ack, body: dict[str, Any], client: WebClient, services: Services, tenant: str,
                 background: Background, pacer: posting.Pacer) -> None:
        ack()
        press = Press(client, services, tenant, str(body["user"]["id"]), pacer)

        def run() -> None:
            publish(press.slack, services, tenant, press.user_id, work(press))

        background.submit(run, reply=lambda text: publish(press.slack, services, tenant, press.user_id, text),
                          name=what)

    listener.__name__ = work.__name__
    return listener


def sync_all(press: Press) -> str:
    outcomes = press.services.syncs.run_all(press.tenant, press.actor)
    ok = sum(1 for o in outcomes if o.ok)
    held = sum(1 for o in outcomes if o.status is SyncStatus.HELD)
    extra = f"; {held} held for confirmation (`/billrec status`)" if held else ""
    return f"Sync all, asked by {user(press.user_id)}: {ok} of {len(outcomes)} succeeded{extra}."


def take_snapshot(press: Press) -> str:
    services, tenant = press.services, press.tenant
    channel = services.tenants.settings(tenant).billing_channel
    if channel:
        posting.require_member(press.slack, channel)
    report = services.reconciler.run(tenant)
    if not report.results:
        return NO_RESULTS
    taken = services.snapshots.take(tenant, press.actor, report=report)
    if not channel:
        return f"Snapshot #{taken.id} ({taken.period}) taken. Set a billing channel to have snapshots posted there."
    posting.post_report(press.slack, channel, report, title=f"Snapshot #{taken.id} — {taken.period}",
                        csv_name=filename("billrec-snapshot", taken.period, str(taken.id)),
                        journal=posting.MemoryJournal(), pacer=press.pacer,
                        note=f"Taken by {user(press.user_id)} from the App Home")
    return f"Snapshot #{taken.id} ({taken.period}) taken and posted to <#{channel}>."


def export(press: Press) -> str:
    services, tenant = press.services, press.tenant
    channel = services.tenants.settings(tenant).billing_channel
    if not channel:
        return "Set a billing channel first: `/billrec settings billing_channel=#billing`."
    posting.require_member(press.slack, channel)
    snapshot = services.snapshots.latest(tenant)
    results = services.snapshots.results(tenant, snapshot.id)
    name = filename("billrec", snapshot.period, f"snapshot-{snapshot.id}")
    press.slack.files_upload_v2(channel=channel, content=csvexport.to_text(results), filename=name, title=name,
                                initial_comment=f"Snapshot #{snapshot.id} ({snapshot.period}) as CSV, exported by "
                                                f"{user(press.user_id)} from the App Home.")
    return f"Exported snapshot #{snapshot.id} ({snapshot.period}) to <#{channel}>."
