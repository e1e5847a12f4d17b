"""Finding a digest step of ours in the channel, for a journal whose last run stopped mid-post.

`reconcile.schedule.journal.DigestJournal` calls the lookup for a step that was attempted but
never recorded; what it finds (a message ts, a file id) is recorded instead of posting again.

    journal.lookup = ChannelLookup(slack, "C123", {"parent": Expected(text="Monthly billing digest …")},
                                   parent=lambda: journal.value("parent"))
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from reconcile.schedule.journal import CannotLook

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Expected:
    """How to recognise a step in the channel: a message by its exact text, or a file by its name."""

    text: str | None = None
    filename: str | None = None


# How far before the recorded attempt the parent may have landed (Slack ts vs our clock).
CLOCK_SLACK = timedelta(minutes=10)
NO_READ = {"missing_scope", "not_in_channel", "channel_not_found", "not_allowed_token_type"}


class ChannelLookup:
    """Finds a step of ours in the channel: the parent in the history, the rest in its thread.

    Needs `channels:history` (`groups:history` for a private channel). Without it, it says so
    once in the log and finds nothing, so the step is posted again: at most that one message
    can then appear twice.
    """

    def __init__(self, slack: WebClient, channel: str, expected: dict[str, Expected],
                 parent: Callable[[], str | None], bot_user: str | None = None) -> None:
        self.slack, self.channel, self.expected, self.parent = slack, channel, expected, parent
        self.bot_user = bot_user

    def __call__(self, step: str, attempted_at: datetime) -> str | None:
        expected = self.expected.get(step)
        if expected is None:
            return None
        try:
            if step == "parent":
                oldest = (attempted_at - CLOCK_SLACK).timestamp()
                messages = self._all("conversations_history", channel=self.channel, oldest=f"{oldest:.6f}")
            else:
                parent = self.parent()
                if parent is None:
                    return None
                messages = self._all("conversations_replies", channel=self.channel, ts=parent)
        except SlackApiError as error:
            if error.response.get("error") not in NO_READ:
                raise
            log.warning("cannot read <#%s> to check for an interrupted %s (%s); posting it again",
                        self.channel, step, error.response.get("error"))
            raise CannotLook(step) from error
        for message in messages:
            if self.bot_user and message.get("user") not in (None, self.bot_user):
                continue
            if expected.filename:
                for shared in message.get("files") or ():
                    if shared.get("name") == expected.filename:
                        return str(shared["id"])
            elif message.get("text") == expected.text and not message.get("files"):
                return str(message["ts"])
        return None

    def _all(self, method: str, **params: str) -> list[dict]:
        messages: list[dict] = []
        cursor = None
        while True:
            answer = getattr(self.slack, method)(limit=200, cursor=cursor, **params)
            messages.extend(answer.get("messages") or [])
            cursor = (answer.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return messages
