"""The evidence modal: a client's billing lines and devices behind each check, paged within Block Kit's limits.

    *Managed workstations* — billed 20, actual 23 · devices seen within 30 days
    _Billed in psa (billed:MW-01): 20_
    • Managed Workstation (billed:MW-01) · 12 × $45.00 · Managed Services
    _Counted in rmm: 23_
    • ACME-WS01 · workstation · last seen 2026-11-26
    _Left out in rmm: 2_
    • ACME-WS09 · workstation · last seen 2026-09-01 — not seen within 30 days

Every line is one bullet; bullets are packed into sections of at most `limits.SECTION_BUDGET` characters,
and sections into pages of at most `PAGE_LINES` bullets and `PAGE_SECTIONS` sections, so a 2,000-device
client is a handful of pages, each far below the modal's 100 blocks. Previous / Next buttons turn the page
in place (`views.update`); the page and client ride in `private_metadata`. A page that starts inside a
list repeats that list's heading, "(continued)".
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.views import limits
from bot.views.format import button, context, cut, day, header, money, name, plain, quantity, section
from reconcile.evidence import Evidence, SideEvidence

SHOW = "evidence_show"  # the report thread's button
SHOW_LABEL = "Show evidence"
# Previous / Next in the modal: two action ids, as Slack wants them unique within their block
PREVIOUS, NEXT = "evidence_previous", "evidence_next"
CALLBACK = "evidence_view"
PAGE_LINES = 150
PAGE_SECTIONS = 10

Block = dict[str, Any]


def with_button(block: Block, client_id: int | None) -> Block:
    """A report thread's section, with the Show evidence button of its client (none for an unlinked account)."""
    if client_id is None:
        return block
    return {**block, "accessory": button(SHOW_LABEL, SHOW, str(client_id))}


@dataclass(frozen=True)
class Bullet:
    heading: str  # the list it belongs to, repeated when a page or section starts inside it
    text: str


def bullets(found: Sequence[Evidence]) -> list[Bullet]:
    """Every line of the modal, in reading order."""
    out: list[Bullet] = []
    for e in found:
        rule = f" · devices seen within {e.seen_within_days} days" if e.seen_within_days else ""
        check = (f"*{name(e.check, 100)}* — billed {quantity(e.billed_total, e.unit)}, "
                 f"actual {quantity(e.actual, e.unit)}{rule}")
        out.append(Bullet("", check))
        for title, side in (("Billed", e.billed), ("Counted", e.usage)):
            out.extend(_side(check, title, side))
    return out


def _side(check: str, title: str, side: SideEvidence) -> list[Bullet]:
    source = name(side.source, 60)
    heading = f"_{title} in {source} ({name(', '.join(side.metrics), 120)}): {quantity(side.total)}_"
    out = [Bullet(check, heading)]
    out += [Bullet(heading, line_text(l.label, l.metric, l.quantity, l.unit_price, l.account)) for l in side.lines]
    out += [Bullet(heading, device_text(d.name, d.device_class, d.last_seen)) for d in side.counted]
    if not side.lines and not side.counted:
        out.append(Bullet(heading, "• nothing counted"))
    left = len(side.left_out) + len(side.left_out_lines)
    if left:
        left_heading = f"_Left out in {source}: {left}_"
        out.append(Bullet(check, left_heading))
        out += [Bullet(left_heading, line_text(l.label, l.metric, l.quantity, l.unit_price, l.account)
                       + f" — {name(l.left_out, 200)}") for l in side.left_out_lines]
        out += [Bullet(left_heading, device_text(d.name, d.device_class, d.last_seen) + f" — {name(d.left_out, 200)}")
                for d in side.left_out]
    return out


def line_text(label: str, metric: str, units: object, price: object, account: str) -> str:
    priced = f" × {money(price)}" if price is not None else ""  # type: ignore[arg-type]
    return (f"• {name(label or metric, 100)} ({name(metric, 80)}) · {quantity(units)}{priced}"  # type: ignore[arg-type]
            f" · {name(account, 80)}")


def device_text(device: str, device_class: str, last_seen: object) -> str:
    return f"• {name(device, 100)} · {name(device_class, 40)} · last seen {day(last_seen)}"  # type: ignore[arg-type]


def pages(found: Sequence[Evidence]) -> list[list[str]]:
    """The bullets as pages of section texts (see the module docstring)."""
    result: list[list[str]] = []
    page: list[str] = []
    current, lines_on_page = "", 0
    for bullet in bullets(found):
        new_page = lines_on_page >= PAGE_LINES or (len(page) >= PAGE_SECTIONS - 1 and current
                                                   and len(current) + len(bullet.text) + 1 > limits.SECTION_BUDGET)
        if new_page:
            page.append(current)
            result.append(page)
            page, current, lines_on_page = [], "", 0
        elif current and len(current) + len(bullet.text) + 1 > limits.SECTION_BUDGET:
            page.append(current)
            current = ""
        if not current and bullet.heading and not bullet.text.startswith(("*", "_")):
            current = f"{bullet.heading} (continued)"
        current = f"{current}\n{bullet.text}" if current else bullet.text
        lines_on_page += 1
    if current:
        page.append(current)
    if page:
        result.append(page)
    return result or [["No check counts anything for this client yet."]]


def metadata(client_id: int, page: int) -> str:
    return json.dumps({"client": client_id, "page": page})


def from_metadata(private_metadata: str) -> tuple[int, int]:
    """(client id, page) from the modal's metadata; ValueError when it is not ours."""
    data = json.loads(private_metadata or "{}")
    return int(data["client"]), int(data["page"])


def modal(client: str, client_id: int, found: Sequence[Evidence], page: int) -> Block:
    """One page of the evidence modal (pages count from 1; a page past the end shows the last)."""
    all_pages = pages(found)
    page = max(1, min(page, len(all_pages)))
    as_of = sorted({f"{source} {day(moment)}" for e in found for source, moment in e.sources_as_of.items()})
    blocks: list[Block] = [header(client),
                           context(f"Page {page} of {len(all_pages)} · from the current synced data"
                                   + (f" · as of {name(', '.join(as_of), 1500)}" if as_of else ""))]
    blocks += [section(cut(text, limits.SECTION_TEXT)) for text in all_pages[page - 1]]
    if len(all_pages) > 1:
        turns = []
        if page > 1:
            turns.append(button("◀ Previous", PREVIOUS, str(page - 1)))
        if page < len(all_pages):
            turns.append(button("Next ▶", NEXT, str(page + 1)))
        blocks.append({"type": "actions", "block_id": "evidence_pages", "elements": turns})
    return _view(blocks, metadata(client_id, page))


def loading(client_id: int) -> Block:
    """What the modal shows while its first page is read (a trigger id lasts 3 s; the reading may not)."""
    return _view([section("Reading the devices and billing lines…")], metadata(client_id, 1))


def notice(text: str) -> Block:
    """The modal with one message instead of evidence (a client that no longer exists, say)."""
    return _view([section(text)], "")


def _view(blocks: list[Block], private_metadata: str) -> Block:
    return {"type": "modal", "callback_id": CALLBACK, "title": plain("Evidence", limits.MODAL_TITLE),
            "close": plain("Close", limits.MODAL_TITLE), "private_metadata": private_metadata, "blocks": blocks}
