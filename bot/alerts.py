"""Between digests: one short alert when new under-billing above the tenant's threshold appears.

After a scheduled sync, the tenant is reconciled and every result that is news
(`reconcile.schedule.alerts`: under-licensed above `alert_threshold`, not announced at this
same variance) is listed in one message to the billing channel.

At most once, on purpose: the alerts are claimed before the post, and an unclear Slack answer
(a 5xx, a timeout) keeps the claim, because a missed alert is repeated by the digest anyway
while a duplicate one is noise. A clear refusal (not in channel, archived…) drops it, so the
next sync tries again.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from slack_sdk.errors import SlackApiError

from bot.schedule.runtime import Runtime
from bot.views.format import context, money, name, quantity, section, signed
from reconcile.checks import CheckResult

log = logging.getLogger(__name__)

MAX_LINES = 15


def after_sync(rt: Runtime, tenant_id: str) -> int:
    """Alert on new under-billing; returns how many client/check pairs were announced."""
    services = rt.services
    tenant_settings = services.tenants.settings(tenant_id)
    channel, threshold = tenant_settings.billing_channel, tenant_settings.alert_threshold
    if not channel:
        return 0
    report = services.reconciler.run(tenant_id)
    slack = rt.slack(tenant_id)
    claim = rt.alerts.claim(tenant_id, report.results, threshold, channel, announce=slack is not None)
    if not claim.results:
        return 0
    text, blocks = alert_message(list(claim.results), threshold)
    try:
        rt.pacer.wait(channel)
        answer = slack.chat_postMessage(channel=channel, text=text, blocks=blocks)
    except SlackApiError as error:
        if error.response.status_code >= 500:
            log.warning("alert for %s: Slack answered %s; not retried, the digest will show it",
                        tenant_id, error.response.status_code)
            return 0
        rt.alerts.forget(claim)
        raise
    rt.alerts.posted(claim, str(answer["ts"]))
    return len(claim.results)


def alert_message(results: list[CheckResult], threshold: Decimal) -> tuple[str, list[dict]]:
    total = sum((r.impact or Decimal(0) for r in results), Decimal(0))
    text = f"New under-billing: {len(results)} client/check pair(s), {money(total)}/mo unbilled"
    lines = [f"• *{name(r.client)}* — {name(r.check, 100)}: billed {quantity(r.billed, r.unit)}, "
             f"actual {quantity(r.actual, r.unit)} → *{signed(r.variance, r.unit)}* · {money(r.impact)}/mo"
             for r in results[:MAX_LINES]]
    if len(results) > MAX_LINES:
        lines.append(f"…and {len(results) - MAX_LINES} more")
    body = f":rotating_light: *New under-billing above {money(threshold)}/mo* since the last sync\n" + "\n".join(lines)
    return text, [section(body), context("Each client and check is announced once until its variance changes; "
                                         "`/billrec reconcile` shows the full picture.")]
