"""Slack's retries of an event (same event_id, X-Slack-Retry-Num) do the event's work once,
also when the retry reaches another web process than the first delivery."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from reconcile import bootstrap
from reconcile.delivery_tables import EventSeen
from sandbox.slack_driver import SlackDriver
from sandbox.slack_seed import TECH_ID
from tests.slack.conftest import SECRET, serve, single_workspace


def publishes(slack) -> int:
    slack.served.settle()
    return len(slack.fake.calls_to("views.publish"))


def test_a_retried_app_home_opened_publishes_the_home_once(slack):
    first = slack.driver.app_home_opened(TECH_ID, event_id="Ev0HOME0001")
    slack.fake.wait_for("views.publish")
    retries = [slack.driver.app_home_opened(TECH_ID, event_id="Ev0HOME0001", retry_num=n) for n in (1, 2, 3)]
    assert first.status_code == 200
    assert [(r.status_code, r.headers.get("X-Slack-No-Retry")) for r in retries] == [(200, "1")] * 3
    assert publishes(slack) == 1
    slack.driver.app_home_opened(TECH_ID, event_id="Ev0HOME0002")  # another opening is another event
    slack.fake.wait_for("views.publish", count=2)
    assert publishes(slack) == 2


@pytest.fixture
def second_process(config, fake):
    """Another web process on the same database: its own services, engine and app."""
    services = bootstrap.build(config)
    running = serve(services, single_workspace(fake))
    with SlackDriver(running.events_url, SECRET, fake=fake) as driver:
        yield running, driver
    running.stop()
    services.close()


def test_a_retry_that_reaches_another_web_process_is_not_redone(slack, second_process):
    other, other_driver = second_process
    assert slack.driver.app_home_opened(TECH_ID, event_id="Ev0HOME0003").status_code == 200
    slack.fake.wait_for("views.publish")
    retry = other_driver.app_home_opened(TECH_ID, event_id="Ev0HOME0003", retry_num=1)
    other.settle()
    assert (retry.status_code, retry.headers.get("X-Slack-No-Retry")) == (200, "1")
    assert publishes(slack) == 1


def test_a_retried_app_uninstalled_is_handled_once(slack, caplog):
    caplog.set_level(logging.WARNING, logger="bot.app")
    for retry_num in (None, 1, 2):
        assert slack.driver.app_uninstalled(event_id="Ev0GONE0001", retry_num=retry_num).status_code == 200
    slack.served.settle()
    assert [r.getMessage() for r in caplog.records if r.name == "bot.app"] == [
        "Slack says app_uninstalled: the bot token in SLACK_BOT_TOKEN no longer works; the tenant's data is kept"]


def test_event_ids_are_forgotten_an_hour_after_their_event(slack, services, clock):
    slack.driver.app_home_opened(TECH_ID, event_id="Ev0OLD00001")
    clock.advance(hours=2)
    slack.driver.app_home_opened(TECH_ID, event_id="Ev0NEW00001")
    slack.served.settle()
    with services.context.sessions() as session:
        assert session.scalars(select(EventSeen.event_id)).all() == ["Ev0NEW00001"]
