"""`/billrec status` after a failed sync: anyone learns what went wrong, only billing admins the vendor's words."""

from __future__ import annotations

import pytest

from connectors.errors import AuthFailed, BadResponse, RateLimited, VendorUnavailable
from reconcile.audit import Actor
from sandbox.slack_seed import ADMIN_ID, TECH_ID
from tests.fakes import Scripted

SETUP = Actor("setup", "cli")
# what the vendor said: an internal tenant name and an address no one outside the admins should read
WORDS = "tenant acme-internal-42 at 10.20.30.40"


@pytest.mark.parametrize(("error", "in_words"), [
    (AuthFailed, "the vendor refused the credentials"),
    (VendorUnavailable, "the vendor was unreachable"),
    (BadResponse, "the vendor sent data we could not read"),
    (RateLimited, "rate-limited by the vendor"),
], ids=["auth", "unreachable", "unreadable", "rate-limited"])
def test_status_shows_the_error_in_words_to_everyone_and_the_vendors_words_to_admins(slack, world, services,
                                                                                      error, in_words):
    Scripted.script = [error(f"Scripted RMM: GET /devices answered 400 ({WORDS}): no")]
    assert services.syncs.run("local", world.rmm, SETUP).status == "failed"

    member = slack.run("status", user_id=TECH_ID)
    assert "*rmm* · Scripted RMM (usage) — failing" in member.text
    assert f"last error: {in_words}" in member.text
    assert "acme-internal-42" not in member.text and "10.20.30.40" not in member.text

    admin = slack.run("status", user_id=ADMIN_ID)
    assert f"last error: {in_words} — Scripted RMM: GET /devices answered 400 ({WORDS})" in admin.text


def test_billing_admins_named_in_settings_see_the_vendors_words_and_workspace_admins_then_do_not(slack, world,
                                                                                                  services):
    Scripted.script = [AuthFailed(f"Scripted RMM: GET /me answered 401 ({WORDS}): refused the credentials")]
    services.syncs.run("local", world.rmm, SETUP)
    services.tenants.update("local", SETUP, admins=[TECH_ID])
    assert WORDS in slack.run("status", user_id=TECH_ID).text
    assert WORDS not in slack.run("status", user_id=ADMIN_ID).text


def test_a_failed_sync_asked_for_in_slack_answers_members_in_words_and_admins_in_the_vendors(slack, world):
    Scripted.script = [AuthFailed(f"Scripted RMM: GET /me answered 401 ({WORDS}): refused the credentials")]
    member = slack.run("sync rmm", user_id=TECH_ID, replies=2)
    assert ("*rmm*: the sync failed: the vendor refused the credentials — the last good data is kept"
            in member.text)
    assert "acme-internal-42" not in member.text
    admin = slack.run("sync rmm", user_id=ADMIN_ID, replies=2)
    assert f"*rmm*: Scripted RMM: GET /me answered 401 ({WORDS}): refused the credentials" in admin.text
