"""What should be scheduled, as a pure function of a tenant's settings and integrations.

    plan.desired("T1", settings, [3, 7])
    → [Planned("sync:T1:3", …IntervalTrigger every 24 h from 2024-01-01 05:41 UTC…),
       Planned("sync:T1:7", …), Planned("digest:T1", …CronTrigger day 1 09:00 Europe/London…)]

Syncs are staggered deterministically: each integration gets a fixed phase inside its interval,
derived from a hash of tenant and integration, so a thousand tenants connected on the same
morning do not all hit their vendors at the same minute, and a restart keeps every phase.
The digest fires on `digest_day` at `digest_time` in the tenant's IANA zone; APScheduler's
`CronTrigger` with that zone keeps 09:00 local across daylight-saving changes.

A digest's *period* is the month (in the tenant's zone) of the scheduled fire time it serves,
not of the moment it happens to run: a digest missed on 28 November and run on 2 December after
an outage is still the "2026-11" digest, and December's own digest is not mistaken for done.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from reconcile.tenants import TenantSettings

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)  # any fixed instant: phases are offsets from it
# The job functions live with the clock (`bot.schedule.jobs`); the job store keeps only these names.
SYNC_FUNC = "bot.schedule.jobs:sync_integration"
DIGEST_FUNC = "bot.schedule.jobs:monthly_digest"
# Long enough that a digest missed while the clock was down still runs when it returns, short
# enough that one run never serves two months (digest days are 28 days apart at the least).
DIGEST_GRACE = timedelta(days=27)
LOOKBACK = timedelta(days=62)  # how far back `latest_fire` looks for a monthly fire time


@dataclass(frozen=True)
class Planned:
    """One job as it should be in the job store."""

    id: str
    func: str  # "module:function", what APScheduler stores
    args: tuple[Any, ...]
    trigger: BaseTrigger
    grace: timedelta  # misfire grace: how late a run may still start

    @property
    def signature(self) -> str:
        """What must match for an existing job to be left alone (its next run time included)."""
        return f"{self.func}{self.args!r}{self.trigger!r}{int(self.grace.total_seconds())}"


def sync_job_id(tenant_id: str, integration_id: int) -> str:
    return f"sync:{tenant_id}:{integration_id}"


def digest_job_id(tenant_id: str) -> str:
    return f"digest:{tenant_id}"


def retry_job_id(tenant_id: str) -> str:
    return f"digest-retry:{tenant_id}"


def stagger(tenant_id: str, integration_id: int, hours: int) -> timedelta:
    """A fixed phase in whole minutes inside the interval, the same in every process and restart."""
    digest = hashlib.sha256(f"{tenant_id}\x00{integration_id}".encode()).digest()
    return timedelta(minutes=int.from_bytes(digest[:8], "big") % (hours * 60))


def sync_trigger(tenant_id: str, integration_id: int, hours: int) -> IntervalTrigger:
    return IntervalTrigger(hours=hours, start_date=EPOCH + stagger(tenant_id, integration_id, hours), timezone=UTC)


def digest_trigger(settings: TenantSettings) -> CronTrigger:
    hour, minute = (int(part) for part in settings.digest_time.split(":"))
    return CronTrigger(day=settings.digest_day, hour=hour, minute=minute, timezone=settings.zone)


def desired(tenant_id: str, settings: TenantSettings, integration_ids: Iterable[int]) -> list[Planned]:
    """Every job a tenant should have: one sync per connected integration, and its digest."""
    hours = settings.sync_interval_hours
    jobs = [Planned(sync_job_id(tenant_id, i), SYNC_FUNC, (tenant_id, i), sync_trigger(tenant_id, i, hours),
                    timedelta(hours=hours))
            for i in sorted(integration_ids)]
    jobs.append(Planned(digest_job_id(tenant_id), DIGEST_FUNC, (tenant_id,), digest_trigger(settings), DIGEST_GRACE))
    return jobs


def next_fire(trigger: BaseTrigger, now: datetime) -> datetime | None:
    """The first fire time at or after `now`."""
    return trigger.get_next_fire_time(None, now)


def latest_fire(trigger: BaseTrigger, now: datetime, lookback: timedelta = LOOKBACK) -> datetime | None:
    """The last fire time at or before `now` (within `lookback`): the slot a run at `now` serves."""
    last = None
    fire = trigger.get_next_fire_time(None, now - lookback)
    while fire is not None and fire <= now:
        last = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return last


def sync_slot(tenant_id: str, integration_id: int, hours: int, now: datetime) -> datetime:
    trigger = sync_trigger(tenant_id, integration_id, hours)
    return latest_fire(trigger, now, timedelta(hours=hours)) or now


def digest_slot(settings: TenantSettings, now: datetime) -> datetime:
    """The scheduled digest time a digest run at `now` serves (`now` itself if none is near)."""
    return latest_fire(digest_trigger(settings), now) or now


def period_of(settings: TenantSettings, slot: datetime) -> str:
    """"2026-11": the month of `slot` in the tenant's zone."""
    return slot.astimezone(settings.zone).strftime("%Y-%m")


def digest_period(settings: TenantSettings, now: datetime) -> str:
    return period_of(settings, digest_slot(settings, now))


def month_name(period: str) -> str:
    """"2026-11" → "November 2026"."""
    return datetime.strptime(period, "%Y-%m").strftime("%B %Y")


def previous_period(period: str) -> str:
    year, month = (int(part) for part in period.split("-"))
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"
