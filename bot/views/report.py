"""A reconciliation report as Slack messages: the summary cards, then the details in parts.

The parent message carries the seed's three cards (under-licensed red, over-licensed yellow,
matched green) with the monthly money at stake, the unmapped / stale / excepted counts, and
every source's as-of time with the stale ones flagged. The details go into the thread, one
section per client that needs attention, in the order the results already have (clients with
under-licensed results first, by their total unbilled money; then over-licensed-only clients by
their total overbilled; see `checks.order`), each headed by its totals and net, packed into as
many messages as it takes to stay under Slack's limits however many clients there are:

    *Details 1/3* · clients by money unbilled per month, then by money overbilled
    *Acme Corp* — $150.00/mo unbilled · $22.00/mo overbilled · net +$128.00/mo
    • Managed workstations: billed 10, actual 13 → *+3* under-licensed · $150.00/mo
    • Microsoft 365 Business Premium: billed 5, actual 4 → *-1* over-licensed · -$22.00/mo
    *Bluebird Logistics* — $88.00/mo overbilled
    • Microsoft 365 Business Premium: billed 25, actual 21 → *-4* over-licensed · -$88.00/mo
    …
    *Matched — billing lines up (41 clients)*
    Alpine Dental, Cedar Dental, …

Clients whose every result matched are listed by name only; every number is in the CSV. A
check that could not be evaluated is named in a warning above the cards, and its reason leads
the thread ("*Checks that could not be evaluated*"), before any client.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from bot import text as terminal
from bot.views import evidence as evidence_views
from bot.views import limits
from bot.views import review as review_views
from bot.views.format import (
    context,
    cut,
    header,
    money,
    mrkdwn,
    name,
    button,
    quantity,
    section,
    signed,
    when,
)
from reconcile import checks
from reconcile.checks import GAP_STATUSES, CheckResult, Source, Status, Summary

Block = dict[str, Any]

CARD = {
    Status.UNDER: ":red_circle: *Under-licensed*",
    Status.OVER: ":large_yellow_circle: *Over-licensed*",
    Status.MATCHED: ":large_green_circle: *Matched*",
}
THREAD_ORDER = "clients by money unbilled per month, then by money overbilled"
PART_HEADER_RESERVE = 120  # characters kept free in each part for its "Details i/n" line
# A thread of more messages than this helps nobody (and takes a minute to post at Slack's pace);
# the clients past it are named as a count, and every one of them is in the CSV.
MAX_PARTS = 40


class ReportLike(Protocol):
    """What a summary is built from: `reconcile.reconciliation.Report`, or a snapshot's copy."""

    @property
    def results(self) -> Sequence[CheckResult]: ...

    @property
    def sources(self) -> Sequence[Source]: ...

    @property
    def summary(self) -> Summary: ...


@dataclass(frozen=True)
class Part:
    """One message of the thread: its blocks and its notification text."""

    blocks: list[Block]
    text: str


# -- the parent message ---------------------------------------------------------------------

def summary_blocks(report: ReportLike, *, title: str, note: str = "") -> list[Block]:
    """The parent message: header, three cards, the other counts, the sources, a pointer to the thread."""
    blocks = [header(title), *failed_sync_blocks(report), *failed_blocks(report.results),
              *unprotected_servers_blocks(report.results), cards_block(report.summary),
              counts_context(report.summary), section(sources_text(report.sources))]
    if note:
        blocks.append(context(note))
    blocks.append(context("Details per client are in the thread, the most unbilled money per month first; "
                          "the full report is attached there as CSV."))
    return blocks


def failed_sync_blocks(report: ReportLike) -> list[Block]:
    """One line at the top per source whose last sync failed while its last good data still reports."""
    now = getattr(report, "generated_at", None)
    notices = [name(notice, 300) for s in report.sources if (notice := s.failure_notice(now))]
    return [section("\n".join(f":warning: {n}" for n in notices))] if notices else []


def failed_blocks(results: Sequence[CheckResult]) -> list[Block]:
    """A warning above the cards when a check could not be evaluated: its results are in no number below."""
    failed = [r for r in results if r.status is Status.FAILED]
    if not failed:
        return []
    names = ", ".join(f"*{name(r.check, 100)}*" for r in failed[:10]) + (" and more" if len(failed) > 10 else "")
    checks = "check could not be evaluated and is" if len(failed) == 1 else "checks could not be evaluated and are"
    return [section(f":warning: {len(failed)} {checks} missing from every number below: {names}. "
                    "The thread says why.")]


UNPROTECTED_SERVERS_CALLOUT = 3  # this many servers without a security agent at one client is called out


def unprotected_servers_blocks(results: Sequence[CheckResult]) -> list[Block]:
    """Above the money: each client with 3 or more servers no security agent protects, the servers named."""
    servers: dict[str, list[str]] = {}
    for r in results:
        if r.status is Status.UNPROTECTED and r.device_class == "server":
            servers.setdefault(r.client, []).append(r.device)
    lines = []
    for client, names in sorted(servers.items(), key=lambda item: (-len(item[1]), item[0].casefold())):
        if len(names) >= UNPROTECTED_SERVERS_CALLOUT:
            shown = ", ".join(name(n, 60) for n in sorted(set(names))[:10]) + (" and more" if len(names) > 10 else "")
            lines.append(f":rotating_light: *{name(client, 100)}* has {len(names)} servers with no security agent: "
                         f"{shown}")
    return [section(cut("\n".join(lines), limits.SECTION_BUDGET))] if lines else []


def cards_block(summary: Summary) -> Block:
    """The seed's three cards: under-licensed (red), over-licensed (yellow), matched (green)."""
    cards = [
        f"{CARD[Status.UNDER]}\n*{summary.count(Status.UNDER)}* · {money(summary.under_money)}/mo unbilled"
        + (f"\n+ {money(summary.under_at_cost)}/mo at cost" if summary.under_at_cost else ""),
        f"{CARD[Status.OVER]}\n*{summary.count(Status.OVER)}* · {money(summary.over_money)}/mo overbilled"
        + (f"\n+ {money(summary.over_at_cost)}/mo at cost" if summary.over_at_cost else ""),
        f"{CARD[Status.MATCHED]}\n*{summary.count(Status.MATCHED)}* · billing lines up",
    ]
    return {"type": "section", "fields": [mrkdwn(card) for card in cards]}


def counts_context(summary: Summary) -> Block:
    failed = f"Failed checks {summary.count(Status.FAILED)} · " if summary.count(Status.FAILED) else ""
    failed += f"Coverage gaps {summary.gaps} · " if summary.gaps else ""
    failed += (f"Over-bought {summary.over_bought} ({money(summary.over_bought_at_cost)}/mo at cost) · "
               if summary.over_bought else "")
    return context(f"Unmapped {summary.count(Status.UNMAPPED)} · Stale {summary.count(Status.STALE)} · "
                   f"Excepted {summary.count(Status.EXCEPTED)} · {failed}{summary.total} results "
                   "(one per client and check)")


def summary_text(report: ReportLike, *, title: str) -> str:
    """The parent's notification text (escaped: it is parsed as mrkdwn too)."""
    summary = report.summary
    failed = f", {summary.count(Status.FAILED)} failed to evaluate" if summary.count(Status.FAILED) else ""
    return cut(f"{name(title, 200)}: {summary.count(Status.UNDER)} under-licensed "
               f"({money(summary.under_money)}/mo unbilled), {summary.count(Status.OVER)} over-licensed, "
               f"{summary.count(Status.MATCHED)} matched{failed}" + (f", {summary.gaps} coverage gaps" if summary.gaps
                                                                    else ""), limits.FALLBACK_TEXT)


def sources_text(sources: Iterable[Source]) -> str:
    lines = []
    for source in sources:
        line = f"• {name(source.name, 80)} as of {when(source.as_of)}"
        if source.disconnected_at is not None:
            line += f" — :heavy_minus_sign: *{terminal.disconnected_note(source)}*"
        if source.stale:
            line += f" — :warning: *stale*: {name(source.reason, 200)}"
        lines.append(line)
    body = "\n".join(lines) if lines else "No sources yet: connect and sync an integration."
    return cut("*Sources*\n" + body, limits.SECTION_BUDGET)


# -- the thread -------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Piece:
    """One section of the thread, and the buttons under it when it ends a client that needs a decision."""

    text: str
    actions: Block | None = None
    evidence_of: int | None = None  # the client whose Show evidence button this section carries (its first)

    @property
    def blocks(self) -> list[Block]:
        return [evidence_views.with_button(section(self.text), self.evidence_of),
                *([self.actions] if self.actions else [])]

    @property
    def weight(self) -> tuple[int, int]:
        """(blocks, characters) it may take: with buttons, room for the line a decision adds too."""
        # a button's label counts toward the message's text too
        chars = len(self.text) + (len(evidence_views.SHOW_LABEL) if self.evidence_of is not None else 0)
        if self.actions is None:
            return 1, chars
        return 3, chars + ACTIONS_TEXT + review_views.DECISION_TEXT


ACTIONS_TEXT = 100  # characters the buttons' labels take, with room for one more button


def client_actions(rows: Sequence[CheckResult]) -> Block | None:
    """The buttons under one client of the thread, or None when nothing about it needs a decision.

    Every per-client button of the report thread is made here, so the review loop's decisions and
    any later button (evidence, say) stay one actions block, one place.
    """
    first = rows[0]
    open_checks = list(dict.fromkeys(r.check for r in rows if r.status in (Status.UNDER, Status.OVER)))
    if first.client_id is None or not open_checks:
        return None
    value = review_views.button_value(first.client_id, open_checks)
    return {"type": "actions", "block_id": review_views.client_block_id(first.client_id),
            "elements": [button(label, action_id, value) for label, action_id in review_views.BUTTONS]}


def detail_parts(results: Sequence[CheckResult]) -> list[Part]:
    """The thread's messages, each within `limits.PART_BLOCKS` blocks and `limits.PART_TEXT` characters.

    Each client's first section carries a **Show evidence** button (`evidence.SHOW`), which opens the
    devices and billing lines behind its numbers in a modal (`bot.commands.evidence`).
    """
    pieces = [*map(_Piece, failed_sections(results)), *client_pieces(results), *map(_Piece, matched_sections(results))]
    packed: list[list[_Piece]] = []
    used_chars = used_blocks = 0
    budget_chars = limits.PART_TEXT - PART_HEADER_RESERVE
    for piece in pieces:
        blocks, chars = piece.weight
        if not packed or used_blocks + blocks > limits.PART_BLOCKS - 1 or used_chars + chars > budget_chars:
            packed.append([])
            used_chars = used_blocks = 0
        packed[-1].append(piece)
        used_chars += chars
        used_blocks += blocks
    if len(packed) > MAX_PARTS:
        left = sum(1 for pieces_in_part in packed[MAX_PARTS - 1:] for p in pieces_in_part
                   if not p.text.split("\n", 1)[0].endswith("(continued)") and not p.text.startswith("*Matched"))
        rest = f"… and {left} more clients that need attention: the CSV below has every result."
        packed = [*packed[:MAX_PARTS - 1], [_Piece(rest)]]
    total = len(packed)
    parts = []
    for number, pieces_in_part in enumerate(packed, start=1):
        label = f"Details {number}/{total}"
        blocks = [context(f"*{label}* · {THREAD_ORDER}")]
        blocks += [block for p in pieces_in_part for block in p.blocks]
        parts.append(Part(blocks, f"{label} of the reconciliation"))
    return parts


def failed_sections(results: Sequence[CheckResult]) -> list[str]:
    """The checks that could not be evaluated, first: every client's numbers lack them."""
    lines = [result_line(r) for r in results if r.status is Status.FAILED]
    return _split("*Checks that could not be evaluated*", lines) if lines else []


def client_pieces(results: Sequence[CheckResult]) -> list[_Piece]:
    """Each client that needs attention: its texts, the last one carrying the client's buttons."""
    groups: dict[tuple[object, ...], list[CheckResult]] = {}
    attention = set()
    for result in (r for r in results if r.status is not Status.FAILED):
        key = _group_key(result)
        groups.setdefault(key, []).append(result)
        if result.status is not Status.MATCHED or _bought_off(result):
            attention.add(key)
    pieces: list[_Piece] = []
    for key, rows in groups.items():
        if key in attention:
            owner = rows[0].client_id if key[0] == "client" else None
            texts = _split(_heading(rows), [result_line(r) for r in rows])
            pieces += [_Piece(t, evidence_of=owner if n == 0 else None) for n, t in enumerate(texts[:-1])]
            pieces.append(_Piece(texts[-1], None if rows[0].status is Status.UNMAPPED else client_actions(rows),
                                 evidence_of=owner if len(texts) == 1 else None))
    return pieces


def matched_sections(results: Sequence[CheckResult]) -> list[str]:
    """Clients whose every result matched, by name only, in as many sections as needed."""
    groups: dict[tuple[object, ...], list[CheckResult]] = {}
    for result in (r for r in results if r.status is not Status.FAILED):
        groups.setdefault(_group_key(result), []).append(result)
    names = [name(rows[0].client, 80) for rows in groups.values()
             if all(r.status is Status.MATCHED and not _bought_off(r) for r in rows)]
    if not names:
        return []
    heading = f"*Matched — billing lines up ({len(names)} clients)*"
    texts, current = [], heading + "\n"
    for item in names:
        piece = item if current.endswith("\n") else ", " + item
        if len(current) + len(piece) > limits.SECTION_BUDGET:
            texts.append(current)
            current, piece = heading + " (continued)\n", item
        current += piece
    texts.append(current)
    return texts


def result_line(result: CheckResult) -> str:
    """One result as a bullet; stale and unmapped results say why rather than show a variance."""
    check = name(result.check, 100)
    numbers = f"billed {quantity(result.billed, result.unit)}, actual {quantity(result.actual, result.unit)}"
    if result.bought is not None and result.status is Status.UNMAPPED:  # three-way: its bought count too
        numbers += f", bought {quantity(result.bought)}"
    if result.status is Status.FAILED:
        return f"• {check}: could not be evaluated, so no client's numbers include it: {name(result.note, 300)}"
    if result.status in GAP_STATUSES:
        return f"• {check}: {name(result.note, 300)}"
    if result.status is Status.STALE:
        return f"• {check}: not compared, a source is stale ({name(result.note, 200)})"
    if result.status is Status.UNMAPPED:
        return f"• {check}: {numbers}; {name(result.note, 200)}"
    line = f"• {check}: {numbers} → *{signed(result.variance, result.unit)}* {result.status.label}"
    if result.impact is not None and result.status is not Status.MATCHED:
        line += f" · {money(result.impact)}/mo" + (" at cost" if result.at_cost else "")
    if result.status is Status.EXCEPTED:
        line += " (acknowledged exception)"
    if result.review:  # the review loop: "fix pending", "resolved" or "still open"
        line += f" · *{result.review}*"
    if result.unit:  # storage: how much is used and how it is billed (decimal or binary units)
        line += f" · {name(result.note, 200)}"
    if result.bought is not None and (result.buying or checks.NOT_READ in result.note):  # three-way: its buying side
        line += f"\n    ↳ {name(terminal.buying_words(result), 400)}"
    return line


def _bought_off(result: CheckResult) -> bool:
    """A three-way result whose billing matches but whose buying does not: still the MSP's to look at."""
    return result.buying in (checks.OVER_BOUGHT, checks.BEYOND_BOUGHT)


def _group_key(result: CheckResult) -> tuple[object, ...]:
    # an unlinked account is not the client that happens to share its name
    return checks.owner_of(result)


def _heading(rows: list[CheckResult]) -> str:
    first = rows[0]
    if first.status is Status.UNMAPPED:
        return f"*{name(first.client)}* (not linked to a client)"
    [totals] = checks.client_totals(rows).values()
    money_at_stake = money_words(totals)
    return f"*{name(first.client)}*" + (f" — {money_at_stake}" if money_at_stake else "")


def money_words(totals: checks.ClientTotals) -> str:
    """"$150.00/mo unbilled · $40.00/mo overbilled · net +$110.00/mo"; one total alone when only one is known."""
    parts = [f"{money(totals.unbilled)}/mo unbilled" if totals.unbilled else "",
             f"{money(totals.overbilled)}/mo overbilled" if totals.overbilled else ""]
    if totals.unbilled and totals.overbilled:
        parts.append(f"net {'+' if totals.net > 0 else ''}{money(totals.net)}/mo")
    if totals.unbilled_at_cost:
        parts.append(f"{money(totals.unbilled_at_cost)}/mo under at cost")
    if totals.overbilled_at_cost:
        parts.append(f"{money(totals.overbilled_at_cost)}/mo over at cost")
    return " · ".join(p for p in parts if p)


def _split(heading: str, lines: list[str]) -> list[str]:
    """`heading` and `lines` as texts of at most `limits.SECTION_BUDGET` characters each."""
    texts, current = [], heading
    for line in lines:
        line = cut(line, limits.SECTION_BUDGET - len(heading) - 20)
        if len(current) + 1 + len(line) > limits.SECTION_BUDGET:
            texts.append(current)
            current = heading + " (continued)"
        current += "\n" + line
    texts.append(current)
    return texts
