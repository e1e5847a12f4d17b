"""Between digests: one short alert when new under-billing above the tenant's threshold appears.

After a scheduled sync, the tenant is reconciled; every under-licensed result whose monthly
impact is above `alert_threshold` and that was not alerted at this same variance is listed in
one message to the billing channel. An alert is remembered per client and check
(`alerts_sent`) until its variance changes: the same +3 is never announced twice, a +5 later is,
and a result that stops being under-licensed clears its alert so a relapse is announced again.

At most once, on purpose: the alert rows are written before the post, and an unclear Slack
answer (a 5xx, a timeout) keeps them, because a missed alert is repeated by the digest anyway
while a duplicate one is noise. A clear refusal (not in channel, archived…) drops them, so the
next sync tries again.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from slack_sdk.errors import SlackApiError
from sqlalchemy import delete, select, update

from bot.schedule.runtime import Runtime
from bot.views.format import context, money, name, quantity, section, signed
from reconcile.checks import CheckResult, Status
from reconcile.schedule_tables import AlertSent

log = logging.getLogger(__name__)

MAX_LINES = 15
PLACES = Decimal("0.0001")  # what the table keeps


def worth_alerting(result: CheckResult, threshold: Decimal) -> bool:
    return result.status is Status.UNDER and result.impact is not None and result.impact > threshold


def after_sync(rt: Runtime, tenant_id: str) -> int:
    """Alert on new under-billing; returns how many client/check pairs were announced."""
    services = rt.services
    settings = services.tenants.settings(tenant_id)
    if not settings.billing_channel:
        return 0
    report = services.reconciler.run(tenant_id)
    under = {(r.client, r.check): r for r in report.results if worth_alerting(r, settings.alert_threshold)}
    client = rt.slack(tenant_id)
    now = rt.now()
    with services.context.sessions.begin() as session:
        open_alerts = {(a.client, a.check_name): a for a in session.scalars(
            select(AlertSent).where(AlertSent.tenant_id == tenant_id, AlertSent.cleared_at.is_(None)))}
        for key, alert in open_alerts.items():
            current = under.get(key)
            if current is None or current.variance.quantize(PLACES) != Decimal(alert.variance).quantize(PLACES):
                alert.cleared_at = now  # gone, or changed: the next change is news again
        fresh = [r for key, r in under.items() if key not in open_alerts
                 or under[key].variance.quantize(PLACES) != Decimal(open_alerts[key].variance).quantize(PLACES)]
        if not fresh or client is None:
            return 0
        fresh.sort(key=lambda r: r.impact or Decimal(0), reverse=True)
        rows = [AlertSent(tenant_id=tenant_id, client=r.client[:300], check_name=r.check[:200], variance=r.variance,
                          impact=r.impact, channel=settings.billing_channel, at=now) for r in fresh]
        session.add_all(rows)
        session.flush()
        ids = [row.id for row in rows]
    text, blocks = alert_message(fresh, settings.alert_threshold)
    try:
        rt.pacer.wait(settings.billing_channel)
        answer = client.chat_postMessage(channel=settings.billing_channel, text=text, blocks=blocks)
    except SlackApiError as error:
        if error.response.status_code >= 500:
            log.warning("alert for %s: Slack answered %s; not retried, the digest will show it",
                        tenant_id, error.response.status_code)
            return 0
        with services.context.sessions.begin() as session:
            session.execute(delete(AlertSent).where(AlertSent.id.in_(ids)))
        raise
    with services.context.sessions.begin() as session:
        session.execute(update(AlertSent).where(AlertSent.id.in_(ids)).values(ts=str(answer["ts"])))
    return len(fresh)


def alert_message(results: list[CheckResult], threshold: Decimal) -> tuple[str, list[dict]]:
    total = sum((r.impact or Decimal(0) for r in results), Decimal(0))
    text = f"New under-billing: {len(results)} client/check pair(s), {money(total)}/mo unbilled"
    lines = [f"• *{name(r.client)}* — {name(r.check, 100)}: billed {quantity(r.billed)}, actual {quantity(r.actual)} → "
             f"*{signed(r.variance)}* · {money(r.impact)}/mo" for r in results[:MAX_LINES]]
    if len(results) > MAX_LINES:
        lines.append(f"…and {len(results) - MAX_LINES} more")
    body = f":rotating_light: *New under-billing above {money(threshold)}/mo* since the last sync\n" + "\n".join(lines)
    return text, [section(body), context("Each client and check is announced once until its variance changes; "
                                         "`/billrec reconcile` shows the full picture.")]
