"""Property: whatever follows `/billrec`, the user gets an answer, never "something went wrong" (issue 7 item 15).

Each subcommand, in each shape it takes, gets arbitrary text where its words go, signed and
sent to the served app like any command. Its ack, its replies and its background work must end
in an answer or a clear refusal: no error logged, no 5xx, no "Something went wrong" reply.
"""

from __future__ import annotations

import logging

import pytest
from hypothesis import example, given

from bot.failures import SOMETHING_FAILED
from tests.fuzz import FUZZ, TYPED

FAILED = SOMETHING_FAILED.split("{what}")[0]
CHECK = "x --billed psa:billed:MW-01 --usage rmm:devices:workstation"
TEMPLATES = [
    "{}", "help {}", "status {}", "sync {}", "connect {}", "disconnect {}", "map {}", "reconcile {}", "snapshot {}",
    "export {}", "history {}", "checks {}", "checks remove {}", f"checks add {CHECK} --seen-within {{}}",
    f"checks add {CHECK} --ratio {{}} --tolerance {{}} --tolerance-percent {{}}",
    "except add {} | Managed workstations | loaners | until {}", "except revoke {}", "except list {}",
    "settings {}", "settings digest_day={} alert_threshold={} stale_after_hours={}",
]


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)  # the parser is under test, not the backend
@pytest.mark.parametrize("template", TEMPLATES)
@FUZZ
@given(typed=TYPED)
@example(typed="²").via("issue 7: passes isdigit(), fails int()")
@example(typed="99999999999999999999").via("issue 7: overflows SQLite's integer")
@example(typed="800000").via("issue 7: a seen-within that breaks every later reconcile")
def test_any_text_after_billrec_is_answered_and_never_fails(slack, world, caplog, template, typed):
    caplog.set_level(logging.ERROR)
    caplog.clear()
    before = len(slack.fake.hooks)
    response = slack.driver.command(template.replace("{}", typed))
    slack.served.settle()
    if "checks add" in template:  # an accepted check must not break the reconcile after it either
        slack.driver.command("reconcile")
        slack.served.settle()
    assert response.status_code == 200, response.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
    replies = [str(h.body.get("text", "")) for h in slack.fake.hooks[before:]]
    assert not [text for text in [response.text, *replies] if FAILED in text]
