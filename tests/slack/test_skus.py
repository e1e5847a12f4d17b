"""/billrec skus over signed requests: anyone lists, only billing admins include or exclude, and the
metrics list names Microsoft SKUs by their products."""

from __future__ import annotations

from sqlalchemy import select

from reconcile.tables import AuditEntry
from sandbox.slack_seed import ADMIN_ID, TECH_ID
from tests.test_sku_choices import licences  # noqa: F401  (the fixture: a PSA and a scripted tenant)


def seen(result) -> str:
    """What a reader sees: the zero-width spaces that keep a typed `_` from turning italic are invisible."""
    return result.text.replace("\u200b", "")


def test_the_free_skus_are_listed_as_not_counted(slack, licences):  # noqa: F811
    shown = seen(slack.run("skus list --free", user_id=TECH_ID))
    assert "`FLOW_FREE` Microsoft Power Automate Free — *not counted* (free, trial or viral: excluded by default)" in shown
    assert "`SPB`" not in shown


def test_only_an_admin_includes_a_sku_and_the_metrics_list_then_shows_it(slack, licences, services):  # noqa: F811
    refused = slack.run("skus include FLOW_FREE", user_id=TECH_ID)
    assert "Only billing admins may include a Microsoft SKU" in refused.text
    assert "FLOW_FREE" not in seen(slack.run("metrics m365"))

    done = seen(slack.run("skus include FLOW_FREE", user_id=ADMIN_ID))
    assert "*Microsoft Power Automate Free* (`FLOW_FREE`) now counts in checks" in done
    metrics = seen(slack.run("metrics m365"))
    assert "Microsoft Power Automate Free (assigned)" in metrics and "Microsoft 365 Business Premium (assigned)" in metrics
    with services.context.sessions() as session:
        assert session.execute(select(AuditEntry.actor, AuditEntry.subject).where(
            AuditEntry.action == "sku.include")).all() == [(ADMIN_ID, "FLOW_FREE")]


def test_a_mistyped_sku_or_verb_says_what_to_type(slack, licences):  # noqa: F811
    assert "did you mean FLOW_FREE" in seen(slack.run("skus exclude flowfree"))
    assert "Usage: `/billrec skus [list [--free]] | include SKU | exclude SKU`" in slack.run("skus remove SPB",
                                                                                           replies=0).text
