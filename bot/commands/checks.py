"""`/billrec checks [list | add … | remove NAME]` — twin of `billrec checks list | add | remove`.

`checks add` alone opens the checks modal (`bot.views.checks`): the synced metrics in two
selects, by their human names.

`checks add` takes the CLI's own syntax (quote a name with spaces):

    /billrec checks add "Managed workstations" --billed psa:billed:MW-01 --usage rmm:devices:workstation
        --seen-within 30 --ratio 1 --tolerance 1 --tolerance-percent 5

and a coverage check (`reconcile.coverage`), the devices with no agent and the agents on no device:

    /billrec checks add "EDR coverage" --coverage ninja:devices:* --by sentinel:endpoints:* --seen-within 30

`checks add coverage` alone opens the coverage modal: the usage sources' metrics, and a wildcard per
source and prefix (`ninja:devices:*`), on each side.
"""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import permissions
from bot.commands.base import Invocation, Usage
from bot.views import checks as views
from bot.views import lists
from bot.views.format import cut, name
from connectors.base import Role
from reconcile.audit import Actor
from reconcile.bootstrap import Services
from reconcile.check_catalog import parse_side
from reconcile.errors import KNOWN, shown
from reconcile.metrics import SyncedMetric

ADD = ("checks add NAME --billed INTEGRATION:METRIC[,METRIC…] --usage INTEGRATION:METRIC[,METRIC…] "
       "[--seen-within DAYS] [--ratio R] [--tolerance N] [--tolerance-percent P] "
       "[--unit GB|TB|GiB|TiB] [--rounding started|exact] [--included N] [--bought INTEGRATION:METRIC[,…]] "
       "[--allow-unsynced]")
ADD_COVERAGE = "checks add NAME --coverage INTEGRATION:METRIC[,…] --by INTEGRATION:METRIC[,…] [--seen-within DAYS]"
USAGE = "checks [list] | " + ADD + " | " + ADD_COVERAGE + " | checks add coverage | checks remove NAME"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise Usage(f"{message}. Usage: `/billrec {ADD}` or `/billrec {ADD_COVERAGE}`")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="checks add", add_help=False, allow_abbrev=False)
    p.add_argument("name")
    p.add_argument("--billed")
    p.add_argument("--usage")
    p.add_argument("--coverage")
    p.add_argument("--by")
    p.add_argument("--seen-within")  # read and bounded by the service, in the same words as the CLI's
    p.add_argument("--ratio", default="1")
    p.add_argument("--tolerance", default="0")
    p.add_argument("--tolerance-percent", default="0")
    p.add_argument("--unit")  # storage: GB, TB, GiB, TiB; read and bounded by the service
    p.add_argument("--rounding")
    p.add_argument("--included")
    p.add_argument("--bought")  # a three-way licence check's distributor side
    p.add_argument("--allow-unsynced", action="store_true")
    return p


def register(app: App) -> None:
    app.view(views.SUBMIT)(submit)
    app.view(views.COVERAGE_SUBMIT)(submit_coverage)
    app.options(views.BILLED)(search)
    app.options(views.USAGE)(search)
    app.options(views.BOUGHT)(search)


def sides(services: Services, tenant: str) -> tuple[list[SyncedMetric], list[SyncedMetric]]:
    """The synced metrics a check may bill from (billing sources) and count usage from (usage sources)."""
    roles = {i.name: i.role for i in services.integrations.list(tenant)}
    synced = services.metrics.synced(tenant)
    return ([m for m in synced if roles.get(m.integration) != Role.USAGE.value],
            [m for m in synced if roles.get(m.integration) != Role.BILLING.value])


def open_modal(inv: Invocation) -> None:
    inv.ack()
    inv.require_admin("change checks")
    inv.slack.views_open(trigger_id=inv.trigger_id, view=views.add_view(*sides(inv.services, inv.tenant)))


def open_coverage_modal(inv: Invocation) -> None:
    inv.ack()
    inv.require_admin("change checks")
    inv.slack.views_open(trigger_id=inv.trigger_id, view=views.coverage_view(sides(inv.services, inv.tenant)[1]))


def search(ack: Ack, payload: dict[str, Any], services: Services, tenant: str) -> None:
    """A metric select past 100 metrics: those whose name or key contains what was typed."""
    billed, usage = sides(services, tenant)
    found = billed if payload.get("action_id") in (views.BILLED, views.BOUGHT) else usage
    ack(options=views.metric_options(found, str(payload.get("value") or "")))


class _Answers:
    """What a modal's inputs hold: typed text by block, a select's choice by block (its action id too)."""

    def __init__(self, view: dict[str, Any]) -> None:
        self.state = view["state"]["values"]

    def typed(self, block: str) -> str:
        return str((self.state.get(block, {}).get(views.VALUE) or {}).get("value") or "").strip()

    def chosen(self, block: str) -> str:
        return str(((self.state.get(block, {}).get(block) or {}).get("selected_option") or {}).get("value") or "")


def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, services: Services,
           tenant: str) -> None:
    """Add the check now (a few reads and one insert); a refusal is shown beside the field it is about."""
    answers = _Answers(view)
    typed, chosen = answers.typed, answers.chosen
    user_id = str(body["user"]["id"])
    if not permissions.is_admin(services, tenant, user_id, client):
        ack(response_action="errors", errors={views.NAME: "Only billing admins may change checks."})
        return
    try:
        check = services.checks.add(tenant, typed(views.NAME), parse_side(chosen(views.BILLED)),
                                    parse_side(chosen(views.USAGE)), Actor(user_id, "slack"),
                                    seen_within_days=typed(views.SEEN_WITHIN) or None,
                                    tolerance_units=typed(views.TOLERANCE) or "0", unit=chosen(views.UNIT) or None,
                                    rounding=chosen(views.ROUNDING) or None, included=typed(views.INCLUDED) or None,
                                    bought=parse_side(chosen(views.BOUGHT)) if chosen(views.BOUGHT) else None,
                                    require_synced=True)
    except KNOWN as error:
        message = shown(error)
        block = (views.SEEN_WITHIN if "seen-within" in message else views.TOLERANCE if "tolerance" in message
                 else views.BOUGHT if "--bought" in message
                 else views.INCLUDED if "included" in message else views.UNIT if "unit" in message
                 else views.NAME)
        ack(response_action="errors", errors={block: cut(message, 150)})
        return
    ack(response_action="update", view=views.added_view(
        f":white_check_mark: Added check *{name(check.name)}*: {lists.check_line(check)}\n"
        "See its results with `/billrec reconcile`."))


def submit_coverage(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, services: Services,
                    tenant: str) -> None:
    """Add the coverage check now; a refusal is shown beside the field it is about."""
    answers = _Answers(view)
    user_id = str(body["user"]["id"])
    if not permissions.is_admin(services, tenant, user_id, client):
        ack(response_action="errors", errors={views.NAME: "Only billing admins may change checks."})
        return
    try:
        check = services.checks.add_coverage(tenant, answers.typed(views.NAME),
                                             parse_side(answers.chosen(views.DEVICES)),
                                             parse_side(answers.chosen(views.AGENTS)), Actor(user_id, "slack"),
                                             seen_within_days=answers.typed(views.SEEN_WITHIN) or None)
    except KNOWN as error:
        message = shown(error)
        block = (views.SEEN_WITHIN if "seen-within" in message else views.AGENTS if "--by" in message
                 or "both sides" in message else views.DEVICES if "--coverage" in message else views.NAME)
        ack(response_action="errors", errors={block: cut(message, 150)})
        return
    ack(response_action="update", view=views.added_view(
        f":white_check_mark: Added check *{name(check.name)}*: {lists.check_line(check)}\n"
        "See its gaps with `/billrec reconcile`."))


def handle(inv: Invocation) -> None:
    words = inv.words()
    action = words[0].lower() if words else "list"
    if action == "add" and len(words) == 1:
        open_modal(inv)
    elif action == "list" and len(words) <= 1:
        inv.ack()
        inv.reply(*lists.checks_message(inv.services.checks.list(inv.tenant)))
    elif action == "add" and len(words) == 2 and words[1].lower() == "coverage":
        open_coverage_modal(inv)
    elif action == "add" and {"--coverage", "--by"} & {w.split("=", 1)[0] for w in words}:
        args = parser().parse_args(words[1:])
        if not (args.coverage and args.by) or args.billed or args.usage or args.unit or args.rounding \
                or args.included or args.bought:
            raise Usage(f"a coverage check takes --coverage and --by (and no --billed, --usage, --bought or --unit). "
                        f"Usage: `/billrec {ADD_COVERAGE}`")
        devices, agents = parse_side(args.coverage), parse_side(args.by)
        inv.ack()
        inv.require_admin("change checks")
        check = inv.services.checks.add_coverage(inv.tenant, args.name, devices, agents, inv.actor,
                                                 seen_within_days=args.seen_within)
        added = lists.checks_message([check])[1]
        inv.reply(f"Added check {name(check.name)}", [*added, *lists.lines_to_sections(
            ["Added. See its gaps with `/billrec reconcile`."])])
    elif action == "add":
        args = parser().parse_args(words[1:])
        missing = ", ".join(option for option, given in (("--billed", args.billed), ("--usage", args.usage))
                            if not given)
        if missing:  # argparse's own words, as when the options were required
            raise Usage(f"the following arguments are required: {missing}. Usage: `/billrec {ADD}`")
        billed, usage = parse_side(args.billed), parse_side(args.usage)
        inv.ack()
        inv.require_admin("change checks")
        check = inv.services.checks.add(
            inv.tenant, args.name, billed, usage, inv.actor,
            seen_within_days=args.seen_within, ratio=args.ratio, tolerance_units=args.tolerance,
            tolerance_percent=args.tolerance_percent, unit=args.unit, rounding=args.rounding,
            included=args.included, bought=parse_side(args.bought) if args.bought else None,
            require_synced=not args.allow_unsynced)
        added = lists.checks_message([check])[1]
        inv.reply(f"Added check {name(check.name)}", [*added, *lists.lines_to_sections(
            ["Added. See its results with `/billrec reconcile`."])])
    elif action == "remove" and len(words) == 2:
        inv.ack()
        inv.require_admin("change checks")
        removed = inv.services.checks.remove(inv.tenant, words[1], inv.actor)
        inv.reply(f"Removed check *{name(removed)}*. Snapshots already taken keep its results.")
    else:
        inv.usage(USAGE)
