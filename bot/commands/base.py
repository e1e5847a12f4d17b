"""What every `/billrec` subcommand is handed, and the parsing helpers they share.

    def show(inv: Invocation) -> None:                       # /billrec history CLIENT
        client = inv.text() or inv.usage("history CLIENT")   # raises Usage: the ack says it
        inv.ack()
        inv.reply(*lists.history_message(*inv.services.snapshots.history(inv.tenant, client)))

A subcommand parses its words, then acks, then works: database reads, the admin check (which
may ask Slack's users.info) and replies all come after the ack, so acks stay fast. `Usage` (and
any `UserError`) raised before the ack becomes the ack's own text, an instant ephemeral answer;
after the ack, `reply` answers through the command's response_url, ephemerally. Slow work goes
to `inv.later(...)`.
"""

from __future__ import annotations

import html
import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot import failures, permissions
from bot.background import Background
from bot.posting import Pacer
from bot.views.lists import usage
from reconcile.audit import Actor
from reconcile.bootstrap import Services
from reconcile.errors import Invalid

MENTION = re.compile(r"<([@#!])([A-Z0-9_]+)(?:\|[^>]*)?>")  # ids: capitals and digits (the fake adds _)
SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})


class Usage(Invalid):
    """The words did not parse; the message is the usage line."""


def unescape(text: str) -> str:
    """Slack escapes `&`, `<`, `>` in what a user typed; this is what they typed."""
    return html.unescape(text) if "&" in text else text


def ids(text: str, sigil: str) -> list[str]:
    """The user (`@`) or channel (`#`) ids mentioned in `text` (`<@U1|dana>` → U1)."""
    return [found for kind, found in MENTION.findall(text) if kind == sigil]


def split(text: str) -> list[str]:
    """Words with shell-style quotes ("Managed workstations"), smart quotes included."""
    try:
        return shlex.split(text.translate(SMART_QUOTES))
    except ValueError as error:
        raise Usage(f"could not read that: {error}") from None


@dataclass
class Invocation:
    """One `/billrec …` call."""

    name: str  # the subcommand
    args: str  # the rest of the text, as Slack sent it (mentions still `<@U…>`)
    user_id: str
    channel_id: str
    trigger_id: str
    ack: Ack
    respond: Respond
    slack: WebClient
    services: Services
    tenant: str
    background: Background
    pacer: Pacer

    @property
    def actor(self) -> Actor:
        return Actor(self.user_id, "slack")

    @property
    def acked(self) -> bool:
        return self.ack.response is not None

    def text(self) -> str:
        """The arguments as the user typed them (entities unescaped)."""
        return unescape(self.args).strip()

    def words(self) -> list[str]:
        return split(self.text())

    def usage(self, line: str) -> NoReturn:
        raise Usage(usage(line))

    def reply(self, text: str, blocks: Sequence[dict[str, Any]] | None = None) -> None:
        """An ephemeral answer: the ack itself if not yet acked, else through the response_url."""
        if not self.acked:
            self.ack(text=text, blocks=list(blocks) if blocks else None)
            return
        self.respond(text=text, blocks=list(blocks) if blocks else None, response_type="ephemeral",
                     replace_original=False)

    def require_admin(self, doing: str) -> None:
        permissions.require_admin(self.services, self.tenant, self.user_id, self.slack, doing)

    def later(self, work: Callable[[], Any], what: str) -> None:
        """Run `work` on the job runner; its known failures are replied, the rest logged."""
        self.background.submit(work, reply=lambda text: self.reply(text), name=what)


@dataclass
class Click:
    """One button click or menu choice in a message, acked before it is built."""

    body: dict[str, Any]
    action: dict[str, Any]
    respond: Respond
    slack: WebClient
    services: Services
    tenant: str

    @property
    def user_id(self) -> str:
        return str(self.body["user"]["id"])

    @property
    def actor(self) -> Actor:
        return Actor(self.user_id, "slack")

    @property
    def value(self) -> str:
        selected = self.action.get("selected_option") or {}
        return str(self.action.get("value") or selected.get("value") or "")

    @property
    def message_blocks(self) -> list[dict[str, Any]] | None:
        """The clicked message's blocks; Slack leaves them out for ephemeral messages."""
        return (self.body.get("message") or {}).get("blocks")

    def tell(self, text: str) -> None:
        """An ephemeral line for the clicker; the message itself stays as it was."""
        self.respond(text=text, response_type="ephemeral", replace_original=False)

    def update(self, text: str, blocks: Sequence[dict[str, Any]]) -> None:
        """Replace the clicked message in place."""
        self.respond(text=text, blocks=list(blocks), replace_original=True)

    def require_admin(self, doing: str) -> None:
        permissions.require_admin(self.services, self.tenant, self.user_id, self.slack, doing)


def clicked(handle: Callable[[Click], None]) -> Callable[..., None]:
    """A Bolt action listener from `handle(click)`: ack at once, explain known failures to the clicker."""

    # Bolt passes a listener's arguments by name, so its WebClient arrives as `client`; ours is `slack`.
    def listener(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient,
                 services: Services, tenant: str) -> None:
        ack()
        click = Click(body, action, respond, client, services, tenant)
        with failures.explained(click.tell):
            handle(click)

    listener.__name__ = handle.__name__
    return listener
