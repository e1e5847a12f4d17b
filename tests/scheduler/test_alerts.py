"""Alerts between digests: once per client and check, until its variance changes."""

from __future__ import annotations

from bot import alerts
from reconcile.check_catalog import SideSpec
from tests.fakes import stored_before_the_bounds
from tests.scheduler.conftest import ADMIN, CHANNEL, TENANT, msp


def alerted(fake) -> list[list[str]]:
    """Per alert message, the clients it names."""
    out = []
    for message in fake.messages(CHANNEL):
        if message.text.startswith("New under-billing"):
            body = message.blocks[0]["text"]["text"]
            out.append([line.split("*")[1] for line in body.splitlines()[1:] if line.startswith("•")])
    return out


def sync(rt) -> int:
    for name in ("psa", "rmm"):
        assert rt.services.syncs.run(TENANT, name, ADMIN).ok
    return alerts.after_sync(rt, TENANT)


def test_new_under_billing_above_the_threshold_is_alerted_once(rt, tenant, fake):
    assert sync(rt) == 4
    assert alerted(fake) == [["Client 000", "Client 003", "Client 006", "Client 009"]]
    assert sync(rt) == 0
    assert len(alerted(fake)) == 1


def test_a_check_that_cannot_be_evaluated_does_not_stop_the_alerts_of_the_others(rt, tenant, fake):
    rt.services.checks.add(TENANT, "Recently seen", SideSpec("psa", ["billed:MW-01"]),
                           SideSpec("rmm", ["devices:workstation"]), ADMIN, seen_within_days=30)
    stored_before_the_bounds(rt.services, "Recently seen")
    assert sync(rt) == 4
    assert alerted(fake) == [["Client 000", "Client 003", "Client 006", "Client 009"]]


def test_a_changed_variance_is_alerted_again_and_only_that_one(rt, tenant, fake):
    sync(rt)
    msp(12, used={0: 15})  # client 0 now uses 5 more than billed, not 3
    assert sync(rt) == 1
    assert alerted(fake)[-1] == ["Client 000"]


def test_a_resolved_variance_that_comes_back_is_alerted_again(rt, tenant, fake):
    sync(rt)
    msp(12, under={3, 6, 9})  # client 0 fixed
    assert sync(rt) == 0
    msp(12, under={0, 3, 6, 9})  # and back
    assert sync(rt) == 1
    assert alerted(fake)[-1] == ["Client 000"]


def test_under_billing_at_or_below_the_threshold_is_not_alerted(rt, tenant, fake):
    rt.services.tenants.update(TENANT, ADMIN, alert_threshold="150")  # each is exactly $150/mo
    assert sync(rt) == 0
    assert alerted(fake) == []


def test_a_5xx_on_the_alert_is_not_retried_and_not_repeated(rt, tenant, fake):
    fake.fail_next("chat.postMessage", status=503)
    assert sync(rt) == 0
    assert sync(rt) == 0  # at most once: the next sync does not announce them again
    assert alerted(fake) == []
