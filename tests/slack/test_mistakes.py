"""Mistakes that must not be silent, in Slack (issue 9, item 6): how long an exception holds is said, one
live exception per client and check, a kind in any case, a second disconnect."""

from __future__ import annotations

from sandbox.slack_seed import ADMIN_ID
from tests.slack.conftest import SETUP


def test_an_exception_without_an_end_asks_for_until_or_forever(slack, world, services):
    result = slack.run("except add Acme | Managed workstations | loaners", replies=0)
    assert "end with `| until YYYY-MM-DD`, or `| forever`" in result.response.text
    assert services.exceptions.list("local") == []
    slack.run("except add Acme | Managed workstations | loaners | forever")
    [found] = services.exceptions.list("local")
    assert (found.client, found.until) == ("Acme Corp", None)


def test_a_second_live_exception_on_the_same_client_and_check_is_refused(slack, world, services):
    slack.run("except add Acme | Managed workstations | loaners | until 2099-12-31")
    [first] = services.exceptions.list("local")
    again = slack.run("except add Acme | Managed workstations | spares | forever")
    assert f"Acme Corp already has exception #{first.id} on Managed workstations" in again.text
    assert f"except revoke {first.id}" in again.text
    assert len(services.exceptions.list("local")) == 1


def test_the_connect_kind_is_case_insensitive(slack, services):
    slack.run("connect NinjaOne", replies=0)
    [view] = slack.fake.open_views(ADMIN_ID)
    assert '"kind": "ninjaone"' in view["private_metadata"]


def test_disconnecting_twice_says_it_is_already_disconnected(slack, world, services):
    services.integrations.disconnect("local", world.rmm, SETUP)
    result = slack.run(f"disconnect {world.rmm}")
    assert "is already disconnected" in result.text
